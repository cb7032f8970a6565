"""Choosing HDBSCAN's minimum cluster size: the granularity of the pain points.

**Default: from the data's own repetition** (``neighbour_size``). A problem that recurs is told in many
similar ways: the typical number of rows within cosine ``NEIGHBOUR_SIMILARITY`` of a row (MiniLM vectors) is
how many times a thing is typically said, and that is the minimum cluster size. It follows the data: ~39 on
Bitext's templated requests (117 per intent), ~21 on Banking77 (39 per intent), the floor of 5 on CLINC150 and
HWU64 (13-17 per intent). How the similarity was chosen and what each choice gives on every intent set
(leave-one-set-out): docs/pain_points.md. Replaced as default because DBCV ranked the sizes the wrong way on
three of four intent sets (it preferred the coarsest grain where NMI fell: Banking77 33 clusters for 77
intents, NMI 0.74 against 0.81 at the finest), and a fixed share of the rows cannot know how often a problem
is told.

**``size_rule="dbcv"``** keeps the earlier rule: each size of a grid scored by density-based cluster
validity (DBCV, HDBSCAN's fast ``relative_validity_``), then ``pick_min_cluster_size``:

1. scores a **fine grid** (19 sizes, x1.06 apart, between 0.4% and 1.2% of the rows; HDBSCAN on the
   5-dimensional UMAP output is cheap: ~0.1 s per size for 10,000 rows);
2. **smooths** the scores along the grid (mean over each size and its 3 neighbours on either side, a
   x1.4 span): the noise of single sizes averages out and a broad high region beats a lone spike;
3. takes a **soft arg-max**: the geometric mean of the sizes weighted by ``exp((smoothed - best) /
   temperature)``. The pick is a continuous function of the scores, so a small change of them moves it a
   little (a near-tie between two regions gives a size between them, whichever is ahead by a hair) instead
   of from one end of the grid to the other; a clear winner (ahead by several ``temperature``) still wins.
"""
from __future__ import annotations

import numpy as np

NEIGHBOUR_SIMILARITY = 0.65  # "says the same thing" for MiniLM vectors (chosen in docs/pain_points.md)
NEIGHBOUR_QUERIES = 2000  # rows whose neighbours are counted (a seeded sample of them on bigger data)
MIN_SIZE, MAX_SIZE = 5, 500
# at most a tenth of the rows: room for ten pain points at least. Where one template carries every request
# ("I want to create/delete/upgrade/close my Gold account", slot names masked) the median row has half the
# rows within 0.65 and no request could form a cluster (a synthetic set of 4 requests x 80 rows: 160 of 320).
MIN_ROOM = 10
TEMPERATURE = 0.01
MAX_CLUSTER_SHARE = 0.5  # a "cluster" of more than half the rows is not a pain point: HDBSCAN takes its children
GRID_POINTS = 19
WINDOW = 3  # neighbours on either side averaged into a size's smoothed score


def min_samples_for(mcs: int) -> int:
    return int(np.clip(mcs // 3, 3, 10))


def hdbscan_model(mcs: int, n: int, tree_cache: str | None = None):
    """The HDBSCAN that is fitted (and scored) for minimum cluster size ``mcs`` on ``n`` rows.

    ``tree_cache``: a folder where HDBSCAN's own ``memory`` keeps the minimum spanning tree. The tree depends
    on the data and ``min_samples`` only, not on ``mcs``, and ``min_samples_for`` is 10 for every size of a
    grid on more than ~7,500 rows: so the grid's 19 fits and the final one build it once and differ only in
    condensing it (measured on 22,000 clothing-review segments: 5.3 s of boruvka down to 0.3 s). The
    labels and scores are the same arrays as without it (tested).

    ``max_cluster_size`` = half the rows: excess-of-mass selection sometimes takes the first split of the whole
    tree, one cluster of ~95% of the rows and a small one. On SemEval's 630 negative restaurant sentences that
    happened for 3 of 5 UMAP seeds (2 clusters, NMI 0.01 instead of 0.27-0.29), and DBCV rates that split
    higher than the real clusters, so it cannot be scored away. A node above the cap is never selected;
    its sub-clusters are. Fits without such a giant are unchanged.

    ``core_dist_n_jobs=1``: hdbscan's default (4) starts a pool of 4 loky processes on large fits that stay
    alive for the rest of the run: 829 MB on top of a 1M-row run's peak, and slower in wall time on 2 cores
    (a 50,000-point fit at 19 sizes: 17.8 s against 22.8 s). The labels are the same."""
    from hdbscan import HDBSCAN
    from joblib import Memory

    cap = int(n * MAX_CLUSTER_SHARE)
    return HDBSCAN(min_cluster_size=mcs, min_samples=min_samples_for(mcs), metric="euclidean",
                   cluster_selection_method="eom", gen_min_span_tree=True, max_cluster_size=cap if cap > mcs else 0,
                   core_dist_n_jobs=1, memory=tree_cache if tree_cache is not None else Memory(None, verbose=0))


def neighbour_size(embeddings: np.ndarray, similarity: float = NEIGHBOUR_SIMILARITY, seed: int = 0,
                   queries: int = NEIGHBOUR_QUERIES, center: bool = False) -> int:
    """The minimum cluster size the data asks for: the median number of other rows within cosine
    ``similarity`` of a row (counted for ``queries`` seeded rows), between 5 and 500 and at most a tenth of the
    rows (``MIN_ROOM``).
    ``embeddings`` are L2-normalised. A median of counts: a few rows more or less move it by little.

    ``center``: count on the vectors less their mean (re-normalised). For rows that are means of several
    segment vectors (long items, ``painpoints.units``): averaging pulls every row towards the corpus mean, so
    rows about different problems of one domain pass 0.65 together and the size comes out far too big (items of
    3 same-intent requests: Banking77 18 clusters for 77 intents, NMI 0.77; centered 57 clusters, NMI 0.95).
    Single-segment rows keep the plain count (centered, Bitext's templated requests split in two: NMI 0.83 ->
    0.78). docs/pain_points.md, "Long items"."""
    x = np.asarray(embeddings, dtype=np.float32)
    n = len(x)
    if n < 2:
        return MIN_SIZE
    if center:
        x = x - x.mean(axis=0)
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    q = x if n <= queries else x[np.sort(np.random.default_rng(seed).choice(n, queries, replace=False))]
    counts = np.concatenate([((q[a: a + 512] @ x.T) >= similarity).sum(axis=1) - 1 for a in range(0, len(q), 512)])
    return int(np.clip(round(float(np.median(counts))), MIN_SIZE, max(MIN_SIZE, min(MAX_SIZE, n // MIN_ROOM))))


def size_grid(n: int, points: int = GRID_POINTS) -> list[int]:
    """Candidate minimum cluster sizes for ``n`` rows: ``points`` sizes spaced geometrically between 0.4% and
    1.2% of the rows (at least 10, at most 500)."""
    hi = max(10.0, min(500.0, n * 0.012))
    lo = min(max(10.0, n * 0.004), hi)
    return sorted({int(round(x)) for x in np.geomspace(lo, hi, points)})


def smoothed(scores, window: int = WINDOW) -> np.ndarray:
    """Mean of each score and its ``window`` neighbours on either side (fewer at the ends of the grid)."""
    s = np.asarray(scores, dtype=float)
    return np.array([s[max(0, i - window): i + window + 1].mean() for i in range(len(s))])


def pick_min_cluster_size(grid: list[int], scores: list[float], temperature: float = TEMPERATURE,
                          window: int = WINDOW) -> int:
    """The minimum cluster size to use given each grid size's DBCV (``scores[i]`` for ``grid[i]``, grid
    ascending; -1 = the size gave fewer than two clusters and takes no part). May lie between grid sizes.
    See the module docstring."""
    g, s = np.asarray(grid, dtype=float), np.asarray(scores, dtype=float)
    if not len(g):
        raise ValueError("empty grid")
    ok = s > -1
    if not ok.any():
        return int(g[0])
    g, sm = g[ok], smoothed(s[ok], window)
    w = np.exp((sm - sm.max()) / temperature)
    return int(round(float(np.exp((w * np.log(g)).sum() / w.sum()))))


def dbcv(fitted) -> float:
    """A fitted HDBSCAN's fast DBCV (it needs ``gen_min_span_tree=True``); -1 with fewer than two clusters."""
    if len(set(fitted.labels_.tolist()) - {-1}) < 2:
        return -1.0
    try:
        return float(fitted.relative_validity_)
    except (AttributeError, ValueError, ZeroDivisionError):  # no spanning tree kept
        return -1.0


def score_grid(reduced: np.ndarray, grid: list[int], tree_cache: str | None = None) -> list[float]:
    """DBCV (HDBSCAN's fast ``relative_validity_``) of an HDBSCAN fit per grid size; -1 when a size gives
    fewer than two clusters or is not smaller than the data. ``tree_cache``: see ``hdbscan_model``."""
    scores = []
    for mcs in grid:
        if mcs >= len(reduced):
            scores.append(-1.0)
            continue
        scores.append(dbcv(hdbscan_model(mcs, len(reduced), tree_cache).fit(reduced)))
    return scores
