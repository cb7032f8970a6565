"""Journey classification: zero-shot from the taxonomy alone, or a trained head (``train.py``).

Zero-shot. Each label's prototypes are the embeddings of its description and its examples. A segment's
score for a label is the mean of its ``top_k`` (3) highest cosine similarities to those prototypes (more robust
than the single best one: +0.04 macro-F1 on the Bitext dev split), plus ``keyword_boost`` when one of the
label's keywords occurs in the text. Keywords are matched with a spaCy ``PhraseMatcher`` on a normal form of
each token (lowercase, inflection removed: "refunds", "refunded", "refunding" -> "refund"; "paid" -> "pay"),
computed by :func:`normalise_word` for the keyword and the text alike. A softmax turns scores into
probabilities; its temperature is *calibrated*: fitted by leave-one-out over the taxonomy's own examples
(each example is classified against all other prototypes, and the temperature that minimises the negative
log-likelihood of the true labels is kept). Below ``min_confidence`` the answer is ``unclassified``.

Stage and touchpoint are chosen jointly (:func:`joint_predict`): a touchpoint may list the stages it belongs
to; the pair maximising P(stage) x P(touchpoint) among compatible pairs wins, and each confidence is the
marginal probability of the chosen label under that constrained joint distribution.

Every prediction carries its evidence (matched keyword, nearest taxonomy example) so a researcher can see why.

Channels are mostly metadata: a channel column, when present, decides; otherwise the kind of export
(reviews -> app_store, surveys -> survey) and finally the text's own words ("I called", "live chat").
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from feedback2journey.config import Label, Taxonomy
from feedback2journey.text.phrases import PhraseEvidence, keyword_pattern, normalise_word  # noqa: F401 (API)
from feedback2journey.schema import UNCLASSIFIED

# ---------------------------------------------------------------------------------------------------------
# Calibration

def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = (scores - scores.max(axis=1, keepdims=True)) / temperature
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, truth: np.ndarray, grid: np.ndarray | None = None) -> float:
    """Temperature minimising the negative log-likelihood of ``truth`` (column indices) under softmax(scores/T)."""
    grid = np.geomspace(0.005, 1.0, 80) if grid is None else grid
    best_t, best_nll = float(grid[0]), np.inf
    rows = np.arange(len(truth))
    for t in grid:
        p = softmax(scores, float(t))
        nll = -np.log(np.clip(p[rows, truth], 1e-12, None)).mean()
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


# ---------------------------------------------------------------------------------------------------------
# Zero-shot prototype classifier

class Evidence(NamedTuple):
    """What one ``proba`` call rests on, per row and label: the best prototype similarity, which prototype it
    was, and the keyword that hit (or None). Returned with the probabilities, never kept on the classifier."""

    best: np.ndarray
    arg: np.ndarray
    hits: list


class PrototypeClassifier:
    """``fit(embedder)`` embeds the prototypes (and calibrates); ``predict(embeddings, texts)`` labels segments."""

    def __init__(self, labels: Sequence[Label], min_confidence: float = 0.3, keyword_boost: float = 0.08,
                 temperature: float = 0.05, calibrate: bool = True, top_k: int = 3):
        self.labels = list(labels)
        self.top_k = top_k
        self.ids = [lab.id for lab in self.labels]
        self.min_confidence = min_confidence
        self.keyword_boost = keyword_boost
        self.temperature = temperature
        self.calibrate = calibrate
        self.calibration: dict = {"method": "fixed", "temperature": temperature}
        self.phrases = PhraseEvidence(self.labels)
        self.prototype_texts: list[str] = []
        self.prototype_owner: np.ndarray = np.zeros(0, dtype=int)
        self.prototype_is_example: np.ndarray = np.zeros(0, dtype=bool)
        self.prototypes: np.ndarray | None = None

    def fit(self, embedder) -> PrototypeClassifier:
        texts, owner, is_example = [], [], []
        for i, lab in enumerate(self.labels):
            if lab.description:
                texts.append(f"{lab.name}: {lab.description}")
                owner.append(i)
                is_example.append(False)
            for ex in lab.examples:
                texts.append(ex)
                owner.append(i)
                is_example.append(True)
            if not lab.description and not lab.examples:  # keywords only: the name still gives a prototype
                texts.append(lab.name)
                owner.append(i)
                is_example.append(False)
        self.prototype_texts = texts
        self.prototype_owner = np.asarray(owner)
        self.prototype_is_example = np.asarray(is_example)
        self.prototypes = embedder.encode(texts)
        if self.calibrate:
            self.calibrate_leave_one_out()
        return self

    def calibrate_leave_one_out(self) -> dict:
        """Fit the softmax temperature on the taxonomy's own examples, each scored without itself."""
        idx = np.flatnonzero(self.prototype_is_example)
        owners = self.prototype_owner[idx]
        # a label needs another prototype besides the held-out example to be a fair competitor
        counts = np.bincount(self.prototype_owner, minlength=len(self.labels))
        idx = idx[counts[owners] >= 2]
        if len(idx) < 2 * 2 or len(set(self.prototype_owner[idx])) < 2:
            self.calibration = {"method": "fixed (too few examples to calibrate)", "temperature": self.temperature}
            return self.calibration
        texts = [self.prototype_texts[i] for i in idx]
        total, _, _, _ = self.scores(self.prototypes[idx], texts, exclude=idx)
        truth = self.prototype_owner[idx]
        t = fit_temperature(total, truth)
        self.temperature = t
        acc = float((total.argmax(axis=1) == truth).mean())
        self.calibration = {"method": "leave-one-out over taxonomy examples", "temperature": round(t, 4),
                            "examples": int(len(idx)), "loo_accuracy": round(acc, 3)}
        return self.calibration

    def similarities(self, embeddings: np.ndarray, exclude: np.ndarray | None = None,
                     rows: np.ndarray | None = None):
        """Per label: mean of the top-k cosines over its prototypes, and which prototype was nearest.

        ``exclude[i]`` (optional) is a prototype index that row i may not use (leave-one-out). ``rows``
        (optional): only these rows are scored (the product is still taken over all rows, as without)."""
        if self.prototypes is None:
            raise RuntimeError("call fit(embedder) before predict")
        sims = embeddings @ self.prototypes.T  # both L2-normalised
        if rows is not None:
            sims = sims[rows]
        if exclude is not None:
            sims = sims.copy()
            sims[np.arange(len(sims)), exclude] = -np.inf
        n, k = len(sims), len(self.labels)
        best = np.full((n, k), -1.0, dtype=np.float32)
        arg = np.zeros((n, k), dtype=int)
        for j in range(k):
            cols = np.flatnonzero(self.prototype_owner == j)
            if len(cols) == 0:
                continue
            block = sims[:, cols]
            pos = block.argmax(axis=1)
            arg[:, j] = cols[pos]
            if self.top_k <= 1 or len(cols) == 1:
                best[:, j] = np.maximum(block[np.arange(n), pos], -1.0)
            else:  # mean of the top-k similarities (an excluded prototype does not count)
                top = -np.sort(-np.where(np.isinf(block), np.nan, block), axis=1)[:, : self.top_k]
                with np.errstate(invalid="ignore"):
                    best[:, j] = np.nan_to_num(np.nanmean(top, axis=1), nan=-1.0)
        return best, arg

    def keyword_hits(self, texts: Sequence[str]) -> list[list[str | None]]:
        return self.phrases.hits(texts)

    def scores(self, embeddings: np.ndarray, texts: Sequence[str], exclude: np.ndarray | None = None,
               rows: np.ndarray | None = None):
        """``rows``: score only these rows of ``embeddings``; ``texts`` are then those rows' texts."""
        best, arg = self.similarities(embeddings, exclude, rows)
        hits = self.keyword_hits(texts)
        boost = np.array([[h is not None for h in row] for row in hits], dtype=np.float32).reshape(best.shape)
        return best + boost * self.keyword_boost, best, arg, hits

    def proba(self, embeddings: np.ndarray, texts: Sequence[str],
              rows: np.ndarray | None = None) -> tuple[np.ndarray, Evidence]:
        """Probabilities (n x labels) and what they rest on (``Evidence``, read by ``evidence``).
        ``rows``: as in ``scores``."""
        total, best, arg, hits = self.scores(embeddings, texts, rows=rows)
        return softmax(total, self.temperature), Evidence(best, arg, hits)

    def evidence(self, ev: Evidence, i: int, j: int) -> str:
        """Why row ``i`` could be label ``j``: its keyword hit and its nearest example, from ``proba``'s ``ev``."""
        best, arg, hits = ev
        parts = []
        if hits[i][j]:
            parts.append(f"keyword{'s' if chr(39) + ', ' in hits[i][j] else ''} '{hits[i][j]}'")
        parts.append(f"nearest '{self.prototype_texts[arg[i, j]]}' ({best[i, j]:.2f})")
        return f"{self.ids[j]}: " + "; ".join(parts)

    def predict(self, embeddings: np.ndarray, texts: Sequence[str]) -> pd.DataFrame:
        """Columns: label, confidence (calibrated probability of the winner), evidence, candidate (the winner
        before the threshold)."""
        if len(texts) == 0:
            return pd.DataFrame({"label": [], "confidence": [], "evidence": [], "candidate": []})
        prob, ev = self.proba(embeddings, texts)
        win = prob.argmax(axis=1)
        conf = prob[np.arange(len(win)), win]
        return label_frame(self, ev, win, conf, self.min_confidence)


def label_frame(clf, ev: Evidence, win: np.ndarray, conf: np.ndarray, min_confidence: float,
                prefix: Sequence[str] | None = None) -> pd.DataFrame:
    """The predicted labels of ``clf`` as a frame: label (or unclassified below ``min_confidence``), confidence,
    evidence and the candidate before the threshold."""
    labels = [clf.ids[j] if conf[i] >= min_confidence else UNCLASSIFIED for i, j in enumerate(win)]
    evidence = [clf.evidence(ev, i, j) for i, j in enumerate(win)]
    if prefix is not None:
        evidence = [f"{p}{e}" for p, e in zip(prefix, evidence)]
    return pd.DataFrame({"label": labels, "confidence": conf.astype(np.float32), "evidence": evidence,
                         "candidate": [clf.ids[j] for j in win]})


# ---------------------------------------------------------------------------------------------------------
# Joint stage x touchpoint

def compatibility(taxonomy: Taxonomy, stage_ids: Sequence[str], touchpoint_ids: Sequence[str]) -> np.ndarray:
    """(stages x touchpoints) 0/1 matrix. A touchpoint without ``stages`` fits every stage; listing a stage
    includes its sub-stages."""
    tps = {t.id: t for t in taxonomy.touchpoints}
    c = np.ones((len(stage_ids), len(touchpoint_ids)), dtype=np.float32)
    for k, tid in enumerate(touchpoint_ids):
        allowed = set(tps[tid].stages) if tid in tps else set()
        if not allowed:
            continue
        for s, sid in enumerate(stage_ids):
            chain, cur, seen = {sid}, sid, set()
            while cur not in seen:
                seen.add(cur)
                parent = next((x.parent for x in taxonomy.stages if x.id == cur), None)
                if parent is None:
                    break
                chain.add(parent)
                cur = parent
            c[s, k] = 1.0 if chain & allowed else 0.0
    return c


def joint_predict(p_stage: np.ndarray, p_touch: np.ndarray, compat: np.ndarray):
    """Choose (stage, touchpoint) maximising P(s)P(t) over compatible pairs.

    Returns stage index, touchpoint index, and their marginal probabilities under the joint distribution
    restricted to compatible pairs (renormalised)."""
    joint = p_stage[:, :, None] * p_touch[:, None, :] * compat[None, :, :]
    z = joint.sum(axis=(1, 2), keepdims=True)
    joint = joint / np.where(z > 0, z, 1.0)
    n, s, t = joint.shape
    flat = joint.reshape(n, -1).argmax(axis=1)
    si, ti = np.unravel_index(flat, (s, t))
    rows = np.arange(n)
    conf_s = joint.sum(axis=2)[rows, si]
    conf_t = joint.sum(axis=1)[rows, ti]
    return si, ti, conf_s, conf_t


class JourneyClassifier:
    """Stage + touchpoint together: zero-shot prototypes, optionally replaced per task by a trained head."""

    def __init__(self, taxonomy: Taxonomy, stage, touchpoint, joint: bool = True):
        self.stage = stage
        self.touchpoint = touchpoint
        self.joint = joint
        self.compat = compatibility(taxonomy, stage.ids, touchpoint.ids)

    def predict(self, embeddings: np.ndarray, texts: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        if len(texts) == 0:
            empty = pd.DataFrame({"label": [], "confidence": [], "evidence": [], "candidate": []})
            return empty, empty.copy()
        shared = None
        if isinstance(self.stage, PrototypeClassifier) and isinstance(self.touchpoint, PrototypeClassifier):
            shared = distinct_rows(embeddings, texts)
        if shared is None:
            ps, ev_s = self.stage.proba(embeddings, texts)
            pt, ev_t = self.touchpoint.proba(embeddings, texts)
        else:  # each distinct (text, vector) is scored once; every step after the product is per row
            rows, inverse = shared
            texts = [texts[i] for i in rows]
            ps, ev_s = self.stage.proba(embeddings, texts, rows=rows)
            pt, ev_t = self.touchpoint.proba(embeddings, texts, rows=rows)
        if self.joint and (self.compat < 1).any():
            si, ti, cs, ct = joint_predict(ps, pt, self.compat)
        else:
            si, ti = ps.argmax(axis=1), pt.argmax(axis=1)
            rows = np.arange(len(si))
            cs, ct = ps[rows, si], pt[rows, ti]
        frames = (label_frame(self.stage, ev_s, si, cs, self.stage.min_confidence),
                  label_frame(self.touchpoint, ev_t, ti, ct, self.touchpoint.min_confidence))
        if shared is not None:
            frames = tuple(f.iloc[shared[1]].reset_index(drop=True) for f in frames)
        return frames


def distinct_rows(embeddings: np.ndarray, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """(first row of each distinct text, each row's distinct index), or None when there is little to share
    (sharing has its own cost) or equal texts don't have equal vectors (the pipeline's do: the embedder encodes
    each distinct text once)."""
    index: dict[str, int] = {}
    inverse = np.fromiter((index.setdefault(t, len(index)) for t in texts), dtype=np.intp, count=len(texts))
    if len(index) > 0.8 * len(texts):
        return None
    rows = np.unique(inverse, return_index=True)[1]
    if not np.array_equal(embeddings[rows][inverse], embeddings):
        return None
    return rows, inverse


# ---------------------------------------------------------------------------------------------------------
# Channels

_DEFAULT_CHANNEL_BY_KIND = {"reviews": "app_store", "survey": "survey"}


def _norm_value(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(value).lower()).strip()


class ChannelResolver:
    """Item channel: metadata column value, else the export's kind, else words in the text, else 'unknown'."""

    def __init__(self, channels: Sequence[Label]):
        self.ids = [c.id for c in channels]
        self.lookup: dict[str, str] = {}
        for c in channels:
            for key in (c.id, c.name, *c.keywords):
                self.lookup.setdefault(_norm_value(key), c.id)
        self.channels = list(channels)
        self.phrases = PhraseEvidence(self.channels)
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

    def resolve(self, items: pd.DataFrame) -> pd.Series:
        out, texts = [], items["text"].tolist()
        for raw, kind in zip(items["channel_raw"], items["input_kind"]):
            channel = self.from_value(raw)
            if channel is None and _DEFAULT_CHANNEL_BY_KIND.get(kind) in self.ids:
                channel = _DEFAULT_CHANNEL_BY_KIND[kind]
            out.append(channel)
        need = [i for i, channel in enumerate(out) if not channel]
        # the texts' words in one call: each distinct text is tokenised once (see phrases._norm_docs)
        for i, row in zip(need, self.phrases.hits([texts[i] for i in need])):
            out[i] = next((cid for cid, hit in zip(self.ids, row) if hit is not None), None) or "unknown"
        return pd.Series(out, index=items.index, dtype=object)
