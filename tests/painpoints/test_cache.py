"""The clustering result cache (cluster_cache.ClusteringCache via PainPointClusterer(cache_dir=...))."""
import logging

import numpy as np
import pytest

from feedback2journey.painpoints.cluster import Cluster, Clustering, PainPointClusterer
from feedback2journey.painpoints.cache import ClusteringCache, clustering_key


def _data(n_per: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    topics = {"refund never arrived": 0, "parcel delivered late": 1, "login code not received": 2}
    texts, emb = [], []
    centers = rng.normal(size=(3, 24))
    for words, k in topics.items():
        for i in range(n_per):
            texts.append(f"{words} case {i}")
            emb.append(centers[k] + rng.normal(scale=0.1, size=24))
    emb = np.asarray(emb, dtype=np.float32)
    return texts, emb / np.linalg.norm(emb, axis=1, keepdims=True)


def _fake_fit(calls: list):
    """Stands in for the UMAP/HDBSCAN fit: deterministic, counts its calls."""
    def fit(self, texts, embeddings):
        calls.append(len(texts))
        a = np.arange(len(texts)) % 3
        cents = np.eye(3, embeddings.shape[1], dtype=np.float32)
        clusters = {t: Cluster(t, [f"kw{t}", "more"], cents[t], int((a == t).sum()), [f"kw{t} phrase"], theme=t % 2)
                    for t in range(3)}
        return Clustering(a, clusters, {"rows": len(texts), "min_cluster_size": 10, "dbcv": 0.5, "mcs_grid": [10, 12]},
                          cents, 0.45, {0: "Theme a", 1: "Theme b"})
    return fit


def _same(a: Clustering, b: Clustering) -> bool:
    pa = {k: v for k, v in a.params.items() if k != "cache"}
    pb = {k: v for k, v in b.params.items() if k != "cache"}
    if pa != pb or a.themes != b.themes or a.threshold != b.threshold or sorted(a.clusters) != sorted(b.clusters):
        return False
    if not (np.array_equal(a.assignments, b.assignments) and a.assignments.dtype == b.assignments.dtype
            and np.array_equal(a.centroids, b.centroids) and a.centroids.dtype == b.centroids.dtype):
        return False
    for t, c in a.clusters.items():
        d = b.clusters[t]
        if (c.topic, c.keywords, c.size, c.phrases, c.theme, c.label) != (d.topic, d.keywords, d.size, d.phrases,
                                                                           d.theme, d.label):
            return False
        if not (np.array_equal(c.centroid, d.centroid) and c.centroid.dtype == d.centroid.dtype):
            return False
    return True


@pytest.fixture
def fake(monkeypatch):
    calls = []
    monkeypatch.setattr(PainPointClusterer, "_fit", _fake_fit(calls))
    return calls


def test_a_hit_returns_the_stored_clustering_without_fitting(tmp_path, fake):
    texts, emb = _data()
    c = PainPointClusterer(seed=3, cache_dir=tmp_path)
    first = c.fit(texts, emb)
    second = PainPointClusterer(seed=3, cache_dir=tmp_path).fit(texts, emb)
    assert fake == [len(texts)]
    assert first.params["cache"] == "miss" and second.params["cache"] == "hit"
    assert _same(first, second)


def test_any_change_of_texts_embeddings_or_parameters_misses(tmp_path, fake):
    texts, emb = _data()
    PainPointClusterer(seed=3, cache_dir=tmp_path).fit(texts, emb)
    changed_emb = emb.copy()
    changed_emb[5, 0] = np.nextafter(changed_emb[5, 0], np.float32(2))  # one float, one ulp
    variants = [
        (dict(seed=3), texts[:-1] + [texts[-1] + "!"], emb),
        (dict(seed=3), texts, changed_emb),
        (dict(seed=4), texts, emb),
        (dict(seed=3, sample_size=100), texts, emb),
        (dict(seed=3, min_cluster_size=12), texts, emb),
        (dict(seed=3, outlier_threshold=0.5), texts, emb),
        (dict(seed=3, merge_threshold=0.8), texts, emb),
        (dict(seed=3, theme_similarity=0.6), texts, emb),
        (dict(seed=3, previous_params={"min_cluster_size": 12, "fitted_on": 100}), texts, emb),
        (dict(seed=3, embed=lambda x: np.zeros((len(x), 24)), cache_tag="model-a"), texts, emb),
        (dict(seed=3, embed=lambda x: np.zeros((len(x), 24)), cache_tag="model-b"), texts, emb),
    ]
    for kw, t, e in variants:
        res = PainPointClusterer(cache_dir=tmp_path, **kw).fit(t, e)
        assert res.params["cache"] == "miss", kw
    assert len(fake) == 1 + len(variants)
    # and each variant is now a hit of its own
    assert PainPointClusterer(seed=3, cache_dir=tmp_path, embed=lambda x: x,
                              cache_tag="model-b").fit(texts, emb).params["cache"] == "hit"


def test_the_key_covers_the_embeddings_dtype_order_and_versions(monkeypatch):
    texts, emb = _data(5)
    k = clustering_key(texts, emb, {"seed": 1})
    assert k == clustering_key(texts, np.asfortranarray(emb), {"seed": 1})  # same values, other memory order
    assert k == clustering_key(texts, emb.astype(np.float64), {"seed": 1})  # stored as float32 anyway
    assert k != clustering_key(texts, emb[:, :-1], {"seed": 1})
    import feedback2journey.painpoints.cache as cc

    monkeypatch.setattr(cc, "_version", lambda dist: "9.9" if dist == "umap-learn" else "1")
    assert clustering_key(texts, emb, {"seed": 1}) != k


def test_the_key_names_the_code_loaded_not_the_files_on_disk_now(monkeypatch):
    # a clustering file edited (or a package upgraded) during a run must not key the fit of the old code
    import feedback2journey.painpoints.cache as cc

    texts, emb = _data(5)
    k = clustering_key(texts, emb, {"seed": 1})
    monkeypatch.setattr(cc, "_source_digest", lambda: "edited since")
    assert clustering_key(texts, emb, {"seed": 1}) == k
    monkeypatch.setattr(cc, "SOURCE_DIGEST", "other code")
    assert clustering_key(texts, emb, {"seed": 1}) != k


def test_an_embed_function_without_a_tag_turns_the_cache_off(tmp_path, fake, caplog):
    texts, emb = _data()
    with caplog.at_level(logging.WARNING):
        res = PainPointClusterer(cache_dir=tmp_path, embed=lambda x: np.zeros((len(x), 24))).fit(texts, emb)
    assert "cache" not in res.params and not list(tmp_path.iterdir())
    assert "cache_tag" in caplog.text


def test_a_corrupt_cache_file_is_refitted_with_a_warning(tmp_path, fake, caplog):
    texts, emb = _data()
    first = PainPointClusterer(cache_dir=tmp_path).fit(texts, emb)
    (entry,) = tmp_path.glob("*.npz")
    for damage in (b"", b"not a zip file", entry.read_bytes()[:200]):
        entry.write_bytes(damage)
        with caplog.at_level(logging.WARNING):
            res = PainPointClusterer(cache_dir=tmp_path).fit(texts, emb)
        assert res.params["cache"] == "miss" and "unreadable clustering cache" in caplog.text
        assert _same(first, res)
        caplog.clear()
    assert PainPointClusterer(cache_dir=tmp_path).fit(texts, emb).params["cache"] == "hit"  # rewritten
    assert len(fake) == 4


def test_an_entry_of_another_key_is_not_served(tmp_path, fake):
    texts, emb = _data()
    PainPointClusterer(cache_dir=tmp_path, seed=1).fit(texts, emb)
    (entry,) = tmp_path.glob("*.npz")
    other = tmp_path / (clustering_key(texts, emb, PainPointClusterer(seed=2)._key_params()) + ".npz")
    entry.rename(other)  # a file under a name it was not written for
    assert PainPointClusterer(cache_dir=tmp_path, seed=2).fit(texts, emb).params["cache"] == "miss"


def test_pruning_keeps_the_most_recently_used_entries(tmp_path, fake):
    texts, emb = _data()
    cache = ClusteringCache(tmp_path, keep=3)
    for seed in range(5):
        res = PainPointClusterer(seed=seed).fit(texts, emb)
        cache.put(f"k{seed}", res)
        if seed == 2:
            assert cache.get("k0", len(texts)) is not None  # used again: newer than k1
    left = sorted(p.stem for p in tmp_path.glob("*.npz"))
    assert len(left) == 3 and "k1" not in left and "k4" in left
    assert not list(tmp_path.glob(".tmp-*"))


def test_the_bound_holds_through_the_clusterer(tmp_path, fake):
    texts, emb = _data()
    for seed in range(23):
        PainPointClusterer(seed=seed, cache_dir=tmp_path).fit(texts, emb)
    assert len(list(tmp_path.glob("*.npz"))) == 20


def test_too_few_rows_are_not_stored(tmp_path):
    res = PainPointClusterer(min_segments=30, cache_dir=tmp_path).fit(["late parcel"] * 5, np.ones((5, 4), np.float32))
    assert res.params["cache"] == "miss" and not list(tmp_path.glob("*.npz"))


@pytest.mark.slow
def test_a_real_fit_read_back_equals_a_fresh_fit(tmp_path):
    texts, emb = _data(60)
    fresh = PainPointClusterer(seed=5, min_segments=10).fit(texts, emb)
    assert fresh.clusters and "cache" not in fresh.params
    stored = PainPointClusterer(seed=5, min_segments=10, cache_dir=tmp_path).fit(texts, emb)
    hit = PainPointClusterer(seed=5, min_segments=10, cache_dir=tmp_path).fit(texts, emb)
    assert stored.params["cache"] == "miss" and hit.params["cache"] == "hit"
    assert _same(fresh, stored) and _same(fresh, hit)


@pytest.mark.slow
def test_a_rerun_with_the_embedding_cache_reads_the_clustering_back(models, tmp_path, monkeypatch):
    """As the CLI runs (embedding cache on): the second run on the same data is a hit, with the same tables."""
    import pandas as pd

    from feedback2journey.run.pipeline import analyze
    from feedback2journey.resources import sample_paths

    tickets = next(p for p in sample_paths() if p.name == "tickets.csv")
    frame = pd.read_csv(tickets, dtype=str, keep_default_na=False).head(300)
    monkeypatch.setattr(models.embedder, "cache_dir", tmp_path)
    monkeypatch.setattr(models.embedder, "_cache", None)
    first = analyze(frame, models.config, models=models)
    second = analyze(frame, models.config, models=models)
    assert first.run_info["clustering"]["cache"] == "miss" and second.run_info["clustering"]["cache"] == "hit"
    assert len(list((tmp_path / "clusterings").glob("*.npz"))) == 1
    pd.testing.assert_frame_equal(first.pain_points, second.pain_points)
    pd.testing.assert_frame_equal(first.segments, second.segments)
    strip = lambda info: {k: v for k, v in info["clustering"].items() if k != "cache"}  # noqa: E731
    assert strip(first.run_info) == strip(second.run_info)
