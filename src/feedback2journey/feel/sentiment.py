"""The emotion layer: sentiment in [-1, 1], a label, emotions with intensity, and customer effort.

Method: a trained *stacked* head (``sentiment_head.py``: the segment's sentence embedding + VADER + rule flags ->
3 class probabilities) gives the base score; rules (``sentiment_rules.py``) then override it where they are
reliable: polite closers and greetings carry no sentiment ("Thanks in advance!" closes complaints),
waiting / not-received statements are negative without a negative word ("still waiting for my refund"),
denied problems are positive ("no problems at all"), service failures and negated praise are negative,
"Great, another week without my order" is sarcasm, and after a contrast word ("X, but Y") the later clause
decides. Without embeddings (or without a head matching the embedding model) the base is VADER alone.
Emotions: ``emotions.py`` (cues + prototype similarity). See docs/sentiment.md.

Item roll-up: closers and greetings are left out; the rest are averaged with weights that grow with
the strength of each segment and favour negative ones (x1.5), so one polite sentence can't outweigh a
complaint.
"""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from feedback2journey.feel import emotion_sets
from feedback2journey.feel import encoder as se
from feedback2journey.feel.accurate import score_encoded
from feedback2journey.feel.emotions import EMOTIONS, pick_emotions, proto_tables
from feedback2journey.resources import DEFAULT_MODEL_ID
from feedback2journey.feel.rules import (
    CLOSER, CONTRAST_WORD, EFFORT, R_DENIED, R_EFFORT_COMPLAINT, R_FAILURE, R_GOOD, R_NEGATED, R_SARCASM, R_WAITING,
    FastVader, rule_flags,
)

log = logging.getLogger(__name__)

__all__ = ["AUX_FEATURES", "EMOTIONS", "SentimentScorer", "aux_features", "proba_to_score", "roll_up_items"]

# Per-text features the stacked head reads next to the embedding (order matters: it is the head's column order).
AUX_FEATURES = ("vader_compound", "vader_pos", "vader_neg", "vader_neu", "denied_problem", "good_outcome",
                "negated_positive", "effort_complaint", "waiting", "failure", "sarcasm", "question", "exclamation")


def aux_features(texts: list[str], vader=None, flags: np.ndarray | None = None) -> np.ndarray:
    """``AUX_FEATURES`` per text (n x 13): VADER compound/pos/neg/neu (project lexicon) and 0/1 rule flags."""
    vader = vader if isinstance(vader, FastVader) else FastVader()
    out = np.zeros((len(texts), len(AUX_FEATURES)), dtype=np.float32)
    out[:, :4] = vader.scores(texts)
    out[:, 4:11] = flags if flags is not None else [rule_flags(t.lower()) for t in texts]
    out[:, 11] = ["?" in t for t in texts]
    out[:, 12] = ["!" in t for t in texts]
    return out


def proba_to_score(p: np.ndarray, neutral_bias: float = 1.0, negative_threshold: float = -0.15,
                   positive_threshold: float = 0.15) -> np.ndarray:
    """Map head probabilities (n x 3: neg, neu, pos) to a score in [-1, 1] whose label is the head's decision.

    With ``m = max(p_neg, p_pos) - neutral_bias * p_neu``: ``m <= 0`` (neutral wins) lands inside the neutral band
    (``|score| < threshold``), ``m > 0`` outside it, growing linearly to +-1; the sign is that of ``p_pos - p_neg``.
    So ``label(score)`` is the head's (biased) argmax, and the rules can still move the score.
    """
    p = np.asarray(p, dtype=np.float64)
    pn, pu, pp = p[:, 0], p[:, 1], p[:, 2]
    m = np.maximum(pp, pn) - neutral_bias * pu
    t = np.where(pp >= pn, positive_threshold, -negative_threshold).clip(0.01, 0.99)
    mag = np.where(m <= 0, t * np.clip(1 + m, 0, 1), t + (1 - t) * np.clip(m, 0, 1))
    return np.sign(pp - pn) * mag


# Weight of the stacked head's score against plain VADER in the embeddings path (1.0 = head only; VADER is
# already one of the head's inputs). Chosen on non-SemEval data, see docs/sentiment.md.
HEAD_WEIGHT = 1.0


def apply_rules(f: list[bool] | np.ndarray, s: float) -> float:
    """Override the base score ``s`` where a rule is reliable (``f``: ``rule_flags`` of the text)."""
    if f[R_DENIED]:
        return max(s, 0.5)
    if f[R_GOOD]:
        s = max(s, 0.4)
    if f[R_NEGATED]:
        s = min(s, -0.4)
    if f[R_EFFORT_COMPLAINT] and s < 0.5:
        s = min(s, -0.4)
    if f[R_WAITING]:
        s = min(s, -0.5)
    if f[R_FAILURE]:
        s = min(s, -0.5) if s < 0.5 else s - 0.8  # strong praise with one failure word stays mixed
    if f[R_SARCASM]:
        s = -0.6
    return s


class SentimentScorer:
    """Sentiment, emotions and effort per text. ``score(texts, embeddings=None, model_id=None)``: one row per text.

    ``embeddings`` are the pipeline's sentence vectors (aligned with ``texts``); ``model_id`` (or
    ``embedding_model`` here) names the embedding model that made them, so that the head trained on that model's
    vectors is used (``sentiment_head.find_head``). A head for another model is never used: an explicitly given
    head whose ``embedding_model_id`` differs raises ``ValueError``; with no matching head the scorer warns and
    falls back to VADER + rules. Without a model id the head is chosen by embedding dimension (warning if two
    bundled heads share it; the MiniLM head is then assumed).
    """

    def __init__(self, negative_threshold: float = -0.15, positive_threshold: float = 0.15, head=None,
                 emotions: tuple[str, ...] | None = None, embedding_model: str | None = None, encoder=None,
                 emotion_set: str = emotion_sets.DEFAULT):
        self.vader = FastVader()
        self.negative_threshold = negative_threshold
        self.positive_threshold = positive_threshold
        # The vocabulary (feel.emotion_sets; other than "customer" only with the encoder) and the emotions of it
        # the scorer may return (a subset can be configured; "neutral" is always allowed).
        self.emotion_set = emotion_sets.check(emotion_set)
        names = EMOTIONS if emotion_set == emotion_sets.DEFAULT else tuple(emotion_sets.SETS[emotion_set])
        self.emotions = tuple(e for e in names if emotions is None or e in emotions or e == "neutral")
        self.embedding_model = embedding_model
        self._head_arg = head  # None: the bundled head(s), loaded on first use; False: never use a head
        self._heads: dict = {}  # cache: model id or dim -> SentimentHead or None
        self._warned: set = set()
        # The fine-tuned sentiment encoder (feel.encoder), used for texts embedded by the packaged MiniLM on torch
        # (accurate mode): None = the bundled one, loaded on first use; False = never (head + rules path).
        # An explicit head asks for the head path: then the encoder only runs if given explicitly too.
        self._encoder_arg = False if encoder is None and head is not None else encoder
        self._encoder = None

    # -- the trained head ------------------------------------------------------------------------------
    def _warn(self, msg: str) -> None:
        if msg not in self._warned:
            self._warned.add(msg)
            log.warning(msg)

    def head_for(self, model_id: str | None = None, dim: int | None = None):
        """The head to use for embeddings from ``model_id`` (or of dimension ``dim``), or None (rules path)."""
        from feedback2journey.feel.head import SentimentHead, find_head

        if self._head_arg is False:
            return None
        model_id = model_id or self.embedding_model
        key = (model_id, dim)
        if key in self._heads:
            return self._heads[key]
        head = None
        if self._head_arg is not None:  # an explicit head: must match the embedding model when it is known
            try:
                head = self._head_arg if isinstance(self._head_arg, SentimentHead) else SentimentHead.load(self._head_arg)
            except (FileNotFoundError, OSError, KeyError, ValueError) as exc:
                self._warn(f"sentiment head unavailable, using lexicon + rules: {exc}")
            if head is not None and model_id and head.embedding_model_id and head.embedding_model_id != model_id:
                raise ValueError(f"sentiment head {head.id} was trained on {head.embedding_model_id} embeddings, "
                                 f"not {model_id}; pass the matching head (or none to pick it automatically)")
        else:
            head, why = find_head(model_id, dim)
            if why:
                self._warn(why)
        self._heads[key] = head
        return head

    @property
    def head(self):
        """The head for ``embedding_model`` (default: the MiniLM head), or None if disabled or missing."""
        return self.head_for(self.embedding_model, None if self.embedding_model else 384)

    def encoder_for(self, model_id: str | None):
        """The fine-tuned sentiment encoder for texts embedded by ``model_id``, or None. Only the packaged MiniLM
        on torch (accurate mode) has it: its layer-4 hidden state is what the encoder's top reads (the pipeline
        taps it on the embedding pass, ``Embedder.encode_with``). ONNX and fast mode keep the head + rules."""
        if self._encoder_arg is False or (model_id or self.embedding_model) != DEFAULT_MODEL_ID:
            return None
        if self._encoder is None:
            try:
                self._encoder = self._encoder_arg if self._encoder_arg is not None else se.load()
            except (OSError, KeyError, ValueError) as exc:
                self._warn(f"sentiment encoder unavailable, using the head + rules: {exc}")
                self._encoder_arg = False
                return None
        return self._encoder

    def method_for(self, model_id: str | None = None, dim: int | None = None) -> str:
        """How ``score`` treats embeddings of ``model_id`` (or, unknown, of dimension ``dim``): the fine-tuned
        encoder plus the rules it keeps (accurate mode), the head it uses plus VADER and the rules, or VADER and
        the rules alone when no head matches."""
        enc = self.encoder_for(model_id)
        if enc is not None:
            return f"{enc.id}+rules"
        head = self.head_for(model_id, dim)
        return f"{head.id}+vader+rules" if head is not None else "vader+rules"

    @property
    def method_id(self) -> str:
        """``method_for`` the scorer's own ``embedding_model`` (by default MiniLM's)."""
        return self.method_for(self.embedding_model, None if self.embedding_model else 384)

    # -- scoring ---------------------------------------------------------------------------------------
    def label(self, sentiment: float) -> str:
        if sentiment <= self.negative_threshold:
            return "negative"
        if sentiment >= self.positive_threshold:
            return "positive"
        return "neutral"

    def labels(self, sentiment) -> np.ndarray:
        """``label`` for many scores at once (millions of segments in a batch run); NaN is neutral, as there."""
        s = np.asarray(sentiment, dtype=float)
        return np.where(s <= self.negative_threshold, "negative",
                        np.where(s >= self.positive_threshold, "positive", "neutral")).astype(object)

    def base_scores(self, texts: list[str], embeddings, aux: np.ndarray | None = None, model_id: str | None = None):
        """The head's score per text (blended with VADER if ``HEAD_WEIGHT < 1``), or None without embeddings/head."""
        if embeddings is None:
            return None
        emb = np.asarray(embeddings)
        if emb.ndim != 2 or emb.shape[0] != len(texts):
            raise ValueError(f"embeddings has {emb.shape[0]} rows for {len(texts)} texts")
        head = self.head_for(model_id, emb.shape[1])
        if head is None or len(texts) == 0:
            return None if head is None else np.zeros(0)
        aux = aux_features(texts, self.vader) if aux is None else aux
        if head.n_aux:  # stacked head (v2+): probabilities -> score with the head's neutral band
            h = proba_to_score(head.proba(emb, aux), head.neutral_bias, self.negative_threshold, self.positive_threshold)
            w = HEAD_WEIGHT
        else:  # embedding-only head (v1): P(pos) - P(neg), blended 50/50 with VADER
            h, w = head.polarity(emb).astype(np.float64), 0.5
        return w * h + (1.0 - w) * aux[:, 0].astype(np.float64)

    def score(self, texts, embeddings=None, model_id: str | None = None, encoded=None) -> pd.DataFrame:
        """One row per text. With the encoder for ``model_id`` (accurate mode), ``encoded`` are its tapped rows
        for the texts (``Embedder.encode_with``; aligned with ``texts``), or it runs its own pass when None."""
        texts = [str(t) for t in texts]
        enc = self.encoder_for(model_id)
        if enc is not None:
            return score_encoded(self, enc, texts, encoded)
        if self.emotion_set != emotion_sets.DEFAULT:
            raise ValueError(f"the {self.emotion_set!r} emotion set needs the fine-tuned sentiment encoder (accurate "
                             f"mode on torch); without it only the {emotion_sets.DEFAULT!r} set has cues and prototypes")
        # Duplicates ("Thanks!", "Great service") are scored once.
        uniq, first, inverse = np.unique(np.asarray(texts, dtype=object), return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        utexts = [str(t) for t in uniq]
        emb = None if embeddings is None else np.asarray(embeddings)
        if emb is not None and emb.shape[0] != len(texts):
            raise ValueError(f"embeddings has {emb.shape[0]} rows for {len(texts)} texts")
        uemb = None if emb is None else emb[first]
        lowered = [t.strip().lower() for t in utexts]
        flags = np.array([rule_flags(t) for t in lowered], dtype=bool).reshape(len(utexts), 7)
        aux = aux_features(utexts, self.vader, flags)
        base = self.base_scores(utexts, uemb, aux, model_id)
        head = None if base is None else self.head_for(model_id, uemb.shape[1])
        protos = getattr(head, "emotion_prototypes", None)
        tables = None if protos is None else proto_tables(protos, protos.similarities(uemb), self.emotions)
        rows = [self._feel(utexts[i], lowered[i], flags[i], float(aux[i, 0]) if base is None else float(base[i]),
                           tables, i) for i in range(len(utexts))]
        cols = list(zip(*rows)) if rows else [[]] * 6
        frame = pd.DataFrame({
            "sentiment": np.asarray(cols[0], dtype=float)[inverse] if rows else [],
            "emotion": np.asarray(cols[1], dtype=object)[inverse] if rows else [],
            "emotion_intensity": np.asarray(cols[2], dtype=float)[inverse] if rows else [],
            "effort": np.asarray(cols[3], dtype=float)[inverse] if rows else [],
            "is_closer": np.asarray(cols[4], dtype=bool)[inverse] if rows else [],
        })
        frame["sentiment_label"] = self.labels(frame["sentiment"])
        frame["emotions"] = np.asarray(cols[5], dtype=object)[inverse] if rows else []
        frame["mixed"] = False  # fast mode has no segment-level mixed signal (items: see roll_up_items)
        frame["neutral_probability"] = np.nan  # accurate mode's encoder only (the item roll-up's neutral gate)
        return frame

    def _feel(self, text: str, low: str, f, s: float, tables: dict | None, row: int) -> tuple:
        """(sentiment, emotion, intensity, effort, is_closer, emotions) of one text; ``s`` is the base score."""
        t = text.strip()
        if CLOSER.match(t):
            grat = "thank" in low or "appreciat" in low
            emo = "gratitude" if grat and "gratitude" in self.emotions else "neutral"
            return 0.0, emo, 0.2, 0.0, True, (f"{emo}:0.20" if emo != "neutral" else "")
        parts = [m.end() for m in CONTRAST_WORD.finditer(low) if m.start() > 0]
        tail = low[parts[-1]:] if parts else ""
        if len(tail.split()) >= 3:
            # "Lovely staff, but my refund still hasn't arrived": the rules and the verdict come from the tail,
            # unless the tail has nothing to say (then the whole segment is used).
            tf = rule_flags(tail)
            tail_rule = apply_rules(tf, 0.0)
            if tail_rule != 0.0:
                s = apply_rules(tf, min(s, 0.0) if tail_rule < 0 else max(s, 0.0))
            else:
                tail_v = self.vader.polarity_scores((t if len(t) == len(low) else low)[parts[-1]:])["compound"]
                s = 0.3 * s + 0.7 * tail_v if abs(tail_v) >= 0.3 else apply_rules(f, s)
        else:
            s = apply_rules(f, s)
        s = -1.0 if s < -1.0 else 1.0 if s > 1.0 else s
        effort = EFFORT.search(low) is not None
        polarity = self.label(s)
        p = None
        if tables is not None:
            names, probs = tables[polarity]
            p = dict(zip(names, probs[row].tolist()))
        emotion, intensity, emotions = pick_emotions(low, t, s, polarity, self.emotions, bool(f[R_SARCASM]),
                                                     effort, p)
        return round(s, 4), emotion, intensity, float(effort), False, emotions


def roll_up_items(segments: pd.DataFrame, scorer: SentimentScorer, complaint_weight: float = 1.5,
                  segment_label: bool = True) -> pd.DataFrame:
    """Item-level sentiment, label, mixed flag, emotion and effort from its segments (closers excluded).

    A polite closer never outweighs a complaint: closers are left out, and so is thanks (a positive segment
    whose emotion is gratitude) in an item that complains. ``mixed``: a mixed segment (accurate mode), or praise
    (a positive segment that is not mere thanks) next to a complaint; it is never neutral: positive when its
    weighted balance, in which a complaint weighs 1.5 times the praise, is positive, else negative ("love the app
    but billing is a mess" is negative; "love it, runs a bit long" positive)."""
    has = [c for c in ("sentiment_label", "mixed", "neutral_probability") if c in segments]
    seg = segments[["item_id", "sentiment", "emotion", "emotion_intensity", "effort", "is_closer", *has]].copy()
    if "sentiment_label" not in seg:
        seg["sentiment_label"] = scorer.labels(seg["sentiment"])
    real = ~seg["is_closer"].astype(bool)
    by_item = seg["item_id"]
    neg_seg = real & (seg["sentiment_label"] == "negative")
    complains = neg_seg.groupby(by_item, sort=False).transform("any").astype(bool)
    thanks = real & (seg["sentiment_label"] == "positive") & (seg["emotion"] == "gratitude")
    praise = real & (seg["sentiment_label"] == "positive") & ~thanks
    seg["is_closer"] = ~real | (thanks & complains)  # thanks on a complaint counts as a closer below
    content = seg[~seg["is_closer"]]
    # Items made only of closers ("Thanks!") still get a row, from those segments. (A groupby, not isin:
    # isin on pandas' Arrow strings builds one Python scalar per value, 250 ms per 20,000-segment chunk.)
    only_closers = seg[seg["is_closer"].groupby(seg["item_id"], sort=False).transform("all").astype(bool)]
    mixed = (neg_seg.groupby(by_item, sort=False).any() & praise.groupby(by_item, sort=False).any())
    if "mixed" in seg:
        mixed |= (real & seg["mixed"].astype(bool)).groupby(by_item, sort=False).any()
    neg_item = neg_seg.groupby(by_item, sort=False).any()
    seg = pd.concat([content, only_closers])
    weight = 0.25 + seg["sentiment"].abs()
    weight = weight.where(seg["sentiment"] >= 0, weight * complaint_weight)
    seg = seg.assign(w=weight, ws=weight * seg["sentiment"])
    grouped = seg.groupby("item_id", sort=False)
    out = pd.DataFrame({"sentiment": (grouped["ws"].sum() / grouped["w"].sum()).round(4),
                        "effort": grouped["effort"].max()})
    out["mixed"] = mixed.reindex(out.index).fillna(False).astype(bool)
    # A mixed item is never neutral: positive when its weighted balance (a complaint weighs 1.5x the praise)
    # is clearly positive, negative otherwise ("love the app but billing is a mess"). Not every mixed item
    # negative: that read most 4-5 star reviews with one small wish ("love it, runs a bit long") as complaints
    # (scoreboard, clothing reviews: binary accuracy 0.666 forced, against VADER's 0.882).
    labels = pd.Series(scorer.labels(out["sentiment"]), index=out.index)
    # an item of one segment (closers aside) says what that segment says: in accurate mode the segment's
    # label is the encoder's arg-max, which a threshold on the score (p_pos - p_neg) does not reproduce
    single = seg.groupby("item_id", sort=False)["sentiment_label"].agg(["size", "first"]).reindex(out.index)
    if segment_label:
        labels = labels.where(single["size"].to_numpy() != 1, single["first"])
    if "neutral_probability" in seg:
        labels = labels.where(~_neutral_gate(seg).reindex(out.index).fillna(False).to_numpy(), "neutral")
    lean = np.where(out["sentiment"] >= scorer.positive_threshold, "positive", "negative")
    out["sentiment_label"] = labels.where(~(out["mixed"] & (labels == "neutral")), lean)
    # Item emotion: the most intense emotion among segments of the item's own polarity (a "thanks" closer
    # must not make a complaint read as gratitude).
    polarity = seg["item_id"].map(out["sentiment_label"])
    agree = seg[(seg["sentiment_label"] == polarity) & (seg["emotion"] != "neutral")]
    strongest = agree.sort_values("emotion_intensity", ascending=False, kind="stable").drop_duplicates("item_id")
    out["emotion"] = strongest.set_index("item_id")["emotion"].reindex(out.index).fillna("neutral")
    return out.reset_index()


# the neutral gate applies to items of this many segments (closers aside): two-clause comments, not narratives
GATE_SEGMENTS = 2


def _neutral_gate(content: pd.DataFrame) -> pd.Series:
    """Per item of ``GATE_SEGMENTS`` segments (closers left out) with the encoder's probabilities: True when no
    segment is more polar than the item is neutral on average (``max_i max(p_neg, p_pos) < mean_i p_neu``).

    The weighted score balance calls an item polar whenever one clause leans a little ("Is this new? I read it
    somewhere." with one faintly negative half); the encoder's own neutral mass says whether any clause is polar at
    all. Chosen on dev splits (benchmarks/rollup_sentiment_dev.py; docs/sentiment.md): GoEmotions dev 3-class
    macro-F1 0.705 -> 0.724, clothing dev binary accuracy 0.940 -> 0.939. Not for longer items: a factual
    complaint told in six plain sentences ("I ordered a sofa on 3 March. ... Nobody has called me since.") has
    a high mean neutral mass and would read neutral; on GoEmotions dev 100 of the gate's 119 changes were
    two-segment items and gating 3+ segments added nothing. A segment whose label a rule made carries no neutral
    mass, so a rule's verdict (sarcasm, "on hold for 45 minutes") is never gated away."""
    p_neu = content["neutral_probability"].astype(float)
    polar = (1.0 - p_neu + content["sentiment"].abs()) / 2.0  # max(p_neg, p_pos), as p_pos - p_neg = sentiment
    g = pd.DataFrame({"p_neu": p_neu, "polar": polar}).groupby(content["item_id"], sort=False)
    stats = g.agg(n=("p_neu", "size"), known=("p_neu", "count"), neu=("p_neu", "mean"), polar=("polar", "max"))
    return (stats["n"] == GATE_SEGMENTS) & (stats["known"] == stats["n"]) & (stats["polar"] < stats["neu"])
