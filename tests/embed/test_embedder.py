import numpy as np
import pytest

from feedback2journey.embed.embedder import Embedder


@pytest.mark.slow
def test_duplicates_are_encoded_once_and_vectors_are_normalised(embedder):
    calls = []
    model = embedder.model
    original = model.iter_encode

    def spy(texts, **kw):
        calls.append(list(texts))
        return original(texts, **kw)

    model.iter_encode = spy
    try:
        vecs = embedder.encode(["parcel late", "refund please", "parcel late"])
    finally:
        model.iter_encode = original
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


# Texts of one token length share fixed-shape batches: enough of them to fill several, plus a short last one.
SAME_LENGTH = [f"my order number {n} arrived late" for n in range(100, 171)]


def _batchings(embedder, texts):
    together = embedder.encode(texts)
    alone = np.vstack([embedder.encode([t]) for t in texts[:5]])
    shuffled = embedder.encode(texts[::-1])[::-1]
    subset = embedder.encode(texts[1::3])
    return together, alone, shuffled, subset


@pytest.mark.slow
def test_a_vector_does_not_depend_on_its_batch_mates(embedder):
    """fixed_batches: the same bits alone, in a full batch, in another order or among other texts, so any
    chunk or run may reuse a vector another one computed (before: 10-27% of vectors differed in last bits)."""
    texts = SAME_LENGTH + ["refund please", "the app crashes every time I open the basket on my phone"]
    together, alone, shuffled, subset = _batchings(embedder, texts)
    assert np.array_equal(together[:5], alone)
    assert np.array_equal(together, shuffled)
    assert np.array_equal(together[1::3], subset)
    # the same model as sentence-transformers' own encode, within float noise
    reference = embedder.model.st.encode(texts, normalize_embeddings=True)
    assert (reference * together).sum(1).min() > 0.99999


def test_fixed_batches_group_texts_of_one_length_into_batches_of_a_size_set_by_that_length():
    from feedback2journey.embed import fixed_batches

    lengths = [5] * 250 + [100] * 7 + [3, 5]
    batches = list(fixed_batches.plan(lengths))
    seen = np.concatenate([pos for pos, _ in batches])
    assert sorted(seen.tolist()) == list(range(len(lengths)))  # every text once
    for pos, rows in batches:
        assert len({lengths[i] for i in pos}) == 1 and len(pos) <= rows
        assert rows == fixed_batches.batch_size(lengths[pos[0]])
    assert fixed_batches.batch_size(5) == 64 and fixed_batches.batch_size(100) == 5
    assert fixed_batches.fill([[1, 2]], 3) == [[1, 2]] * 3


@pytest.mark.slow
def test_a_chunk_reuses_vectors_its_own_run_stored_only_with_a_canonical_encoder(tmp_path, embedder):
    first = Embedder(cache_dir=tmp_path)
    first._model = embedder.model
    first.cache.scope("run-a", 0)
    first.encode(["parcel late", "refund please"])
    first.cache.scope("run-a", 1)  # the next chunk of the same run
    first.encode(["parcel late", "charged twice"])
    assert first.cache.hits == 1 and first.cache.misses == 3
    class NotCanonical:  # as the int8 ONNX encoder: vectors depend on batch-mates
        canonical = False
        iter_encode, get_embedding_dimension = embedder.model.iter_encode, embedder.model.get_embedding_dimension

    onnx_like = Embedder(cache_dir=tmp_path / "onnx")
    onnx_like._model = NotCanonical()
    assert embedder.canonical and not onnx_like.canonical
    onnx_like.cache.scope("run-a", 0)
    onnx_like.encode(["parcel late"])
    onnx_like.cache.scope("run-a", 1)
    onnx_like.encode(["parcel late"])  # not canonical: its own run's vector is hidden, encoded again
    assert onnx_like.cache.hits == 0 and onnx_like.cache.misses == 2
    onnx_like.cache.scope("run-b", 0)
    onnx_like.encode(["parcel late"])  # another run's vector is fine
    assert onnx_like.cache.hits == 1
