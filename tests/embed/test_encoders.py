"""The speed modes: static (fast) and int8 ONNX encoders built offline from the packaged MiniLM.

Both are built once per session into the throwaway F2J_CACHE_DIR that conftest.py sets up (the fast model
takes ~1-4 min on 2 shared cores, the ONNX one under a minute).
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from feedback2journey.config import ConfigError

from feedback2journey.embed import encoders
from feedback2journey.embed.embedder import Embedder

# written for these tests, not taken from any data set
SIMILAR = [("my parcel never arrived", "the package was not delivered"),
           ("I was charged twice for one order", "there is a double payment on my card"),
           ("the support agent was very rude", "customer service treated me badly")]
UNRELATED = "the lamp looks lovely in my living room"
MIXED = ["where is my refund", "courier left the box in the rain", "app crashes when I log in",
         "great price, fast shipping", "can I change the delivery address?", "cancel my subscription please",
         "I waited forty minutes on the phone and nobody answered", "ok"]


@pytest.fixture(scope="session")
def fast_embedder():
    return Embedder(speed="fast")  # builds into F2J_CACHE_DIR on first encode


@pytest.fixture(scope="session")
def onnx_embedder():
    return Embedder(backend="onnx")


@pytest.fixture(scope="session")
def torch_embedder(models):
    return models.embedder


def _closer(emb: Embedder) -> None:
    for a, b in SIMILAR:
        va, vb, vu = emb.encode([a, b, UNRELATED])
        assert va @ vb > va @ vu + 0.1 and va @ vb > vb @ vu + 0.1, (emb.model_id, a, b)


@pytest.mark.slow
def test_fast_model_builds_offline_encodes_normalised_and_matches_the_reference_build(fast_embedder):
    v = fast_embedder.encode(MIXED + MIXED[:2])
    assert v.dtype == np.float32 and v.shape == (len(MIXED) + 2, 256)
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert np.array_equal(v[0], v[-2])
    folder = encoders.models_dir() / encoders.STATIC_FOLDER
    assert str(folder).startswith(os.environ["F2J_CACHE_DIR"])  # built in the test cache, not the user's
    meta = json.loads((folder / "build.json").read_text())
    # determinism: this fresh build is bit-identical to the reference build recorded in the model card
    assert encoders.static_vectors_sha256(folder) == meta["vectors_sha256"] == encoders.STATIC_REFERENCE_SHA256
    assert not list(folder.parent.glob(".*.tmp-*"))  # no half-built folder left behind


@pytest.mark.slow
def test_fast_mode_uses_the_disk_cache_in_its_own_namespace(tmp_path, fast_embedder, torch_embedder):
    texts = ["my parcel never came", "charged twice"]
    fast = Embedder(speed="fast", cache_dir=tmp_path)
    fast._model = fast_embedder.model
    a = fast.encode(texts)
    accurate = Embedder(cache_dir=tmp_path)
    accurate._model = torch_embedder.model
    b = accurate.encode(texts)  # same texts, same cache file: must miss, not get the fast vectors
    assert accurate.cache.misses == 2 and b.shape == (2, 384)
    again = Embedder(speed="fast", cache_dir=tmp_path)
    again._model = fast_embedder.model
    assert np.array_equal(again.encode(texts), a) and again.cache.hits == 2


@pytest.mark.slow
def test_a_second_build_call_reuses_the_finished_model(fast_embedder):
    fast_embedder.encode(["warm"])
    folder = encoders.models_dir() / encoders.STATIC_FOLDER
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert encoders.build_fast_model() == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_similar_sentences_are_closer_than_unrelated_ones_in_fast_and_onnx_modes(fast_embedder, onnx_embedder):
    _closer(fast_embedder)
    _closer(onnx_embedder)


@pytest.mark.slow
def test_onnx_int8_agrees_with_torch(onnx_embedder, torch_embedder):
    texts = MIXED + [a for pair in SIMILAR for a in pair] + [UNRELATED]
    a, b = onnx_embedder.encode(texts), torch_embedder.encode(texts)
    assert a.shape == b.shape and np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    cos = (a * b).sum(1)
    # measured on 5,000 Banking77 queries: mean 0.993; one-word texts ("ok") are the worst, ~0.95
    assert cos.mean() > 0.98 and cos.min() > 0.93, cos
    # dynamic int8 scales activations per batch, so batch-mates move a vector a little; measured: a text
    # alone vs in a batch agree about as well as onnx and torch do
    alone = np.vstack([onnx_embedder.model.encode([t]) for t in texts])
    assert ((alone * a).sum(1)).mean() > 0.98
    assert np.array_equal(onnx_embedder.encode(texts), a)  # same input, same batches: identical vectors
    assert not onnx_embedder.canonical  # so a run hides its own vectors from its later chunks


@pytest.mark.slow
def test_fast_mode_vectors_do_not_depend_on_their_batch_mates(fast_embedder):
    texts = [f"my order number {n} arrived late" for n in range(100, 171)] + MIXED
    together = fast_embedder.encode(texts)
    assert np.array_equal(together[::-1], fast_embedder.encode(texts[::-1]))
    assert np.array_equal(together[:4], np.vstack([fast_embedder.encode([t]) for t in texts[:4]]))
    assert fast_embedder.canonical


def test_model_ids_differ_per_mode_so_cache_entries_never_mix(tmp_path):
    ids = {Embedder().model_id, Embedder(backend="onnx").model_id, Embedder(speed="fast").model_id}
    assert len(ids) == 3
    from feedback2journey.embed.embedder import EmbeddingCache

    keys = {EmbeddingCache(tmp_path, i, 4).key("same text") for i in ids}
    assert len(keys) == 3


def test_bad_combinations_are_refused():
    with pytest.raises(ValueError, match="static"):
        Embedder(speed="fast", backend="onnx")
    with pytest.raises(ValueError, match="torch or onnx"):
        Embedder(backend="static")
    with pytest.raises(ValueError, match="speed"):
        Embedder(speed="turbo")


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_names_the_fix():
    for kw in ({}, {"backend": "onnx"}, {"speed": "fast"}):
        with pytest.raises(ConfigError, match=r"Embedder\(device='cpu'\)") as e:
            Embedder(device="cuda", **kw)
        assert "--device cpu" in e.value.for_cli()


@pytest.mark.slow
def test_build_command_reuses_the_cached_model_and_prints_its_checksum(fast_embedder):
    fast_embedder.encode(["warm"])  # built already: the command must find it, not rebuild
    out = subprocess.run([sys.executable, "-m", "feedback2journey.embed.encoders", "build", "fast", "--strict"],
                         capture_output=True, text=True, check=True, timeout=120)
    assert encoders.STATIC_REFERENCE_SHA256 in out.stdout and "building" not in out.stderr
