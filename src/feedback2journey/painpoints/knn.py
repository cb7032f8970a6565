"""Exact cosine k-nearest neighbours for UMAP, so that a fit need not compile pynndescent.

UMAP finds neighbours with pynndescent's ``nn_descent`` on data of 4,096 rows or more. Its numba code takes
the distance function as an argument and cannot be cached on disk (``cluster_cache``), so every process
compiled it again: ~8-10 s of CPU before any work. Up to ``EXACT_KNN_MAX`` rows the exact neighbours are
cheaper: a blocked float32 matrix product of the L2-normalised vectors, a partial sort per row, and UMAP
gets them as ``precomputed_knn``. The product grows with n²: ~1.7 CPU s at 10,000 rows, ~25 s at 50,000,
where pynndescent (compile included) is cheaper again, so larger fits (the default sample is 50,000) keep it.

**Determinism.** A float32 BLAS product is not bitwise reproducible across processes (OpenBLAS picks
kernels by memory alignment), so near-tied neighbours could swap between two runs. The float32 product only
nominates candidates: every row whose similarity is within ``SLACK`` of the k-th best (far more than
float32 rounding), and the candidates are then ranked by a float64 dot product computed without BLAS
(elementwise product and sum: the same operations in the same order in every process), ties broken by the
lower row number. The row itself is always column 0 at distance 0, as UMAP expects.
"""
from __future__ import annotations

import numpy as np

SLACK = 1e-3  # candidates within this cosine of the k-th best in float32 (float32 rounding is ~1e-6 here)
BLOCK = 1024  # rows per matrix-product block


def normalised(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def exact_cosine_knn(x: np.ndarray, k: int, block: int = BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, distances)`` of shape ``(n, k)``: each row's ``k`` nearest rows by cosine distance
    (``1 - cos``), itself first (distance 0), then ascending distance, ties by row number. int64 / float32,
    as UMAP's ``precomputed_knn`` wants them."""
    x32 = normalised(x)
    n = len(x32)
    k = int(min(k, n))
    if n == 0 or k < 1:
        return np.zeros((n, max(k, 0)), dtype=np.int64), np.zeros((n, max(k, 0)), dtype=np.float32)
    x64 = x32.astype(np.float64)
    idx = np.empty((n, k), dtype=np.int64)
    dist = np.empty((n, k), dtype=np.float32)
    others = k - 1
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        rows = np.arange(lo, hi)
        sims = x32[lo:hi] @ x32.T  # float32: only nominates candidates
        sims[rows - lo, rows] = -np.inf  # the row itself is column 0 anyway
        if others == 0:
            idx[lo:hi, 0], dist[lo:hi, 0] = rows, 0.0
            continue
        floor = _kth_floor(sims, others)
        cand_r, cand_c = np.nonzero(sims >= (floor - SLACK)[:, None])
        for r in range(hi - lo):
            a, b = np.searchsorted(cand_r, [r, r + 1])
            cols = cand_c[a:b]
            if len(cols) > others:  # keep those within SLACK of the (k-1)-th best in float32
                s32 = sims[r, cols]
                cols = cols[s32 >= np.partition(s32, len(s32) - others)[len(s32) - others] - SLACK]
            exact = (x64[cols] * x64[lo + r]).sum(axis=1)  # float64 without BLAS: reproducible
            order = np.lexsort((cols, -exact))[:others]  # best first, ties by row number
            idx[lo + r, 0], dist[lo + r, 0] = lo + r, 0.0
            idx[lo + r, 1:] = cols[order]
            dist[lo + r, 1:] = np.maximum(1.0 - exact[order], 0.0)
    return idx, dist


def _kth_floor(sims: np.ndarray, m: int, groups: int = 16) -> np.ndarray:
    """Per row a value <= its m-th largest entry, cheaply: the m-th largest of the maxima of ``groups``-strided
    column groups (m group maxima are m distinct entries, all >= it). Strided groups, so that similar rows
    stored next to each other fall into different groups and the floor stays close to the true m-th value."""
    b, n = sims.shape
    width = n // groups
    if width <= m:  # small data: partition the whole row
        return np.partition(sims, n - m, axis=1)[:, n - m]
    maxima = sims[:, : width * groups].reshape(b, groups, width).max(axis=1)  # column c in group c % width
    if width * groups < n:  # the leftover columns join as their own candidates
        maxima = np.concatenate([maxima, sims[:, width * groups:]], axis=1)
    return np.partition(maxima, maxima.shape[1] - m, axis=1)[:, maxima.shape[1] - m]


EXACT_KNN_MAX = 30_000  # fits up to this many rows use exact_cosine_knn (cost crossover ~35k, see docs)


def knn_method(n: int) -> str:
    """``"exact"`` (this module) for fits of up to ``EXACT_KNN_MAX`` rows, else ``"nndescent"`` (UMAP's own)."""
    return "exact" if n <= EXACT_KNN_MAX else "nndescent"
