"""The choice of the minimum cluster size (cluster_select): stable under near-ties, a clear winner still wins."""
import numpy as np
import pytest

from feedback2journey.painpoints.cluster import PainPointClusterer
from feedback2journey.painpoints.select import neighbour_size, pick_min_cluster_size, size_grid

GRID = size_grid(10_003)  # Banking77's grid: 19 sizes from 40 to 120
I = np.arange(len(GRID))


def test_grid_spans_point_four_to_one_point_two_percent_in_small_steps():
    assert len(GRID) == 19 and GRID[0] == 40 and GRID[-1] == 120
    assert max(b / a for a, b in zip(GRID, GRID[1:])) < 1.1
    assert size_grid(500) == [10]  # small data: the floor
    assert max(size_grid(10_000_000)) == 500


def test_a_clear_winner_is_still_picked():
    assert pick_min_cluster_size(GRID, 0.4 - 0.03 * np.abs(I - 9)) == 69  # a peak in the middle
    assert 48 <= pick_min_cluster_size(GRID, np.where((I >= 2) & (I <= 6), 0.5, 0.3)) <= 54  # a high region
    assert pick_min_cluster_size(GRID, 0.3 - 0.02 * I) <= 43  # at the ends of the grid too
    assert pick_min_cluster_size(GRID, 0.3 + 0.02 * I) >= 113


def test_a_lone_spike_does_not_beat_a_broad_high_region():
    s = np.where((I >= 12) & (I <= 16), 0.45, 0.35)
    s[3] = 0.46  # one size, barely better: DBCV noise
    assert pick_min_cluster_size(GRID, s) >= 83


def test_a_near_tie_does_not_jump_from_one_tied_region_to_the_other():
    # two far-apart regions within DBCV's noise of each other; which one is ahead flips with a tiny data change
    a, b = np.full(19, 0.30), np.full(19, 0.30)
    a[2:5], a[14:17] = 0.405, 0.400
    b[2:5], b[14:17] = 0.400, 0.405
    assert GRID[int(np.argmax(a))] == 45 and GRID[int(np.argmax(b))] == 94  # the arg-max jumps end to end
    pa, pb = pick_min_cluster_size(GRID, a), pick_min_cluster_size(GRID, b)
    assert 45 < pa < 94 and 45 < pb < 94  # a size between the tied regions...
    assert max(pa, pb) / min(pa, pb) < 1.2  # ... that moves far less than the arg-max (x2.1)


def test_score_noise_moves_the_pick_much_less_than_the_old_arg_max():
    """DBCV curves as measured on Banking77: a gentle trend plus ~0.02 independent noise per size, drawn twice
    (the same data minus a row). The old rule: arg-max over a 5-size grid."""
    rng = np.random.default_rng(0)
    five = [0, 5, 9, 14, 18]
    moves, old = [], []
    for _ in range(300):
        trend = 0.4 + np.cumsum(rng.normal(0, 0.005, len(GRID)))
        x, y = (trend + rng.normal(0, 0.02, len(GRID)) for _ in range(2))
        px, py = pick_min_cluster_size(GRID, x), pick_min_cluster_size(GRID, y)
        moves.append(max(px, py) / min(px, py))
        ox, oy = GRID[five[int(np.argmax(x[five]))]], GRID[five[int(np.argmax(y[five]))]]
        old.append(max(ox, oy) / min(ox, oy))
    moves, old = np.array(moves), np.array(old)
    assert (moves >= 1.5).mean() <= 0.03 and (old >= 1.5).mean() >= 0.3
    assert np.median(moves) < 1.2 < np.median(old)


def test_failed_sizes_take_no_part_and_a_single_size_is_kept():
    assert pick_min_cluster_size([40, 53, 69, 91, 120], [-1.0, -1.0, 0.2, 0.2, -1.0], window=0) == 79
    assert pick_min_cluster_size([57], [0.1]) == 57  # a rerun's size from the previous run
    assert pick_min_cluster_size([57], [-1.0]) == 57
    with pytest.raises(ValueError):
        pick_min_cluster_size([], [])


@pytest.mark.slow  # UMAP/HDBSCAN fits, the whole pipeline or 10k+ segments
def test_fit_uses_the_rule_and_reports_the_scores(monkeypatch):
    """The fit path: scores per grid size go through pick_min_cluster_size (UMAP skipped: synthetic blobs)."""
    import feedback2journey.painpoints.cluster as cluster

    rng = np.random.default_rng(0)
    centers = rng.normal(size=(4, 5)) * 10
    reduced = np.vstack([c + rng.normal(size=(700, 5)) for c in centers]).astype(np.float32)
    emb = np.hstack([reduced, rng.normal(size=(2800, 3))]).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    texts = [f"{w} problem number {i}" for w in ["refund", "parcel", "login", "invoice"] for i in range(700)]
    seen = {}

    def fake_scores(red, grid, tree_cache=None):
        seen["grid"] = list(grid)
        return list(0.4 - 0.01 * np.arange(len(grid)))

    monkeypatch.setattr(cluster, "score_grid", fake_scores)
    monkeypatch.setattr(PainPointClusterer, "_reduce", lambda self, e, p: reduced)
    res = PainPointClusterer(seed=1, merge_threshold=0, size_rule="dbcv").fit(texts, emb)
    assert res.params["mcs_grid"] == seen["grid"] == size_grid(2800)
    assert res.params["dbcv_grid"] == [round(x, 4) for x in 0.4 - 0.01 * np.arange(len(seen["grid"]))]
    assert res.params["min_cluster_size"] == pick_min_cluster_size(seen["grid"], res.params["dbcv_grid"])
    assert len(res.clusters) >= 2


def _packed_groups(seed: int) -> np.ndarray:
    """16 groups of 40 points packed into one dense region plus one small far-away group: excess of mass
    takes the first split of the tree, one giant cluster of ~95% of the rows (checked below)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=0.5, size=(16, 5))
    return np.concatenate([c + rng.normal(scale=0.2, size=(40, 5)) for c in centres]
                          + [rng.normal(size=(15, 5)) * 0.2 + 12])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_cluster_holds_more_than_half_the_rows(seed):
    from hdbscan import HDBSCAN

    from feedback2journey.painpoints.select import dbcv, hdbscan_model, min_samples_for

    x = _packed_groups(seed)
    plain = HDBSCAN(min_cluster_size=10, min_samples=min_samples_for(10)).fit(x).labels_
    assert np.bincount(plain[plain >= 0]).max() > 0.9 * len(x)  # the failure the cap prevents
    capped = hdbscan_model(10, len(x)).fit(x).labels_
    sizes = np.bincount(capped[capped >= 0])
    assert sizes.max() <= len(x) // 2 and len(sizes) >= 5
    assert dbcv(hdbscan_model(10, len(x)).fit(x)) > -1


def test_cap_is_off_when_it_would_forbid_every_cluster():
    from feedback2journey.painpoints.select import hdbscan_model

    assert hdbscan_model(10, 1000).max_cluster_size == 500
    assert hdbscan_model(30, 40).max_cluster_size == 0


@pytest.mark.slow  # UMAP/HDBSCAN fits, the whole pipeline or 10k+ segments
def test_hdbscan_starts_no_worker_processes_on_large_fits():
    """Above 16,384 points hdbscan's default starts 4 loky processes that outlive the fit (829 MB in a 1M run)."""
    import subprocess
    import sys

    code = ("import os, numpy as np\n"
            "from feedback2journey.painpoints.select import hdbscan_model\n"
            "x = np.random.default_rng(0).normal(size=(17000, 5))\n"
            "labels = hdbscan_model(20, len(x)).fit(x).labels_\n"
            "kids = [c for t in os.listdir('/proc/self/task') for c in open(f'/proc/self/task/{t}/children').read().split()]\n"
            "print(len(labels), len(kids))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
    assert out.stdout.split() == ["17000", "0"]


def test_the_grid_builds_the_spanning_tree_once_with_the_same_labels_and_scores(monkeypatch, tmp_path):
    """Every size of a grid on more than ~7,500 rows has min_samples 10: one tree, condensed per size."""
    import hdbscan.hdbscan_ as hdbscan_impl

    from feedback2journey.painpoints.select import dbcv, hdbscan_model, min_samples_for, score_grid

    rng = np.random.default_rng(3)
    x = np.vstack([c + rng.normal(scale=0.6, size=(450, 5)) for c in rng.normal(scale=4, size=(6, 5))])
    grid = [30, 36, 43, 52]
    assert {min_samples_for(m) for m in grid} == {10}
    plain = score_grid(x, grid)
    calls = []
    build = hdbscan_impl._hdbscan_boruvka_kdtree
    monkeypatch.setattr(hdbscan_impl, "_hdbscan_boruvka_kdtree", lambda *a, **k: calls.append(1) or build(*a, **k))
    shared = score_grid(x, grid, str(tmp_path))
    assert shared == plain and len(calls) == 1  # 4 fits, 1 tree
    final = hdbscan_model(40, len(x), str(tmp_path)).fit(x)  # the final fit: the same tree again
    assert len(calls) == 1
    hdbscan_model(12, len(x), str(tmp_path)).fit(x)  # min_samples 4: another tree
    assert len(calls) == 2
    alone = hdbscan_model(40, len(x)).fit(x)
    assert np.array_equal(final.labels_, alone.labels_) and dbcv(final) == dbcv(alone)


def _groups_of(sizes, dim=16, spread=0.15, seed=0):
    """Unit vectors in groups of the given sizes around random directions (cosine within a group ~0.9)."""
    rng = np.random.default_rng(seed)
    x = np.vstack([rng.normal(size=dim) + spread * rng.normal(size=(k, dim)) for k in sizes]).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_the_size_follows_how_often_a_thing_is_said():
    # 20 problems told 40 times each, against 20 told 10 times each: the size follows the repetition
    often, rarely = neighbour_size(_groups_of([40] * 20)), neighbour_size(_groups_of([10] * 20))
    assert 30 <= often <= 45
    assert 5 <= rarely <= 12
    assert neighbour_size(_groups_of([3] * 50)) == 5  # the floor: a pain point is said at least 5 times
    assert neighbour_size(np.eye(3, dtype=np.float32)) == 5


def test_the_size_hardly_moves_when_a_few_rows_change():
    x = _groups_of([40] * 20, seed=3)
    full, fewer = neighbour_size(x), neighbour_size(x[5:])
    assert abs(full - fewer) <= 2
    # above the query budget a seeded sample of rows is counted: the same seed, the same answer
    big = _groups_of([150] * 20, seed=4)
    assert neighbour_size(big, seed=1) == neighbour_size(big, seed=1)
    assert abs(neighbour_size(big, seed=1) - neighbour_size(big, seed=2)) <= 0.1 * neighbour_size(big, seed=1)


def test_the_default_fit_takes_the_size_from_the_data(monkeypatch):
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(4, 5)) * 10
    reduced = np.vstack([c + rng.normal(size=(300, 5)) for c in centers]).astype(np.float32)
    emb = _groups_of([300] * 4, seed=5)
    texts = [f"{w} problem number {i}" for w in ["refund", "parcel", "login", "invoice"] for i in range(300)]
    monkeypatch.setattr(PainPointClusterer, "_reduce", lambda self, e, p: reduced)
    res = PainPointClusterer(seed=1, merge_threshold=0, mask_slots=False).fit(texts, emb)
    assert res.params["mcs_grid"] is None and "dbcv_grid" not in res.params
    assert res.params["min_cluster_size"] == neighbour_size(emb, seed=1)
    assert len(res.clusters) == 4


def test_long_items_are_counted_on_centered_vectors():
    # means of several segment vectors share the corpus direction: 20 problems told 15 times each, all within
    # cosine 0.65 of each other through that shared part. Plainly counted, every row neighbours every row and
    # the size hits its cap (a tenth of the rows: ~10 pain points at most); centered, it is the repetition.
    rng = np.random.default_rng(5)
    common = rng.normal(size=16)
    x = 3.0 * common / np.linalg.norm(common) + _groups_of([15] * 20, seed=6)
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    assert neighbour_size(x) == len(x) // 10
    assert 10 <= neighbour_size(x, center=True) <= 20
    # single-segment rows spread around: centering is not needed and gives about the same count
    plain = _groups_of([40] * 20)
    assert abs(neighbour_size(plain, center=True) - neighbour_size(plain)) <= 8


def test_the_clusterer_centers_the_count_only_for_multi_segment_units(monkeypatch):
    from feedback2journey.painpoints import cluster as C

    seen = []
    real = C.neighbour_size
    monkeypatch.setattr(C, "neighbour_size", lambda emb, seed=0, center=False: seen.append(center) or real(emb, seed=seed, center=center))
    x = _groups_of([40] * 4, seed=7)
    words = ["parcel late", "refund missing", "app crashes", "card declined"]
    one = [f"{words[i // 40]} {i}" for i in range(160)]
    C.PainPointClusterer(seed=1, mask_slots=False).fit(one, x)
    C.PainPointClusterer(seed=1, mask_slots=False).fit([f"{t}\nstill waiting {i}" for i, t in enumerate(one)], x)
    assert seen == [False, True]
