"""Accurate mode's sentiment: the fine-tuned encoder's calibrated probabilities (``feel.encoder``), few rules.

Per segment: ``sentiment = p_pos - p_neg`` in [-1, 1] and ``sentiment_label`` = the argmax of the three
temperature-scaled probabilities (no thresholds: the band of fast mode's head is not needed, the encoder has a
real neutral class). ``mixed``: both polarities keep real mass (``min(p_neg, p_pos) >= 0.2``) and the positive
side is not just a polite closer ("Thanks for your help, but ..."). A mixed segment is never neutral and never
praise by default: it is negative, unless a contrast tail ("..., but the sofa is gorgeous") says positive.

The rules kept (the encoder's probes in docs/sentiment.md show where it fails without them):
* closers and greetings ("Thanks in advance!", "Kind regards, Tom") carry no sentiment (the encoder gives
  "Kind regards, Tom" +0.30); they also stay out of the item roll-up;
* sarcasm ("Great, another week without my order.") is negative: the encoder reads the opener as praise;
* negated praise ("not helpful at all", "I wouldn't say it was great") is at most -0.4: the encoder leans
  positive on it;
* denied problems ("Works fine, no complaints.") are positive: the encoder reads them as mixed (-0.15); so is a
  torn segment that only reports a good outcome ("The parcel arrived on time and everything works fine.");
* effort complaints ("I was on hold for 45 minutes.", "I've called three times and got passed between
  departments.") are negative: the encoder calls them neutral (+0.01, +0.07).
Each was kept because a hard case in tests/feel/test_accurate.py fails without it. Everything else (waiting,
failures, contrast) is the encoder's call: those hard cases pass on the encoder alone.

Emotions: the 28 GoEmotions probabilities mapped onto the configured set (``feel.emotion_sets``: customer,
ekman or goemotions; intensity = the highest member label's probability), restricted to the segment's polarity;
an emotion is present when a member label passes its threshold (chosen on GoEmotions dev).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from feedback2journey.feel import emotion_sets
from feedback2journey.feel import encoder as se
from feedback2journey.feel.rules import (
    CLOSER, CONTRAST_WORD, EFFORT, R_DENIED, R_EFFORT_COMPLAINT, R_FAILURE, R_GOOD, R_NEGATED, R_SARCASM, R_WAITING,
    rule_flags,
)

# A sign-off with a name ("Kind regards, Tom", "Thanks, Anna"): a closer, which CLOSER (no names) leaves out.
SIGNOFF = re.compile(r"^(?i:(?:(?:kind|best|warm|warmest|many)\s+)?(?:regards|thanks|wishes|cheers|sincerely))"
                     r"[\s,!.-]+[A-Z][a-z'-]*(?:\s+[A-Z][a-z'-]*)?[.!]?$")
SECONDARY_MIN = 0.35  # a further emotion is listed next to the primary one from this intensity


def _emotion_hits(enc, emotions: np.ndarray, set_name: str) -> dict[str, np.ndarray]:
    """{emotion of the set: (n,) intensity, 0 where no member label passes its threshold}, and under ``"_raw"``
    the intensities whatever the thresholds."""
    over = emotions >= enc.emotion_thresholds[None, :]
    out, raw = {}, {}
    for name, members in emotion_sets.SETS[set_name].items():
        cols = [se.EMOTIONS.index(m) for m in members]
        raw[name] = emotions[:, cols].max(axis=1)
        out[name] = np.where(over[:, cols].any(axis=1), raw[name], 0.0)
    out["_raw"] = raw
    return out


def _pick(hits: dict, row: int, polarity: str, set_name: str, configured: tuple[str, ...], sarcasm: bool,
          intensity_floor: float) -> tuple[str, float, str]:
    allowed = emotion_sets.allowed(set_name, polarity, configured)
    found = {e: float(hits[e][row]) for e in allowed if e in hits and hits[e][row] > 0}
    angry = emotion_sets.SARCASM[set_name]
    if sarcasm and angry in allowed:
        found[angry] = max(found.get(angry, 0.0), 0.5)
    if not found and polarity != "neutral":
        # a polar segment always shows an emotion of its side: the likeliest one, at the model's own intensity
        found = {e: float(hits["_raw"][e][row]) for e in allowed if e in hits["_raw"]}
        found = dict([max(found.items(), key=lambda kv: kv[1])]) if found else {}
        found = {e: max(v, intensity_floor) for e, v in found.items()}
    if not found:
        return "neutral", 0.0, ""
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], allowed.index(kv[0])))
    keep = [ranked[0]] + [(e, v) for e, v in ranked[1:] if v >= SECONDARY_MIN]
    return ranked[0][0], round(ranked[0][1], 3), ";".join(f"{e}:{v:.2f}" for e, v in keep)


def tail_sign(vader, text: str, low: str) -> int:
    """The sign the clause after the last contrast word gives ("..., but the sofa is gorgeous" -> +1), by the
    rules, then VADER on it; 0 without a tail of at least three words or without a clear signal."""
    cuts = [m.end() for m in CONTRAST_WORD.finditer(low) if m.start() > 0]
    tail = low[cuts[-1]:] if cuts else ""
    if len(tail.split()) < 3:
        return 0
    f = rule_flags(tail)
    if f[R_NEGATED] or f[R_EFFORT_COMPLAINT] or f[R_WAITING] or f[R_FAILURE] or f[R_SARCASM]:
        return -1
    if f[R_DENIED] or f[R_GOOD]:
        return 1
    v = vader.polarity_scores(text[cuts[-1]:] if len(text) == len(low) else tail)["compound"]
    return 0 if abs(v) < 0.3 else (1 if v > 0 else -1)


def good_outcome_only(flags, low: str) -> bool:
    """A torn segment that reports a good service outcome ("arrived on time", "works fine") with no contrast word
    and no failure, waiting or effort: the encoder's doubt is not a complaint (v2 gives "The parcel arrived on time
    and everything works fine." p_neg 0.27, p_pos 0.64)."""
    return bool(flags[R_GOOD]) and not (flags[R_FAILURE] or flags[R_WAITING] or flags[R_EFFORT_COMPLAINT]
                                       or flags[R_NEGATED]) and not CONTRAST_WORD.search(low)


def closer_only_praise(low: str) -> bool:
    """Whether the positive part of a contrast is only a closer ("Thanks for your help, but I'm still ...")."""
    cuts = [m.start() for m in CONTRAST_WORD.finditer(low) if m.start() > 0]
    return bool(cuts) and CLOSER.match(low[: cuts[0]].strip(" ,;:.-")) is not None


def score_encoded(scorer, enc, texts: list[str], encoded=None) -> pd.DataFrame:
    """The ``SentimentScorer.score`` frame (plus ``mixed``) from the encoder's rows for ``texts``."""
    n = len(texts)
    if encoded is None:
        r = enc.score_texts(texts) if n else se.SentimentEncoder.split(np.zeros((0, enc.dim), np.float32))
    else:
        encoded = np.asarray(encoded, dtype=np.float32)
        if encoded.shape[0] != n:
            raise ValueError(f"encoded has {encoded.shape[0]} rows for {n} texts")
        r = se.SentimentEncoder.split(encoded)
    probs, emotions = r["probs"], r["emotions"]
    mixed = enc.mixed(probs) if n else np.zeros(0, bool)
    set_name = scorer.emotion_set
    hits = _emotion_hits(enc, emotions, set_name)
    labels = np.asarray(se.LABELS, dtype=object)[probs.argmax(axis=1)] if n else np.zeros(0, object)
    rows = []
    for i, text in enumerate(texts):
        t = text.strip()
        low = t.lower()
        if CLOSER.match(t) or SIGNOFF.match(t):
            grat = ("thank" in low or "appreciat" in low) and "gratitude" in scorer.emotions
            rows.append((0.0, "neutral", "gratitude" if grat else "neutral", 0.2 if grat else 0.0, 0.0, True,
                         "gratitude:0.20" if grat else "", False, np.nan))
            continue
        s, label = float(r["score"][i]), str(labels[i])
        neutral_p = float(probs[i, 1])
        f = rule_flags(low)
        mix = bool(mixed[i]) and not closer_only_praise(low)
        if f[R_SARCASM]:
            s, label, mix = min(s, -0.6), "negative", False
        elif f[R_DENIED]:  # "Works fine, no complaints.": the encoder splits it between the poles (mixed)
            s, label, mix = max(s, 0.5), "positive", False
        elif f[R_NEGATED] and s > -0.4:
            s, label = -0.4, "negative"
        elif f[R_EFFORT_COMPLAINT] and s < 0.5 and label != "negative":  # "on hold for 45 minutes": neutral
            s, label = min(s, -0.4), "negative"
        elif mix:  # both sides: a contrast tail may say positive, otherwise the complaint wins
            if tail_sign(scorer.vader, t, low) > 0 or good_outcome_only(f, low):
                s, label = max(s, scorer.positive_threshold), "positive"
            else:
                s, label = min(s, scorer.negative_threshold), "negative"
        if label != labels[i]:
            neutral_p = 0.0  # a rule made the label: the segment is polar, whatever the encoder's neutral mass
        s = round(min(1.0, max(-1.0, s)), 4)
        effort = EFFORT.search(low) is not None
        emo, intensity, emos = _pick(hits, i, label, set_name, scorer.emotions, bool(f[R_SARCASM]), 0.3)
        rows.append((s, label, emo, intensity, float(effort), False, emos, mix, neutral_p))
    cols = list(zip(*rows)) if rows else [[]] * 9
    return pd.DataFrame({
        "sentiment": np.asarray(cols[0], dtype=float),
        "emotion": np.asarray(cols[2], dtype=object),
        "emotion_intensity": np.asarray(cols[3], dtype=float),
        "effort": np.asarray(cols[4], dtype=float),
        "is_closer": np.asarray(cols[5], dtype=bool),
        "sentiment_label": np.asarray(cols[1], dtype=object),
        "emotions": np.asarray(cols[6], dtype=object),
        "mixed": np.asarray(cols[7], dtype=bool),
        "neutral_probability": np.asarray(cols[8], dtype=float),
    })
