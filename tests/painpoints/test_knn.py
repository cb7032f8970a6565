"""Exact cosine kNN handed to UMAP instead of pynndescent (cluster_knn)."""
import numpy as np
import pytest

from feedback2journey.painpoints.knn import EXACT_KNN_MAX, _kth_floor, exact_cosine_knn, knn_method


def _brute(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    x = x.astype(np.float64)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    s = x @ x.T
    np.fill_diagonal(s, np.inf)  # itself first
    idx = np.stack([np.lexsort((np.arange(len(x)), -row))[:k] for row in s])
    d = 1 - np.take_along_axis(s, idx, axis=1)
    d[:, 0] = 0
    return idx, d


def _data(n=700, dim=24, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(12, dim))
    x = centres[rng.integers(0, 12, n)] + 0.4 * rng.normal(size=(n, dim))
    x[50:60] = x[5]  # exact duplicates: ties broken by row number
    return x.astype(np.float32)


def test_exact_knn_equals_brute_force_with_self_first_and_ties_by_row():
    x = _data()
    idx, dist = exact_cosine_knn(x, 15)
    want_idx, want_d = _brute(x, 15)
    assert idx.shape == dist.shape == (len(x), 15) and idx.dtype == np.int64 and dist.dtype == np.float32
    assert (idx[:, 0] == np.arange(len(x))).all() and (dist[:, 0] == 0).all()
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_allclose(dist, want_d, atol=1e-6)
    assert (np.diff(dist, axis=1) >= 0).all()
    # row 5's duplicates come right after it, in row order, at distance ~0
    assert idx[5, 1:11].tolist() == list(range(50, 60)) and dist[5, 1:11].max() < 1e-6
    assert idx[55, :11].tolist() == [55, 5] + [j for j in range(50, 60) if j != 55]


def test_result_does_not_depend_on_blocking_or_memory_layout():
    """Float32 BLAS results vary with blocking and alignment; the ranking must not."""
    x = _data(seed=3)
    a = exact_cosine_knn(x, 12, block=1024)
    b = exact_cosine_knn(x, 12, block=37)
    buf = np.empty(x.size + 1, dtype=np.float32)[1:].reshape(x.shape)  # misaligned copy
    buf[:] = x
    c = exact_cosine_knn(buf, 12, block=100)
    for other in (b, c):
        np.testing.assert_array_equal(a[0], other[0])
        np.testing.assert_array_equal(a[1], other[1])


def test_k_larger_than_data_and_tiny_inputs():
    x = _data(n=6)
    idx, dist = exact_cosine_knn(x, 10)
    assert idx.shape == (6, 6) and sorted(idx[2].tolist()) == list(range(6)) and idx[2, 0] == 2
    idx, _ = exact_cosine_knn(x[:1], 3)
    assert idx.tolist() == [[0]]


def test_kth_floor_is_a_lower_bound_close_to_the_true_value():
    rng = np.random.default_rng(1)
    sims = rng.normal(size=(50, 4000)).astype(np.float32)
    sims[:, :300] += 3  # the best columns stored next to each other
    floor = _kth_floor(sims, 20)
    true = np.sort(sims, axis=1)[:, -20]
    assert (floor <= true).all()
    assert ((sims >= floor[:, None]).sum(axis=1) < 200).all()  # few candidates despite the contiguous block


def test_knn_method_switches_at_the_threshold():
    assert knn_method(100) == "exact" and knn_method(EXACT_KNN_MAX) == "exact"
    assert knn_method(EXACT_KNN_MAX + 1) == "nndescent"


@pytest.mark.slow  # UMAP/HDBSCAN fits, the whole pipeline or 10k+ segments
@pytest.mark.parametrize("n", [300, 5000])
def test_umap_takes_the_precomputed_neighbours(n):
    """UMAP fits with them below and above its own 4,096-row exact/approximate switch, and never builds an
    NNDescent index."""
    from feedback2journey.painpoints.cluster import PainPointClusterer

    x = _data(n=n, dim=16, seed=n)
    c = PainPointClusterer(seed=1)
    p = c.params_for(n)
    assert p["knn"] == "exact"
    import pynndescent

    calls = []
    original = pynndescent.NNDescent.__init__

    def spy(self, *a, **kw):
        calls.append(1)
        original(self, *a, **kw)

    pynndescent.NNDescent.__init__ = spy
    try:
        out = c._reduce(x, p)
    finally:
        pynndescent.NNDescent.__init__ = original
    assert out.shape == (n, 5) and np.isfinite(out).all() and not calls
