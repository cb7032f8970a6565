import numpy as np
import pytest

from feedback2journey.embed import Embedder


@pytest.mark.slow
def test_duplicates_are_encoded_once_and_vectors_are_normalised(embedder):
    calls = []
    model = embedder.model
    original = model.encode

    def spy(texts, **kw):
        calls.append(list(texts))
        return original(texts, **kw)

    model.encode = spy
    try:
        vecs = embedder.encode(["parcel late", "refund please", "parcel late"])
    finally:
        model.encode = original
    assert sorted(calls[0]) == ["parcel late", "refund please"]
    assert np.allclose(vecs[0], vecs[2]) and np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
    assert vecs[0] @ vecs[1] < 0.9


@pytest.mark.slow
def test_disk_cache_serves_the_second_run_with_identical_vectors(tmp_path, embedder):
    first = Embedder(cache_dir=tmp_path)
    first._model = embedder.model  # share the loaded model; the cache is what is under test
    texts = ["my parcel never came", "charged twice", "love the lamp"]
    a = first.encode(texts)
    assert first.cache.misses == 3 and first.cache.hits == 0

    second = Embedder(cache_dir=tmp_path)

    class Refuse:
        def encode(self, *a, **k):
            raise AssertionError("cached texts must not be re-encoded")

        def get_embedding_dimension(self):
            return 384

    second._model = Refuse()
    b = second.encode(texts)
    assert np.array_equal(a, b) and second.cache.hits == 3
    # a new text alongside cached ones: only it is encoded
    third = Embedder(cache_dir=tmp_path)
    third._model = embedder.model
    third.encode(texts + ["the courier was rude"])
    assert third.cache.hits == 3 and third.cache.misses == 1
