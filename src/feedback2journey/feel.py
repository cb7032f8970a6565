"""The emotion layer: sentiment in [-1, 1], a label, an emotion with intensity, and customer effort.

Method (first version): VADER's compound score, corrected by rules for what it gets wrong on support
text: polite closers and greetings carry no sentiment ("Thanks in advance!" closes complaints),
waiting / not-received statements are negative without a negative word ("still waiting for my refund"),
denied problems are positive ("no problems at all"), service-failure verbs are negative ("declined",
"charged twice", "keeps crashing"), and "Great, another week without my order" is sarcasm.

Item roll-up: closers and greetings are left out; the rest are averaged with weights that grow with
the strength of each segment and favour negative ones (x1.5), so one polite sentence can't outweigh a
complaint.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

_CLOSER_PHRASES = [
    r"(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))(?: (?:there|team|all|guys|folks|support|sir|madam|[a-z]+))?",
    r"(?:many |big )?(?:thanks?|thank you|thx|ty|tia)(?: (?:so|very) much| a lot| again| in advance| for (?:your|the|any) "
    r"(?:help|time|assistance|reply|response|support|understanding))*",
    r"cheers|regards|kind regards|best regards|warm regards|best wishes|best|much appreciated|"
    r"(?:i )?appreciate (?:it|your help|any help)",
    r"have a (?:great|nice|good|lovely|wonderful) (?:day|weekend|one|evening|week)",
    r"(?:i )?look(?:ing)? forward to (?:hearing from you|your (?:reply|response))",
    r"(?:please )?(?:let me know|advise)(?: asap| soon)?",
    r"any help (?:would be|is|will be) (?:much |greatly )?appreciated",
    r"hope (?:to hear from you soon|you can help)",
]
# A segment made only of greetings/closers ("Thanks in advance, have a great day :)") carries no sentiment.
_CLOSER = re.compile(
    r"^(?:(?:" + "|".join(_CLOSER_PHRASES) + r")(?:[\s,.!:;~-]|[:;]-?[)D(]|[\U0001F300-\U0001FAFF\u2600-\u27BF])*)+$",
    re.I,
)
# Words that are sentiment-neutral in feedback but valenced in VADER's lexicon (subject lines say "Help",
# "customer care", "kind regards", "please"): left in, they push complaints positive.
_NEUTRAL_WORDS = ("help", "please", "support", "care", "kind", "dear", "hope", "share", "like", "free", "save",
                  "credit", "pay", "yes", "ok", "okay", "well", "sure", "want", "wish", "chance", "interested")
_WAITING = re.compile(
    r"\b(?:still (?:waiting|not|no|nothing|haven'?t|hasn'?t|have not|has not|don'?t|doesn'?t|can'?t|unable)|"
    r"(?:haven'?t|hasn'?t|have not|has not|never|didn'?t|did not|not yet|yet to) (?:been )?"
    r"(?:received?|arrived?|got|gotten|heard|come|came|seen|refunded|delivered|resolved|answered|replied|shipped)|"
    r"no (?:reply|response|answer|update|updates|refund|sign of|one (?:called|replied|got back))|"
    r"(?:day|week) \d+ (?:and|of)|(?:\d+|two|three|four|five|six) (?:days|weeks|months) (?:later|and still|now|without)|"
    r"(?:waiting|waited) (?:for )?(?:over |more than |almost )?(?:\d+|an?|two|three|four|several|many) "
    r"(?:minutes|hours|days|weeks|months|hour|day|week|month)|on hold for|nobody|no one has)\b",
    re.I,
)
_FAILURE = re.compile(
    r"\b(?:broke|broken|crash(?:es|ed|ing)?|declined|charged (?:me )?twice|double[- ]charged|overcharged|"
    r"wrong (?:item|size|colou?r|address|product|order)|missing|damaged|dented|cracked|smashed|leaking|"
    r"lost (?:my|the) (?:parcel|package|order)|"
    # "late" / "can't X" are failures, except in opening-hours phrases and positive idioms ("late-night menu",
    # "can't wait to go back", "can't be beat", "can't go wrong", "can't complain").
    r"late(?![- ]?(?:night|nite|lunch|breakfast|brunch|dinner|evening|afternoon|morning|opening|checkout))|delayed|"
    r"(?:can'?t|cannot|couldn'?t|unable to|won'?t let me) (?!(?:wait|beat|be beat|be beaten|go wrong|complain|"
    r"fault|lie|ask for|say enough|get enough|praise \w+ enough|be missed|miss|top|be better|be happier)\b)\w+|"
    r"(?:doesn'?t|does not|didn'?t|did not|isn'?t|is not) work(?:ing)?|not working|keeps? (?:failing|crashing|freezing|"
    r"logging me out)|fail(?:s|ed|ing)?|error|glitch|bug|scam|rip[- ]?off|useless|rude|ignored|unacceptable|"
    r"ridiculous|waste of|never again|refund (?:me|please)|want (?:my|a) (?:money back|refund))\b",
    re.I,
)
_DENIED_PROBLEM = re.compile(
    r"\b(?:no (?:real |major |big |other )?(?:problems?|issues?|complaints?|trouble|hassle|fuss)(?: at all| whatsoever)?|"
    r"never (?:had|have) (?:a|an|any) (?:problem|issue|complaint)|not (?:bad|a problem|an issue)|"
    r"nothing to complain about|couldn'?t be (?:happier|better)|without (?:any )?(?:issues?|problems?|hassle))\b",
    re.I,
)
_SARCASM = re.compile(
    r"^(?:oh )?(?:great|fantastic|brilliant|wonderful|perfect|amazing|lovely|nice|thanks a lot|just great|love (?:it|that))"
    r"\W+.*\b(?:another|again|still|yet another|once more|no (?:parcel|order|refund)|without)\b",
    re.I,
)

EMOTIONS = ("frustration", "disappointment", "confusion", "worry", "satisfaction", "delight", "gratitude", "neutral")
_EMOTION_CUES = {
    "frustration": r"\b(?:frustrat\w*|annoy\w*|angry|furious|fed up|sick of|ridiculous|unacceptable|joke|"
                   r"rubbish|terrible|awful|worst|hate|useless|pathetic|wtf|again\?|seriously|nightmare)\b|!!|\?!",
    "disappointment": r"\b(?:disappoint\w*|let ?down|expected (?:more|better)|not (?:as|what) (?:described|expected|advertised)|"
                      r"shame|sad|unfortunately|pity|regret|not worth|poor quality|cheap(?:ly)? made)\b",
    "confusion": r"\b(?:confus\w*|unclear|don'?t understand|do not understand|no idea|how (?:do|can) i|where (?:do|can|is)|"
                 r"which one|what does|makes no sense|not sure (?:how|what|why|where|if)|lost track|puzzl\w*)\b",
    "worry": r"\b(?:worr\w*|concern\w*|afraid|anxious|nervous|scared|hope (?:it|this|they)|is it safe|fraud|"
             r"stolen|unauthori[sz]ed|urgent(?:ly)?|asap)\b",
    "delight": r"\b(?:love[ds]?|amazing|awesome|fantastic|brilliant|wonderful|excellent|perfect|superb|delight\w*|"
               r"blown away|beautiful|gorgeous|best (?:ever|purchase)|exceeded|wow|obsessed)\b",
    "gratitude": r"\b(?:thank(?:s| you)|grateful|appreciate[ds]?|kudos|shout ?out|went above and beyond)\b",
    "satisfaction": r"\b(?:good|great|nice|happy|pleased|satisfied|easy|quick|fast|smooth|helpful|works? (?:well|fine|great)|"
                    r"as described|on time|recommend|solid|fine)\b",
}
_EMOTION_RES = {k: re.compile(v, re.I) for k, v in _EMOTION_CUES.items()}
_NEGATIVE_EMOTIONS = ("frustration", "disappointment", "confusion", "worry")
_POSITIVE_EMOTIONS = ("delight", "gratitude", "satisfaction")

# Customer effort: contacting repeatedly, waiting, being passed around, having to redo things.
_EFFORT = re.compile(
    r"\b(?:(?:called|rang|phoned|emailed|e-mailed|contacted|messaged|asked|chased|wrote|written|tried|explained|"
    r"complained|reported|sent)\b(?: \w+){0,3} (?:again|twice|three times|four times|several times|multiple times|"
    r"many times|repeatedly|every day|(?:\d+|two|three|four|five) times)|(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) "
    r"(?:time|call|email|attempt)|on hold|transferred|passed (?:around|between|from|back)|bounced (?:around|between)|"
    r"chas(?:e|ed|ing)|follow(?:ed|ing)? up|no (?:reply|response|answer)|still waiting|waited|wait(?:ing)? (?:for|since)|"
    r"keep (?:calling|emailing|asking|chasing)|explain(?:ed)? (?:it |myself |everything )?(?:again|three times|twice)|"
    r"start(?:ed)? (?:all )?over|re-?enter(?:ed)?|had to (?:call|email|ring|chase|go|explain|fill|send|contact|repeat|do))\b",
    re.I,
)


# "not happy", "wasn't helpful", "doesn't work well": a negated positive is a complaint. Sentence embeddings
# are weak on negation (MiniLM puts "not happy" next to "happy"), so this is a rule.
_NEGATED_POSITIVE = re.compile(
    r"\b(?:not|never|no longer|hardly|barely|isn'?t|wasn'?t|aren'?t|weren'?t|don'?t|doesn'?t|didn'?t|won'?t|"
    r"haven'?t|hasn'?t|ain'?t)\s+(?:(?:very|really|too|so|that|at all|particularly|overly|exactly|even|quite|"
    r"be|been|feel|feeling|seem|look|looks|very)\s+){0,2}"
    r"(?:happy|pleased|satisfied|impressed|good|great|helpful|useful|easy|fast|quick|clear|worth(?: it)?|"
    r"acceptable|ok|okay|fine|nice|friendly|professional|reliable|working|work(?:s|ed)? (?:well|properly|right)|"
    r"recommend(?:ed)?|resolved|fixed|sorted|solved|answered|refunded)\b",
    re.I,
)
# Service outcomes that are reliably good in support text ("arrived on time", "sorted it in minutes").
_GOOD_OUTCOME = re.compile(
    r"\b(?:arrived (?:on time|early|quickly|the next day|as promised)|works? (?:fine|well|great|perfectly|a treat)|"
    r"(?:sorted|resolved|fixed|solved|refunded)(?: (?:it|everything|my \w+|the (?:issue|problem)))?(?: out)? "
    r"(?:quickly|straight away|in minutes|immediately|right away|the same day|on the first call)|"
    r"(?:quick|fast|easy|painless|smooth) (?:refund|return|delivery|process|fix|checkout|setup|set-up))\b",
    re.I,
)
# Effort statements ("called three times", "passed between departments", "on hold") are complaints.
_EFFORT_COMPLAINT = re.compile(
    r"\b(?:passed (?:around|between|from)|bounced (?:around|between)|transferred (?:\w+ ){0,2}(?:times|again|around)|"
    r"on hold|(?:called|rang|phoned|emailed|e-mailed|contacted|messaged|chased|wrote|complained)\b(?: \w+){0,3} "
    r"(?:again|twice|three times|four times|several times|multiple times|many times|repeatedly|every day|"
    r"(?:\d+|two|three|four|five) times)|keep (?:calling|emailing|asking|chasing)|had to (?:call|chase|explain|repeat)|"
    r"explain(?:ed)? (?:it |myself |everything )?(?:again|three times|twice))\b",
    re.I,
)
# "X, but Y" / "X; however, Y": the clause after the contrast carries the verdict.
_CONTRAST_WORD = re.compile(r"(?:^|[\s,;:.-])(?:but|however|yet|though|unfortunately|sadly|except)\b[\s,]*", re.I)

# Per-text features the stacked head reads next to the embedding (order matters: it is the head's column order).
AUX_FEATURES = ("vader_compound", "vader_pos", "vader_neg", "vader_neu", "denied_problem", "good_outcome",
                "negated_positive", "effort_complaint", "waiting", "failure", "sarcasm", "question", "exclamation")
_AUX_RULES = (_DENIED_PROBLEM, _GOOD_OUTCOME, _NEGATED_POSITIVE, _EFFORT_COMPLAINT, _WAITING, _FAILURE, _SARCASM)


def aux_features(texts: list[str], vader) -> np.ndarray:
    """``AUX_FEATURES`` per text (n x 13): VADER compound/pos/neg/neu (project lexicon) and 0/1 rule flags."""
    out = np.zeros((len(texts), len(AUX_FEATURES)), dtype=np.float32)
    for i, t in enumerate(texts):
        v = vader.polarity_scores(t)
        out[i, :4] = (v["compound"], v["pos"], v["neg"], v["neu"])
        out[i, 4:11] = [r.search(t) is not None for r in _AUX_RULES]
        out[i, 11:] = ("?" in t, "!" in t)
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


@dataclass(frozen=True)
class Feeling:
    sentiment: float
    emotion: str
    intensity: float
    effort: float
    is_closer: bool


class SentimentScorer:
    """Sentiment, emotion and effort per text. ``score(texts, embeddings=None)`` returns one row per text.

    With ``embeddings`` (the pipeline's MiniLM vectors, aligned with ``texts``) the base score is the trained
    stacked head (``sentiment_head.py``: embedding + VADER + rule flags -> 3 class probabilities, mapped to
    [-1, 1] by ``proba_to_score`` so that the neutral band is the head's own neutral decision); without them it
    is VADER alone. Either way the rules
    below then override where they are reliable: closers are 0, denied problems positive, waiting /
    not-received / service failures / negated praise negative, sarcasm negative, and after a contrast word
    the later clause decides.
    """

    def __init__(self, negative_threshold: float = -0.15, positive_threshold: float = 0.15, head=None,
                 emotions: tuple[str, ...] | None = None):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.vader = SentimentIntensityAnalyzer()
        for word in _NEUTRAL_WORDS:
            self.vader.lexicon.pop(word, None)
        self.negative_threshold = negative_threshold
        self.positive_threshold = positive_threshold
        # Emotions the scorer may return (configurable subset of EMOTIONS; "neutral" is always allowed).
        self.emotions = tuple(e for e in EMOTIONS if emotions is None or e in emotions or e == "neutral")
        self._head_arg = head  # None: the bundled head, loaded on first use; False: never use a head
        self._head = None
        self._head_error: str | None = None

    # -- the trained head ------------------------------------------------------------------------------
    @property
    def head(self):
        """The trained head, or None if it is disabled or missing (then scoring uses lexicon + rules)."""
        if self._head is None and self._head_arg is not False and self._head_error is None:
            from feedback2journey.sentiment_head import SentimentHead

            if isinstance(self._head_arg, SentimentHead):
                self._head = self._head_arg
            else:
                try:
                    self._head = SentimentHead.load(self._head_arg)
                except (FileNotFoundError, OSError, KeyError, ValueError) as exc:
                    self._head_error = str(exc)
                    log.warning("sentiment head unavailable, using lexicon + rules: %s", exc)
        return self._head

    @property
    def method_id(self) -> str:
        return f"{self.head.id}+vader+rules" if self.head is not None else "vader+rules"

    # -- scoring ---------------------------------------------------------------------------------------
    def _vader(self, text: str) -> float:
        return float(self.vader.polarity_scores(text)["compound"])

    def _apply_rules(self, t: str, s: float) -> float:
        """Override the base score ``s`` where a rule is reliable."""
        if _DENIED_PROBLEM.search(t):
            return max(s, 0.5)
        if _GOOD_OUTCOME.search(t):
            s = max(s, 0.4)
        if _NEGATED_POSITIVE.search(t):
            s = min(s, -0.4)
        if _EFFORT_COMPLAINT.search(t) and s < 0.5:
            s = min(s, -0.4)
        if _WAITING.search(t):
            s = min(s, -0.5)
        if _FAILURE.search(t):
            s = min(s, -0.5) if s < 0.5 else s - 0.8  # strong praise with one failure word stays mixed
        if _SARCASM.search(t):
            s = -0.6
        return s

    def feel(self, text: str, base: float | None = None) -> Feeling:
        """One text. ``base`` is the head's (blended) score; None means VADER alone."""
        t = text.strip()
        if _CLOSER.match(t):
            return Feeling(0.0, "gratitude" if re.search(r"thank|appreciat", t, re.I) else "neutral", 0.2, 0.0, True)
        s = self._vader(t) if base is None else base
        parts = [m.end() for m in _CONTRAST_WORD.finditer(t) if m.start() > 0]
        tail = t[parts[-1]:] if parts else ""
        if len(tail.split()) >= 3:
            # "Lovely staff, but my refund still hasn't arrived": the rules and the verdict come from the tail,
            # unless the tail has nothing to say (then the whole segment is used).
            tail_rule = self._apply_rules(tail, 0.0)
            tail_v = self._vader(tail)
            if tail_rule != 0.0:
                s = self._apply_rules(tail, min(s, 0.0) if tail_rule < 0 else max(s, 0.0))
            elif abs(tail_v) >= 0.3:
                s = 0.3 * s + 0.7 * tail_v
            else:
                s = self._apply_rules(t, s)
        else:
            s = self._apply_rules(t, s)
        s = float(np.clip(s, -1.0, 1.0))
        effort = 1.0 if _EFFORT.search(t) else 0.0
        emotion, intensity = self._emotion(t, s)
        return Feeling(round(s, 4), emotion, intensity, effort, False)

    def _emotion(self, text: str, s: float) -> tuple[str, float]:
        polarity = "negative" if s <= self.negative_threshold else "positive" if s >= self.positive_threshold else "neutral"
        allowed = _NEGATIVE_EMOTIONS if polarity == "negative" else _POSITIVE_EMOTIONS if polarity == "positive" \
            else ("confusion", "worry", "gratitude")
        if polarity == "negative" and "frustration" in self.emotions and _SARCASM.search(text):
            return "frustration", round(min(1.0, 0.4 + abs(s) * 0.6), 3)
        for emotion in allowed:  # ordered by specificity
            if emotion in self.emotions and _EMOTION_RES[emotion].search(text):
                return emotion, round(min(1.0, 0.4 + abs(s) * 0.6), 3)
        if polarity == "negative":
            angry = text.isupper() and len(text) > 12 or "!" in text or _EFFORT.search(text) is not None
            return self._fallback(("frustration" if angry else "disappointment"), s)
        if polarity == "positive":
            return self._fallback("satisfaction", s)
        return "neutral", 0.0

    def _fallback(self, emotion: str, s: float) -> tuple[str, float]:
        if emotion not in self.emotions:
            return "neutral", 0.0
        return emotion, round(min(1.0, 0.3 + abs(s) * 0.6), 3)

    def label(self, sentiment: float) -> str:
        if sentiment <= self.negative_threshold:
            return "negative"
        if sentiment >= self.positive_threshold:
            return "positive"
        return "neutral"

    def base_scores(self, texts: list[str], embeddings) -> np.ndarray | None:
        """The head's score (blended with VADER if ``HEAD_WEIGHT < 1``), or None without embeddings or head."""
        if embeddings is None or self.head is None:
            return None
        emb = np.asarray(embeddings)
        if emb.shape[0] != len(texts):
            raise ValueError(f"embeddings has {emb.shape[0]} rows for {len(texts)} texts")
        if len(texts) == 0:
            return np.zeros(0)
        aux = aux_features(texts, self.vader)
        v = aux[:, 0].astype(np.float64)
        if self.head.n_aux:  # stacked head (v2): probabilities -> score with the head's neutral band
            h = proba_to_score(self.head.proba(emb, aux), self.head.neutral_bias, self.negative_threshold,
                               self.positive_threshold)
            w = HEAD_WEIGHT
        else:  # embedding-only head (v1): P(pos) - P(neg), blended 50/50 with VADER
            h, w = self.head.polarity(emb).astype(np.float64), 0.5
        return w * h + (1.0 - w) * v

    def score(self, texts, embeddings=None) -> pd.DataFrame:
        texts = [str(t) for t in texts]
        base = self.base_scores(texts, embeddings)
        rows = [self.feel(t, None if base is None else float(base[i])) for i, t in enumerate(texts)]
        frame = pd.DataFrame({
            "sentiment": [r.sentiment for r in rows],
            "emotion": [r.emotion for r in rows],
            "emotion_intensity": [r.intensity for r in rows],
            "effort": [r.effort for r in rows],
            "is_closer": [r.is_closer for r in rows],
        })
        frame["sentiment_label"] = frame["sentiment"].map(self.label)
        return frame


def roll_up_items(segments: pd.DataFrame, scorer: SentimentScorer) -> pd.DataFrame:
    """Item-level sentiment, label, emotion and effort from its segments (closers excluded)."""
    seg = segments[["item_id", "sentiment", "emotion", "emotion_intensity", "effort", "is_closer"]].copy()
    content = seg[~seg["is_closer"]]
    # Items made only of closers ("Thanks!") still get a row, from those segments.
    only_closers = seg[~seg["item_id"].isin(content["item_id"])]
    seg = pd.concat([content, only_closers])
    weight = 0.25 + seg["sentiment"].abs()
    weight = weight.where(seg["sentiment"] >= 0, weight * 1.5)
    seg = seg.assign(w=weight, ws=weight * seg["sentiment"])
    grouped = seg.groupby("item_id", sort=False)
    out = pd.DataFrame({"sentiment": (grouped["ws"].sum() / grouped["w"].sum()).round(4),
                        "effort": grouped["effort"].max()})
    out["sentiment_label"] = out["sentiment"].map(scorer.label)
    # Item emotion: the most intense emotion among segments of the item's own polarity (a "thanks" closer
    # must not make a complaint read as gratitude).
    polarity = seg["item_id"].map(out["sentiment_label"])
    seg_pol = seg["sentiment"].map(scorer.label)
    agree = seg[(seg_pol == polarity) & (seg["emotion"] != "neutral")]
    strongest = agree.sort_values("emotion_intensity", ascending=False, kind="stable").drop_duplicates("item_id")
    out["emotion"] = strongest.set_index("item_id")["emotion"].reindex(out.index).fillna("neutral")
    return out.reset_index()
