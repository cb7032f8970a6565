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
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_PKG = Path(__file__).resolve().parent
_REPO = _PKG.parents[1]  # src/feedback2journey -> repo root (editable installs and checkouts)
HEAD_FILE = "head.npz"
CLASSES = ("negative", "neutral", "positive")


def default_head_dir() -> Path:
    """``models/sentiment_head``: inside the wheel (``_bundled/``) or at the repo root in a checkout."""
    for c in (_PKG / "_bundled" / "models" / "sentiment_head", _REPO / "models" / "sentiment_head"):
        if (c / HEAD_FILE).exists():
            return c
    return _REPO / "models" / "sentiment_head"


@dataclass
class SentimentHead:
    W: np.ndarray  # (3, dim + n_aux) float32
    b: np.ndarray  # (3,)
    mean: np.ndarray  # (dim,)
    scale: np.ndarray  # (dim,)
    classes: tuple[str, ...] = CLASSES
    meta: dict = field(default_factory=dict)

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
        np.savez_compressed(path, W=self.W.astype(np.float32), b=self.b.astype(np.float32),
                            mean=self.mean.astype(np.float32), scale=self.scale.astype(np.float32),
                            classes=np.array(self.classes), meta=np.array(json.dumps(self.meta, sort_keys=True)))
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
                       classes=tuple(str(c) for c in z["classes"]), meta=json.loads(str(z["meta"])))
