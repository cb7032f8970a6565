"""What a fitted pain point clustering is: ``Clustering`` (assignments, clusters, centroids, themes) and how a
new row finds its cluster (``nearest_centroid``). A leaf of ``painpoints``: the fit (``cluster``), its cache and
the id bookkeeping (``ids``) all build or read these."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from feedback2journey.painpoints.labels import Cluster, topical_mask
from feedback2journey.painpoints.slots import SlotMasker, masked_vectors


@dataclass
class Clustering:
    """``assignments[i]`` is the cluster of input row i, or -1 (unassigned).

    ``centroids[t]`` is cluster t's centroid in the fit (what ``assign`` compares with), ``threshold`` the
    cosine similarity a row needs to join a cluster, ``themes`` theme number -> label (``Cluster.theme``)."""

    assignments: np.ndarray
    clusters: dict[int, Cluster] = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    centroids: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    threshold: float = 0.3
    themes: dict[int, str] = field(default_factory=dict)
    encode: Callable[[list[str]], np.ndarray] | None = None  # re-encodes masked texts (params["slots"])
    slot_vectors: tuple = ()  # (rows, vectors): the fit input's rows whose clustering vector was masked
    _masker: SlotMasker | None = field(default=None, repr=False, compare=False)

    def vectors(self, embeddings: np.ndarray) -> np.ndarray:
        """The fit input's embeddings as clustered (``slot_vectors`` in place); others are returned as given."""
        if not self.slot_vectors or len(embeddings) != len(self.assignments):
            return embeddings
        out = np.array(embeddings, dtype=np.float32, copy=True)
        out[self.slot_vectors[0]] = self.slot_vectors[1]
        return out

    @property
    def unassigned(self) -> int:
        return int((self.assignments < 0).sum())

    def masked(self, embeddings: np.ndarray, texts: list[str]) -> np.ndarray:
        """The clustering's vectors of these rows: rows naming a slot value of the fit re-encoded with it
        masked, as in the fit (``slots.py``; needs ``encode``), the others as given."""
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if not self.params.get("slots") or self.encode is None:
            return embeddings
        if self._masker is None:
            self._masker = SlotMasker(self.params["slots"])
        return masked_vectors(texts, embeddings, self._masker, self.encode)[0]

    def assign(self, embeddings: np.ndarray, texts: list[str] | None = None, masked: bool = False) -> np.ndarray:
        """Cluster number of each row (-1 below the threshold), by nearest fitted centroid. Row by row, so
        any chunking gives the same labels as one call. With ``texts``, non-topical rows get -1 (as in fit) and
        the rows are masked as in fit (``masked``: ``embeddings`` already come from ``masked``)."""
        if texts is not None and not masked:
            embeddings = self.masked(embeddings, texts)
        best, _ = nearest_centroid(np.asarray(embeddings, dtype=np.float32), self.centroids, self.threshold)
        if texts is not None:
            best[~topical_mask(texts)] = -1
        return best


def nearest_centroid(embeddings: np.ndarray, centroids: np.ndarray, threshold: float,
                     chunk: int = 16384) -> tuple[np.ndarray, np.ndarray]:
    """Index of each row's most similar centroid (-1 below ``threshold``) and that similarity.

    float64 products: a row's similarities then do not depend on which other rows share its chunk."""
    best = np.full(len(embeddings), -1, dtype=int)
    sim = np.zeros(len(embeddings), dtype=np.float64)
    if len(centroids) == 0 or len(embeddings) == 0:
        return best, sim
    c = np.asarray(centroids, dtype=np.float64)
    for lo in range(0, len(embeddings), chunk):
        s = np.asarray(embeddings[lo: lo + chunk], dtype=np.float64) @ c.T
        b = s.argmax(axis=1)
        v = s[np.arange(len(b)), b]
        best[lo: lo + chunk] = np.where(v >= threshold, b, -1)
        sim[lo: lo + chunk] = v
    return best, sim
