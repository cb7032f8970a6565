"""A small trained sentiment head over the pipeline's MiniLM sentence embeddings.

The head is a multinomial logistic regression (3 classes: negative, neutral, positive) stored as plain
numpy arrays in ``models/sentiment_head/head.npz`` (no pickle): ``W`` (3 x (dim + n_aux)), ``b`` (3,),
``classes``, ``mean`` and ``scale`` for standardisation, and a few strings of metadata. Since v2 the head is
*stacked*: besides the 384-d MiniLM embedding it reads ``n_aux`` small per-text features (VADER's
compound/pos/neg/neu and the rule flags of ``feel.aux_features``, names in ``meta["aux_features"]``), so it
learns when VADER and the rules are reliable instead of a fixed blend. A head without aux features (v1)
still loads and works. It is trained by ``scripts/train_sentiment.py``; see
``models/sentiment_head/MODEL_CARD.md``.

Scoring is one matrix product, so it adds almost nothing to the cost of the embeddings it reuses.

One head per embedding model: ``meta["embedding_model_id"]`` records the model whose vectors it was trained on
(``Embedder.model_id``), and ``find_head`` picks the bundled head for a model id (``models/sentiment_head`` for
all-MiniLM-L6-v2, ``models/sentiment_head_fast`` for the static "fast" embedder). A head file may also carry
``emotion_centroids`` (prototype emotion vectors in the same embedding space, see ``emotions.py``).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from feedback2journey.resources import models_roots

HEAD_FILE = "head.npz"
CLASSES = ("negative", "neutral", "positive")
MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"
log = logging.getLogger(__name__)


def default_head_dir() -> Path:
    """``models/sentiment_head``: inside the wheel (``_bundled/``) or at the repo root in a checkout."""
    candidates = [root / "sentiment_head" for root in models_roots()]
    for c in candidates:
        if (c / HEAD_FILE).exists():
            return c
    return candidates[-1]


def bundled_head_dirs() -> list[Path]:
    """Every ``models/sentiment_head*`` folder with a head file (wheel first, then the checkout)."""
    seen, out = set(), []
    for root in models_roots():
        for d in sorted(root.glob("sentiment_head*")) if root.is_dir() else []:
            if (d / HEAD_FILE).exists() and d.name not in seen:
                seen.add(d.name)
                out.append(d)
    return out


_FOUND: dict = {}


def find_head(model_id: str | None, dim: int | None) -> tuple["SentimentHead | None", str | None]:
    """The bundled head for embeddings of ``model_id`` (or, if unknown, of dimension ``dim``), and a warning.

    Returns (head, None) on a unique match; (None, why) when no head matches (the caller falls back to rules);
    without a model id and several heads of that dimension, the MiniLM head with a warning.
    """
    key = (model_id, dim)
    if key not in _FOUND:
        heads = []
        for d in bundled_head_dirs():
            try:
                heads.append(SentimentHead.load(d))
            except (OSError, KeyError, ValueError) as exc:  # a broken file must not hide the others
                log.warning("cannot load sentiment head %s: %s", d, exc)
        if model_id:
            # the int8 ONNX export of MiniLM gives the same vectors (mean cosine 0.99): the MiniLM head serves it
            match = [h for h in heads if model_id in (h.embedding_model_id, h.embedding_model_id + "+onnx-int8")]
            why = None if match else (f"no sentiment head trained on {model_id} embeddings (have: "
                                      f"{sorted(h.embedding_model_id for h in heads)}); using lexicon + rules. "
                                      f"Train one: scripts/train_sentiment.py --embedder ...")
        else:
            match = [h for h in heads if dim is None or h.dim == dim]
            why = None if len(match) == 1 else (
                f"no sentiment head for {dim}-d embeddings; using lexicon + rules" if not match else
                f"embedding model unknown and {len(match)} sentiment heads take {dim}-d vectors; assuming "
                f"{MINILM_ID} (pass model_id to SentimentScorer.score)")
            if len(match) > 1:
                match = [h for h in match if h.embedding_model_id == MINILM_ID][:1]
        _FOUND[key] = (match[0] if match else None, why)
    return _FOUND[key]


@dataclass
class SentimentHead:
    W: np.ndarray  # (3, dim + n_aux) float32
    b: np.ndarray  # (3,)
    mean: np.ndarray  # (dim,)
    scale: np.ndarray  # (dim,)
    classes: tuple[str, ...] = CLASSES
    meta: dict = field(default_factory=dict)
    emotion_centroids: np.ndarray | None = None  # (len(meta["emotions"]), dim), see emotions.py

    def __post_init__(self):
        # Fold the standardisation into the weights: (x - m) / s @ W.T + b == x @ (W / s).T + (b - W @ (m / s)).
        W = np.asarray(self.W, dtype=np.float64)
        scale = np.where(np.asarray(self.scale, dtype=np.float64) == 0, 1.0, self.scale)
        self._Wt = (W / scale).T.astype(np.float32)
        self._b = (np.asarray(self.b, dtype=np.float64) - W @ (np.asarray(self.mean, dtype=np.float64) / scale)
                   ).astype(np.float32)
        self._idx = {c: i for i, c in enumerate(self.classes)}

    @property
    def n_aux(self) -> int:
        """Number of per-text auxiliary features after the embedding (0 for an embedding-only head)."""
        return len(self.meta.get("aux_features", ()))

    @property
    def dim(self) -> int:
        """Embedding dimension the head expects."""
        return int(self._Wt.shape[0]) - self.n_aux

    @property
    def neutral_bias(self) -> float:
        """``k`` of ``feel``'s probability-to-score map (neutral when ``max(p_neg, p_pos) < k * p_neutral``)."""
        return float(self.meta.get("neutral_bias", 1.0))

    @property
    def id(self) -> str:
        return str(self.meta.get("id", "minilm-logreg"))

    @property
    def embedding_model_id(self) -> str:
        """``Embedder.model_id`` of the vectors the head was trained on (older heads: MiniLM)."""
        return str(self.meta.get("embedding_model_id") or MINILM_ID)

    @property
    def emotion_prototypes(self):
        if self.emotion_centroids is None or not self.meta.get("emotions"):
            return None
        if not hasattr(self, "_protos"):
            from feedback2journey.feel.emotions import EmotionPrototypes

            self._protos = EmotionPrototypes(tuple(self.meta["emotions"]), self.emotion_centroids)
        return self._protos

    def proba(self, embeddings: np.ndarray, aux: np.ndarray | None = None) -> np.ndarray:
        """Class probabilities (n x 3, columns in ``classes`` order) for L2-normalised MiniLM embeddings.

        ``aux`` (n x ``n_aux``, from ``feel.aux_features``) is required when the head was trained with aux features;
        ``None`` then means "all zero" (no lexicon word, no rule cue), which is only meant for smoke tests.
        """
        x = np.asarray(embeddings, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"sentiment head expects embeddings of shape (n, {self.dim}), got {x.shape}")
        if self.n_aux:
            a = np.zeros((x.shape[0], self.n_aux), np.float32) if aux is None else np.asarray(aux, np.float32)
            if a.shape != (x.shape[0], self.n_aux):
                raise ValueError(f"sentiment head expects aux features of shape ({x.shape[0]}, {self.n_aux}), "
                                 f"got {a.shape}")
            x = np.hstack([x, a])
        z = x @ self._Wt + self._b
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def polarity(self, embeddings: np.ndarray, aux: np.ndarray | None = None) -> np.ndarray:
        """Sentiment in [-1, 1]: P(positive) - P(negative)."""
        p = self.proba(embeddings, aux)
        return p[:, self._idx["positive"]] - p[:, self._idx["negative"]]

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / HEAD_FILE
        extra = {} if self.emotion_centroids is None else {"emotion_centroids": self.emotion_centroids.astype(np.float32)}
        np.savez_compressed(path, W=self.W.astype(np.float32), b=self.b.astype(np.float32),
                            mean=self.mean.astype(np.float32), scale=self.scale.astype(np.float32),
                            classes=np.array(self.classes), meta=np.array(json.dumps(self.meta, sort_keys=True)),
                            **extra)
        return path

    @classmethod
    def load(cls, path: str | Path | None = None) -> "SentimentHead":
        path = Path(path) if path is not None else default_head_dir()
        if path.is_dir():
            path = path / HEAD_FILE
        if not path.exists():
            raise FileNotFoundError(f"sentiment head not found at {path}; rebuild it with "
                                    "`python scripts/train_sentiment.py` (see models/sentiment_head/MODEL_CARD.md).")
        with np.load(path, allow_pickle=False) as z:
            return cls(W=z["W"], b=z["b"], mean=z["mean"], scale=z["scale"],
                       classes=tuple(str(c) for c in z["classes"]), meta=json.loads(str(z["meta"])),
                       emotion_centroids=z["emotion_centroids"] if "emotion_centroids" in z.files else None)
