"""Zero-shot journey classification from the taxonomy alone.

Each label's prototypes are the embeddings of its description and examples. A segment's score for a
label is its best cosine similarity to those prototypes, plus ``keyword_boost`` when one of the label's
keywords occurs in the text; a softmax with ``temperature`` turns scores into a confidence. Below
``min_confidence`` the answer is ``unclassified`` rather than a forced guess. Every prediction carries
its evidence (matched keyword, nearest example) so a researcher can see why.

Channels are mostly metadata: a channel column, when present, decides; otherwise the text's own words
("I called", "live chat") and finally the kind of export (reviews -> app_store, surveys -> survey).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from feedback2journey.config import Label
from feedback2journey.schema import UNCLASSIFIED


def keyword_pattern(keywords: Sequence[str]) -> re.Pattern | None:
    """One regex for a label's keywords: whole words, case-insensitive, plural -s/-es allowed."""
    if not keywords:
        return None
    alts = sorted({re.escape(k).replace(r"\ ", r"\s+") for k in keywords}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(alts) + r")(?:s|es)?(?![\w])", re.I)


class PrototypeClassifier:
    """``fit(embedder)`` embeds the prototypes; ``predict(embeddings, texts)`` labels segments."""

    def __init__(self, labels: Sequence[Label], min_confidence: float = 0.3, keyword_boost: float = 0.08,
                 temperature: float = 0.05):
        self.labels = list(labels)
        self.ids = [lab.id for lab in self.labels]
        self.min_confidence = min_confidence
        self.keyword_boost = keyword_boost
        self.temperature = temperature
        self.patterns = [keyword_pattern(lab.keywords) for lab in self.labels]
        self.prototype_texts: list[str] = []
        self.prototype_owner: np.ndarray = np.zeros(0, dtype=int)
        self.prototypes: np.ndarray | None = None

    def fit(self, embedder) -> PrototypeClassifier:
        texts, owner = [], []
        for i, lab in enumerate(self.labels):
            for t in ([f"{lab.name}: {lab.description}"] if lab.description else []) + list(lab.examples):
                texts.append(t)
                owner.append(i)
            if not lab.description and not lab.examples:  # keywords only: the name still gives a prototype
                texts.append(lab.name)
                owner.append(i)
        self.prototype_texts = texts
        self.prototype_owner = np.asarray(owner)
        self.prototypes = embedder.encode(texts)
        return self

    def similarities(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per label: best cosine over its prototypes, and which prototype it was."""
        if self.prototypes is None:
            raise RuntimeError("call fit(embedder) before predict")
        sims = embeddings @ self.prototypes.T  # both L2-normalised
        n, k = len(embeddings), len(self.labels)
        best = np.full((n, k), -1.0, dtype=np.float32)
        arg = np.zeros((n, k), dtype=int)
        for j in range(k):
            cols = np.flatnonzero(self.prototype_owner == j)
            block = sims[:, cols]
            pos = block.argmax(axis=1)
            best[:, j] = block[np.arange(n), pos]
            arg[:, j] = cols[pos]
        return best, arg

    def keyword_hits(self, texts: Sequence[str]) -> list[list[str | None]]:
        hits = []
        for text in texts:
            row = []
            for pat in self.patterns:
                m = pat.search(text) if pat is not None else None
                row.append(m.group(0).lower() if m else None)
            hits.append(row)
        return hits

    def scores(self, embeddings: np.ndarray, texts: Sequence[str]):
        best, arg = self.similarities(embeddings)
        hits = self.keyword_hits(texts)
        boost = np.array([[h is not None for h in row] for row in hits], dtype=np.float32) * self.keyword_boost
        return best + boost, best, arg, hits

    def predict(self, embeddings: np.ndarray, texts: Sequence[str]) -> pd.DataFrame:
        """Columns: label, confidence (softmax probability of the winner), evidence."""
        if len(texts) == 0:
            return pd.DataFrame({"label": [], "confidence": [], "evidence": []})
        total, best, arg, hits = self.scores(embeddings, texts)
        z = (total - total.max(axis=1, keepdims=True)) / self.temperature
        prob = np.exp(z)
        prob /= prob.sum(axis=1, keepdims=True)
        win = prob.argmax(axis=1)
        conf = prob[np.arange(len(win)), win]
        labels, evidence = [], []
        for i, j in enumerate(win):
            labels.append(self.ids[j] if conf[i] >= self.min_confidence else UNCLASSIFIED)
            parts = []
            if hits[i][j]:
                parts.append(f"keyword '{hits[i][j]}'")
            parts.append(f"nearest '{self.prototype_texts[arg[i, j]]}' ({best[i, j]:.2f})")
            evidence.append(f"{self.ids[j]}: " + "; ".join(parts))
        return pd.DataFrame({"label": labels, "confidence": conf.astype(np.float32), "evidence": evidence})


_DEFAULT_CHANNEL_BY_KIND = {"reviews": "app_store", "survey": "survey"}


def _norm_value(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(value).lower()).strip()


class ChannelResolver:
    """Item channel: metadata column value, else words in the text, else the export's kind, else 'unknown'."""

    def __init__(self, channels: Sequence[Label]):
        self.ids = [c.id for c in channels]
        self.lookup: dict[str, str] = {}
        for c in channels:
            for key in (c.id, c.name, *c.keywords):
                self.lookup.setdefault(_norm_value(key), c.id)
        self.patterns = [(c.id, keyword_pattern(c.keywords)) for c in channels if c.keywords]
        self.fallback = "other" if "other" in self.ids else UNCLASSIFIED

    def from_value(self, value) -> str | None:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        norm = _norm_value(value)
        if not norm or norm in {"nan", "none", "null", "n a"}:
            return None
        if norm in self.lookup:
            return self.lookup[norm]
        for word in norm.split():  # "Live Chat widget" -> chat
            if word in self.lookup:
                return self.lookup[word]
        return self.fallback

    def from_text(self, text: str) -> str | None:
        for cid, pat in self.patterns:
            if pat.search(text):
                return cid
        return None

    def resolve(self, items: pd.DataFrame) -> pd.Series:
        out = []
        for raw, text, kind in zip(items["channel_raw"], items["text"], items["input_kind"]):
            channel = self.from_value(raw)
            if channel is None and _DEFAULT_CHANNEL_BY_KIND.get(kind) in self.ids:
                channel = _DEFAULT_CHANNEL_BY_KIND[kind]
            out.append(channel or self.from_text(text) or "unknown")
        return pd.Series(out, index=items.index, dtype=object)
