"""Candidate clusterings compared by painpoints_dev.py: each yields (setting, fit(texts, emb) -> Clustering)."""
from __future__ import annotations

import contextlib

import numpy as np

import feedback2journey.painpoints.cluster as C
from feedback2journey.painpoints.select import size_grid


@contextlib.contextmanager
def patched(module, name, value):
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


def current(enc):
    yield "default", lambda t, e: C.PainPointClusterer(embed=enc, seed=42).fit(t, e)


def grid(enc):
    for lo, hi in [(0.002, 0.006), (0.003, 0.009), (0.004, 0.012)]:
        def g(n, lo=lo, hi=hi):
            h = max(5.0, min(500.0, n * hi))
            low = min(max(5.0, n * lo), h)
            return sorted({int(round(x)) for x in np.geomspace(low, h, 19)})

        def fit(t, e, g=g):
            with patched(C, "size_grid", g):
                return C.PainPointClusterer(embed=enc, seed=42).fit(t, e)
        yield f"{lo}-{hi}", fit


def merge(enc):
    for m in (0.8, 0.85, 0.95, 0.0):
        yield f"merge {m}", lambda t, e, m=m: C.PainPointClusterer(embed=enc, seed=42, merge_threshold=m).fit(t, e)


class Agglomerative(C.PainPointClusterer):
    """Average-linkage agglomerative clustering of the full embeddings, cut at a cosine distance; groups
    smaller than ``min_size`` are outliers (then reassigned like HDBSCAN's)."""

    def __init__(self, distance: float, min_size: int = 5, **kw):
        super().__init__(**kw)
        self.distance, self.min_size = distance, min_size

    def _fit_sample(self, emb, p):
        from sklearn.cluster import AgglomerativeClustering

        raw = AgglomerativeClustering(n_clusters=None, distance_threshold=self.distance, metric="cosine",
                                      linkage="average").fit_predict(emb)
        sizes = np.bincount(raw)
        raw = np.where(sizes[raw] >= self.min_size, raw, -1)
        number = {t: i for i, t in enumerate(self._order(raw))}
        return np.asarray([number.get(t, -1) for t in raw.tolist()], dtype=int), self.min_size, 0.0


def agglo(enc):
    for d in (0.45, 0.5, 0.55, 0.6, 0.65):
        yield f"avg d={d}", lambda t, e, d=d: Agglomerative(d, embed=enc, seed=42, merge_threshold=0).fit(t, e)


class Leaf(C.PainPointClusterer):
    def _fit_sample(self, emb, p):
        reduced = self._reduce(emb, p)
        from hdbscan import HDBSCAN

        mcs = max(5, int(round(len(emb) * self.share)))
        raw = HDBSCAN(min_cluster_size=mcs, min_samples=max(3, mcs // 3), cluster_selection_method="leaf",
                      core_dist_n_jobs=1).fit_predict(reduced)
        number = {t: i for i, t in enumerate(self._order(raw))}
        return np.asarray([number.get(t, -1) for t in raw.tolist()], dtype=int), mcs, 0.0


def leaf(enc):
    for s in (0.002, 0.004, 0.006):
        def fit(t, e, s=s):
            m = Leaf(embed=enc, seed=42)
            m.share = s
            return m.fit(t, e)
        yield f"leaf {s}", fit


def unit_vectors(enc):
    """texts -> the pipeline's item vectors (segmented as the pipeline does, ``painpoints.units.Units``), computed
    once per set."""
    import pandas as pd

    from feedback2journey.painpoints.units import Units
    from feedback2journey.text.segment import Segmenter

    cache = {}

    def vectors(texts):
        key = len(texts), texts[0]
        if key not in cache:
            seg = Segmenter().segment(pd.DataFrame({"item_id": range(len(texts)), "text": texts}))
            st = seg["text"].tolist()
            cache[key] = Units.of(seg["item_id"]).vectors(enc(st), st)
        return cache[key]
    return vectors


def segmean(enc):
    """Items as the mean of their topical segments' vectors (what the pipeline has without encoding again)."""
    vectors = unit_vectors(enc)
    yield "mean of segments", lambda t, e: C.PainPointClusterer(embed=enc, seed=42).fit(t, vectors(t))


def outlier(enc):
    """How close an outlier must be to a centroid to join it (PainPointClusterer.outlier_threshold)."""
    vectors = unit_vectors(enc)
    for t in (0.45, 0.4, 0.35, 0.3, 0.25, 0.2):
        yield f"outlier {t}", lambda x, e, t=t: C.PainPointClusterer(embed=enc, seed=42, outlier_threshold=t).fit(x, vectors(x))


def neighbours(enc):
    """The minimum cluster size from the data's repetition at each similarity (select.neighbour_size)."""
    import functools

    from feedback2journey.painpoints import select

    vectors = unit_vectors(enc)
    for sim in (0.55, 0.6, 0.65, 0.7, 0.75):
        def fit(t, e, sim=sim):
            with patched(C, "neighbour_size", functools.partial(select.neighbour_size, similarity=sim)):
                return C.PainPointClusterer(embed=enc, seed=42).fit(t, vectors(t))
        yield f"similarity {sim}", fit
    yield "dbcv grid", lambda t, e: C.PainPointClusterer(embed=enc, seed=42, size_rule="dbcv").fit(t, vectors(t))


VARIANTS = {"current": current, "grid": grid, "merge": merge, "agglo": agglo, "leaf": leaf, "segmean": segmean,
            "outlier": outlier, "neighbours": neighbours}
