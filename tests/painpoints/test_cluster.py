"""The clusterer's building blocks (fast, synthetic) and its behaviour on real embeddings (slow)."""
import numpy as np
import pytest

from feedback2journey.painpoints.cluster import Cluster, Clustering, PainPointClusterer, nearest_centroid, topical_mask
from feedback2journey.painpoints.curate import assign_ids, changes, PainPointState


def test_emotion_only_segments_are_not_topical():
    texts = ["Awful.", "So disappointed!!", "absolutely shocking", "terrible terrible service",
             "The courier lost my parcel", "refund never arrived", "Login fails with an error"]
    assert topical_mask(texts).tolist() == [False, False, False, False, True, True, True]


def test_label_is_one_phrase_never_a_keyword_list():
    c = Cluster(0, ["refund", "refund request"], np.ones(3), 10, ["refund not received", "refund", "money back"])
    assert c.label == "Refund not received"
    assert "(" not in c.label and "," not in c.label
    assert Cluster(2, ["late delivery", "courier"], np.ones(3)).label == "Late delivery"  # no candidate: a keyword
    assert Cluster(1, [], np.ones(3)).label == "cluster 1"


def test_parameters_scale_with_the_data():
    assert PainPointClusterer().params_for(2_000)["mcs_grid"] is None  # the size comes from the data at fit time
    with pytest.raises(ValueError, match="size_rule"):
        PainPointClusterer(size_rule="silhouette")
    c = PainPointClusterer(size_rule="dbcv")
    small, big = c.params_for(2_000), c.params_for(50_000)
    assert small["n_neighbors"] <= big["n_neighbors"] <= 30
    assert min(small["mcs_grid"]) >= 10 and max(big["mcs_grid"]) <= 500
    assert min(big["mcs_grid"]) > min(small["mcs_grid"])
    assert PainPointClusterer(min_cluster_size=25).mcs_grid(10_000) == [25]


def test_nearest_centroid_respects_threshold():
    cents = np.eye(3, dtype=np.float32)
    x = np.array([[1, 0, 0], [0.1, 0.99, 0], [0.58, 0.58, 0.58]], dtype=np.float32)
    best, sim = nearest_centroid(x, cents, threshold=0.7)
    assert best.tolist() == [0, 1, -1]


def test_too_few_segments_gives_no_pain_points():
    res = PainPointClusterer(min_segments=30).fit(["late parcel"] * 5, np.ones((5, 4), dtype=np.float32))
    assert res.unassigned == 5 and not res.clusters and "skipped" in res.params


def _clustering(cents: np.ndarray, sizes: list[int]) -> Clustering:
    clusters = {i: Cluster(i, [f"kw{i}"], c / np.linalg.norm(c), s, [f"kw{i}"]) for i, (c, s) in
                enumerate(zip(cents, sizes))}
    return Clustering(np.repeat(np.arange(len(sizes)), sizes), clusters, {})


def test_ids_follow_centroids_not_cluster_numbers():
    rng = np.random.default_rng(0)
    cents = rng.normal(size=(4, 16)).astype(np.float32)
    first, state = assign_ids(_clustering(cents, [40, 30, 20, 10]), None)
    assert first == {0: "PP01", 1: "PP02", 2: "PP03", 3: "PP04"}
    # next run: clusters come out in another order, one theme is new, one is gone, one split in two
    new = np.vstack([cents[2] + 0.05, cents[0], rng.normal(size=16), cents[1], cents[0] + 0.1]).astype(np.float32)
    second, state2 = assign_ids(_clustering(new, [50, 45, 25, 12, 11]), state)
    assert second[0] == "PP03" and second[3] == "PP02"
    assert {second[1], second[4]} == {"PP01"}  # both fragments of PP01 keep its id
    assert second[2] == "PP05"  # a new id, never a reused one
    state2.final = {"PP03": {"size": 50, "share": 0.5}}
    ch, gone = changes({"PP03": 50, "PP05": 25}, PainPointState(final={"PP03": {"size": 20, "share": 0.2},
                                                                         "PP04": {"size": 10, "share": 0.1}}))
    assert ch == {"PP03": "grown", "PP05": "new"} and gone == ["PP04"]


@pytest.mark.slow
def test_real_embeddings_cluster_by_theme_deterministically(embedder):
    themes = {
        "refund": ["my refund has not arrived", "still waiting for the refund", "refund takes weeks",
                   "where is my refund", "no refund after returning the item", "refund was never processed"],
        "delivery": ["the parcel arrived late", "courier never delivered my package", "delivery was a week late",
                     "package lost by the courier", "my order has not been delivered", "parcel left in the rain"],
        "login": ["cannot log in to the app", "password reset email never comes", "login keeps failing",
                  "app logs me out constantly", "two factor code not received", "account locked after login"],
    }
    texts, truth = [], []
    for k, base in themes.items():
        for i in range(14):
            texts.append(f"{base[i % len(base)]} {['', 'again', 'today', 'this week', 'as usual', 'once more', 'sadly'][i % 7]}".strip())
            truth.append(k)
    texts += ["Awful.", "So disappointed!!", "terrible"] * 3
    emb = embedder.encode(texts)
    c = PainPointClusterer(seed=7, embed=embedder.encode)
    a = c.fit(texts, emb)
    b = c.fit(texts, emb)
    assert np.array_equal(a.assignments, b.assignments)
    assert (a.assignments[-9:] == -1).all()  # emotion-only: never a pain point
    from sklearn.metrics import normalized_mutual_info_score
    ok = a.assignments[:-9] >= 0
    assert ok.mean() >= 0.85
    assert normalized_mutual_info_score(np.array(truth)[ok], a.assignments[:-9][ok]) >= 0.8
    labels = " ".join(cl.label.lower() for cl in a.clusters.values())
    assert "refund" in labels and ("login" in labels or "log" in labels or "password" in labels)


def test_pain_points_help_shows_an_example():
    from typer.testing import CliRunner

    from feedback2journey.cli import app

    result = CliRunner().invoke(app, ["pain-points", "--help"], terminal_width=120)
    assert result.exit_code == 0 and "Example" in result.output and "feedback2journey pain-points" in result.output
    run_help = CliRunner().invoke(app, ["run", "--help"], terminal_width=200).output
    assert "--cluster" in run_help and "--curation" in run_help


def test_a_pain_point_merged_into_a_neighbour_by_more_data_gets_its_rows_back():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=16), rng.normal(size=16)
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    b = 0.8 * a + 0.6 * b  # a close neighbour: one cluster when the cut moves
    b /= np.linalg.norm(b)
    rows = np.vstack([a + rng.normal(scale=0.05, size=(30, 16)), b + rng.normal(scale=0.05, size=(20, 16))])
    rows = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
    first, state = assign_ids(_clustering(np.vstack([a, b]), [30, 20]), None)
    merged = _clustering(rows.mean(axis=0, keepdims=True), [50])
    ids, _ = assign_ids(merged, state)  # without the rows: one id survives
    assert set(ids.values()) == {"PP01"}
    merged = _clustering(rows.mean(axis=0, keepdims=True), [50])
    ids, state2 = assign_ids(merged, state, embeddings=rows)
    assert set(ids.values()) == {"PP01", "PP02"}
    per_row = [ids[t] for t in merged.assignments]
    assert per_row == ["PP01"] * 30 + ["PP02"] * 20 and merged.params["split_back"] == 1


@pytest.mark.slow  # UMAP/HDBSCAN fits, the whole pipeline or 10k+ segments
def test_repeated_rows_are_laid_out_once_and_share_their_point():
    # templates and stock phrases repeat thousands of times in ticket exports: UMAP lays each distinct
    # vector out once (repeats made its spectral step crawl), and repeats take that same point
    rng = np.random.default_rng(0)
    base = np.vstack([c + 0.05 * rng.normal(size=(60, 16)) for c in rng.normal(size=(4, 16))]).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    clusterer = PainPointClusterer(seed=3)
    p = clusterer.params_for(len(base))
    alone = clusterer._reduce(base, dict(p))
    with_repeats = clusterer._reduce(np.vstack([base, base[:40], base[:40]]), dict(p))
    np.testing.assert_array_equal(with_repeats[:len(base)], alone)  # repeats move nobody's point
    np.testing.assert_array_equal(with_repeats[len(base):len(base) + 40], alone[:40])
    np.testing.assert_array_equal(with_repeats[len(base) + 40:], alone[:40])


def test_label_phrases_of_every_cluster_are_encoded_in_one_call_with_the_same_ranking():
    """The encoder runs fixed-shape batches, so one call per cluster would fill a batch with copies each time."""
    import numpy as np

    from feedback2journey.painpoints.labels import prefetch, rank_phrases

    calls = []

    def embed(texts):
        calls.append(list(texts))
        vecs = np.array([[len(t), t.count("e"), t.count(" ") + 1, sum(map(ord, t)) % 7] for t in texts], float)
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)

    lists = [["late parcel", "parcel", "courier"], ["refund", "late parcel", "money back please"]]
    centroids = [np.array([0.9, 0.3, 0.2, 0.1]), np.array([0.2, 0.1, 0.9, 0.3])]
    direct = [rank_phrases(kws, c, embed, k=2) for kws, c in zip(lists, centroids)]
    calls.clear()
    once = prefetch(embed, lists)
    assert [rank_phrases(kws, c, once, k=2) for kws, c in zip(lists, centroids)] == direct
    assert calls == [["late parcel", "parcel", "courier", "refund", "money back please"]]
    assert prefetch(None, lists) is None and prefetch(embed, [[]]) is embed
