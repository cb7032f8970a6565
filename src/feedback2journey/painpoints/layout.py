"""UMAP's spectral initialisation made deterministic across processes (used by ``cluster._reduce``)."""
from __future__ import annotations

import numpy as np

SMALL_COMPONENT = 100


def stable_spectral_layout(data, graph, dim, random_state, metric="euclidean", metric_kwds=None, **kw):
    """UMAP's spectral initialisation, except that connected components of the kNN graph with fewer than
    ``SMALL_COMPONENT`` rows are placed at seeded random positions around their spot instead of by ARPACK.

    Why: duplicate sentences form small components whose Laplacian has repeated eigenvalues; ARPACK's
    eigenvectors for them depend on floating-point rounding that differs between processes (OpenBLAS
    kernels vary with memory alignment), so the same input and seed gave different clusters in another
    process. Large components are well conditioned and laid out exactly as UMAP does."""
    import scipy.sparse
    from sklearn.metrics import pairwise_distances
    from umap import spectral

    metric_kwds = metric_kwds or {}
    n_comp, comp = scipy.sparse.csgraph.connected_components(graph)
    sizes = np.bincount(comp)
    if n_comp == 1 or sizes.min() >= SMALL_COMPONENT:
        return spectral.spectral_layout(data, graph, dim, random_state, metric=metric, metric_kwds=metric_kwds, **kw)
    if n_comp > 2 * dim:  # as umap.spectral.multi_component_layout
        meta = spectral.component_layout(data, n_comp, comp, dim, random_state, metric=metric, metric_kwds=metric_kwds)
    else:
        k = int(np.ceil(n_comp / 2.0))
        base = np.hstack([np.eye(k), np.zeros((k, dim - k))])
        meta = np.vstack([base, -base])[:n_comp]
    result = np.empty((graph.shape[0], dim), dtype=np.float32)
    csr = graph.tocsr()
    for c in range(n_comp):
        rows = comp == c
        dist = pairwise_distances([meta[c]], meta)
        half = dist[dist > 0.0].min() / 2.0
        if sizes[c] < max(SMALL_COMPONENT, 2 * dim + 2):
            result[rows] = random_state.uniform(low=-half, high=half, size=(int(sizes[c]), dim)) + meta[c]
            continue
        sub = csr[rows][:, rows].tocoo()
        emb = spectral._spectral_layout(None, sub, dim, random_state, metric=metric, metric_kwds=metric_kwds)
        result[rows] = emb * (half / np.max(np.abs(emb))) + meta[c]
    return result
