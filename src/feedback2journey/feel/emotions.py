"""Emotions of a segment: cue rules plus prototype similarity on the sentence embedding.

The emotion set is configurable (``SentimentScorer(emotions=...)``, a subset of ``EMOTIONS``). An emotion must
agree with the segment's final sentiment: negative segments get frustration / disappointment / confusion /
worry, positive ones delight / gratitude / satisfaction, neutral ones confusion / worry / gratitude or neutral.

Evidence for each allowed emotion is the larger of
* a **cue** (regex on the lower-cased text, ``EMOTION_CUES``: "fed up", "worried", "no idea", "thank you"...): 1.0;
* a **prototype** probability: cosine similarity of the segment's embedding to the centroid of the
  project-written examples of each emotion (``EMOTION_EXAMPLES``, embedded at training time by
  ``scripts/train_sentiment.py`` with the same embedding model and stored in the head file), softmax over the
  allowed emotions plus neutral (temperature ``PROTO_TEMPERATURE``). This catches "Someone has used my card
  abroad" (worry) or "Why is there a second charge on my bill?" (confusion) without a cue word.
The primary emotion (``emotion``) is the one with most evidence; ``emotions`` lists every allowed emotion with
evidence >= ``SECONDARY_MIN`` as ``name:intensity`` (primary first), e.g. ``frustration:0.82;worry:0.61``.
Without embeddings (or a head without centroids) only cues are used, with a polarity fallback
(negative: frustration if shouted / "!" / effort, else disappointment; positive: satisfaction).
"""
from __future__ import annotations

import re

import numpy as np

EMOTIONS = ("frustration", "disappointment", "confusion", "worry", "satisfaction", "delight", "gratitude", "neutral")
NEGATIVE_EMOTIONS = ("frustration", "disappointment", "confusion", "worry")
POSITIVE_EMOTIONS = ("delight", "gratitude", "satisfaction")
NEUTRAL_EMOTIONS = ("confusion", "worry", "gratitude")
PROTO_TEMPERATURE = 0.04  # cosine similarities of MiniLM sentences differ by ~0.05-0.2 between emotions
MULTI_MIN = 0.5  # evidence a neutral segment needs to show an emotion at all
SECONDARY_MIN = 0.35  # evidence a further emotion needs to be listed in ``emotions`` next to the primary one

EMOTION_CUES = {
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
EMOTION_RES = {k: re.compile(v) for k, v in EMOTION_CUES.items()}  # matched on the lower-cased text

# Project-written prototype sentences (written for this project, not taken from any data set), several domains.
EMOTION_EXAMPLES = {
    "frustration": [
        "This is the third time I have had to call about the same problem.", "I am sick and tired of chasing you.",
        "Why does nobody ever answer the phone?", "I keep getting passed from one person to another.",
        "This is absolutely ridiculous.", "I have explained this over and over again.", "Fix it now, I've had enough!",
        "The app logged me out again for no reason.", "Every single time it's a different excuse.",
        "I have wasted hours of my day on this.", "Stop sending me the same useless reply.", "I'm furious about this.",
    ],
    "disappointment": [
        "I expected much better from you.", "Sadly it did not live up to the photos.", "It was a real let-down.",
        "The quality is not what it used to be.", "I was really looking forward to it, what a shame.",
        "Not as good as last time.", "The food was bland and underwhelming.", "It looked nothing like the description.",
        "I'm disappointed the upgrade changed so little.", "Such a pity, the hotel used to be lovely.",
        "It stopped working after a month, I'm gutted.", "The service has gone downhill.",
    ],
    "confusion": [
        "I don't understand why I was charged this amount.", "Where do I find my invoice?", "What does this fee mean?",
        "The instructions make no sense.", "Which of these plans am I actually on?", "Why is my balance different?",
        "I'm not sure what I am supposed to do next.", "The menu options are confusing.",
        "How do I cancel the renewal?", "Nobody can tell me what the status of my order is.",
        "The two emails say different things.", "I can't work out how to change the settings.",
    ],
    "worry": [
        "I'm worried someone has used my card.", "There is a payment on my account that I didn't make.",
        "I'm anxious my parcel has been stolen.", "Is my personal data safe?", "I need this sorted urgently.",
        "What happens if the money doesn't arrive before rent is due?", "I'm scared I'll lose my booking.",
        "My account has been locked and I need to pay my bills.", "I'm concerned about the security of the app.",
        "The medicine hasn't arrived and I'm running out.", "Will I still be covered if I travel next week?",
        "I hope this doesn't affect my credit score.",
    ],
    "satisfaction": [
        "Everything arrived on time and works as expected.", "Good service, no complaints.", "The process was easy.",
        "It does the job well.", "The room was clean and comfortable.", "Solid product for the price.",
        "Delivery was quick and the item matched the description.", "The app is simple to use.",
        "The food was good and reasonably priced.", "Happy with my purchase.", "The update fixed the issue.",
        "Fair price and decent quality.",
    ],
    "delight": [
        "Absolutely love it!", "Best purchase I've made all year!", "Wow, this exceeded all my expectations.",
        "The meal was out of this world.", "I'm obsessed with this jacket.", "What a fantastic experience from start to finish!",
        "The view from the room was breathtaking.", "It's even better than I imagined.", "Simply perfect, I'm thrilled.",
        "This laptop is a dream to use.", "Amazing, just amazing.", "I couldn't be happier with it!",
    ],
    "gratitude": [
        "Thank you so much for your help.", "Many thanks to Sarah for sorting this out.", "I really appreciate the quick reply.",
        "Big thanks to the driver for carrying it upstairs.", "Grateful for your patience on the phone.",
        "Thanks for going the extra mile.", "I want to thank the team for their support.", "Kudos to the night staff.",
        "Cheers for the refund, very kind of you.", "I appreciate you taking the time to explain.",
        "Thank you for fixing it so quickly.", "Special thanks to the engineer who came out.",
    ],
    "neutral": [
        "I ordered a lamp on Monday.", "My account number is in the email.", "The laptop has 8GB of memory.",
        "We went there for dinner on Friday.", "I switched to the monthly plan.", "The parcel was delivered to my neighbour.",
        "I'm writing about my recent order.", "The hotel is near the station.", "I use the app on my phone.",
        "The invoice is attached.", "It comes in three colours.", "I called the bank this morning.",
    ],
}


class EmotionPrototypes:
    """Centroids of ``EMOTION_EXAMPLES`` in one embedding space (rows L2-normalised, order ``names``)."""

    def __init__(self, names: tuple[str, ...], centroids: np.ndarray):
        c = np.asarray(centroids, dtype=np.float32)
        self.names = tuple(names)
        self.centroids = c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-9)
        self.index = {n: i for i, n in enumerate(self.names)}

    @classmethod
    def build(cls, encode) -> "EmotionPrototypes":
        """Embed the examples with ``encode(list[str]) -> (n, dim)`` and average per emotion."""
        names = tuple(EMOTION_EXAMPLES)
        return cls(names, np.stack([np.asarray(encode(EMOTION_EXAMPLES[n])).mean(axis=0) for n in names]))

    def similarities(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, len(names)) cosine similarities."""
        return np.asarray(embeddings, dtype=np.float32) @ self.centroids.T

    def proba(self, sims: np.ndarray, allowed: tuple[str, ...]) -> dict[str, float]:
        """Softmax over ``allowed`` + neutral of one row of similarities; neutral's share is dropped."""
        names = [n for n in allowed if n in self.index] + ["neutral"]
        z = np.array([sims[self.index[n]] for n in names]) / PROTO_TEMPERATURE
        z = np.exp(z - z.max())
        z /= z.sum()
        return dict(zip(names[:-1], z[:-1].tolist()))


def proto_tables(protos: "EmotionPrototypes", sims: np.ndarray, configured: tuple[str, ...]) -> dict:
    """``EmotionPrototypes.proba`` for every row and each polarity at once: polarity -> (names, (n, k) array)."""
    out = {}
    for polarity in ("negative", "positive", "neutral"):
        names = [n for n in allowed_emotions(polarity, configured) if n in protos.index]
        cols = [protos.index[n] for n in names] + [protos.index["neutral"]]
        z = sims[:, cols] / PROTO_TEMPERATURE
        z = np.exp(z - z.max(axis=1, keepdims=True))
        out[polarity] = (names, (z / z.sum(axis=1, keepdims=True))[:, :-1])
    return out


def allowed_emotions(polarity: str, configured: tuple[str, ...]) -> tuple[str, ...]:
    group = NEGATIVE_EMOTIONS if polarity == "negative" else POSITIVE_EMOTIONS if polarity == "positive" \
        else NEUTRAL_EMOTIONS
    return tuple(e for e in group if e in configured)


def pick_emotions(lowered: str, text: str, s: float, polarity: str, configured: tuple[str, ...], sarcasm: bool,
                  effort: bool, proto: dict[str, float] | None) -> tuple[str, float, str]:
    """(primary emotion, its intensity, "name:intensity;..." of all emotions with enough evidence)."""
    allowed = allowed_emotions(polarity, configured)
    evidence = {e: 1.0 for e in allowed if EMOTION_RES[e].search(lowered)}
    if sarcasm and polarity == "negative" and "frustration" in allowed:
        evidence["frustration"] = 1.0
    if proto:
        for e, p in proto.items():
            if e in allowed:
                evidence[e] = max(evidence.get(e, 0.0), p)
    if polarity == "neutral":  # a neutral segment shows an emotion only on clear evidence
        evidence = {e: v for e, v in evidence.items() if v >= MULTI_MIN}
    if not evidence:
        return _fallback(text, s, polarity, configured, effort)
    strength = 0.3 + 0.6 * abs(s)
    ranked = sorted(evidence.items(), key=lambda kv: (-kv[1], allowed.index(kv[0])))  # ties: specificity order
    scored = [(e, round(min(1.0, strength * (0.7 + 0.3 * v) + (0.1 if v >= 1.0 else 0.0)), 3)) for e, v in ranked]
    keep = [scored[0]] + [(e, i) for (e, i), (_, v) in zip(scored[1:], ranked[1:]) if v >= SECONDARY_MIN]
    return scored[0][0], scored[0][1], ";".join(f"{e}:{i:.2f}" for e, i in keep)


def _fallback(text: str, s: float, polarity: str, configured: tuple[str, ...], effort: bool) -> tuple[str, float, str]:
    if polarity == "negative":
        angry = (text.isupper() and len(text) > 12) or "!" in text or effort
        emotion = "frustration" if angry else "disappointment"
    elif polarity == "positive":
        emotion = "satisfaction"
    else:
        return "neutral", 0.0, ""
    if emotion not in configured:
        return "neutral", 0.0, ""
    intensity = round(min(1.0, 0.3 + abs(s) * 0.6), 3)
    return emotion, intensity, f"{emotion}:{intensity:.2f}"
