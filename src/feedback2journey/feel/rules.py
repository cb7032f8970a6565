"""Rules of the emotion layer, and a faster VADER, shared by ``feel.py`` (scoring) and the training script.

Everything here is written for throughput (the layer must stay far below the embedding time, and keep up with
the static "fast" embedder): every rule regex is compiled *without* ``re.I`` and run on the lower-cased text
(2-3x faster in CPython's ``re``), all rule flags of a text are computed in one pass (``rule_flags``) and reused
by the head's features, the overrides and the emotions, and ``FastVader`` returns VADER's exact scores but skips
VADER's per-character emoji loop on ASCII text and the whole analysis when no token is in its lexicon.
"""
from __future__ import annotations

import re
import string

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def _rx(pattern: str) -> re.Pattern:
    """A rule regex, matched against ``text.lower()`` (so no ``re.I``)."""
    return re.compile(pattern)


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
# Matched on the original text (":D" is upper case).
CLOSER = re.compile(
    r"^(?:(?:" + "|".join(_CLOSER_PHRASES) + r")(?:[\s,.!:;~-]|[:;]-?[)D(]|[\U0001F300-\U0001FAFF\u2600-\u27BF])*)+$",
    re.I,
)
# Words that are sentiment-neutral in feedback but valenced in VADER's lexicon (subject lines say "Help",
# "customer care", "kind regards", "please"): left in, they push complaints positive.
NEUTRAL_WORDS = ("help", "please", "support", "care", "kind", "dear", "hope", "share", "like", "free", "save",
                 "credit", "pay", "yes", "ok", "okay", "well", "sure", "want", "wish", "chance", "interested")
WAITING = _rx(
    r"\b(?:still (?:waiting|not|no|nothing|haven'?t|hasn'?t|have not|has not|don'?t|doesn'?t|can'?t|unable)|"
    r"(?:haven'?t|hasn'?t|have not|has not|never|didn'?t|did not|not yet|yet to) (?:been )?"
    r"(?:received?|arrived?|got|gotten|heard|come|came|seen|refunded|delivered|resolved|answered|replied|shipped)|"
    r"no (?:reply|response|answer|update|updates|refund|sign of|one (?:called|replied|got back))|"
    r"(?:day|week) \d+ (?:and|of)|(?:\d+|two|three|four|five|six) (?:days|weeks|months) (?:later|and still|now|without)|"
    r"(?:waiting|waited) (?:for )?(?:over |more than |almost )?(?:\d+|an?|two|three|four|several|many) "
    r"(?:minutes|hours|days|weeks|months|hour|day|week|month)|on hold for|nobody|no one has)\b"
)
FAILURE = _rx(
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
    r"ridiculous|waste of|never again|refund (?:me|please)|want (?:my|a) (?:money back|refund))\b"
)
DENIED_PROBLEM = _rx(
    r"\b(?:no (?:real |major |big |other )?(?:problems?|issues?|complaints?|trouble|hassle|fuss)(?: at all| whatsoever)?|"
    r"never (?:had|have) (?:a|an|any) (?:problem|issue|complaint)|not (?:bad|a problem|an issue)|"
    r"nothing to complain about|couldn'?t be (?:happier|better)|without (?:any )?(?:issues?|problems?|hassle))\b"
)
SARCASM = _rx(
    r"^(?:oh )?(?:great|fantastic|brilliant|wonderful|perfect|amazing|lovely|nice|thanks a lot|just great|love (?:it|that))"
    r"\W+.*\b(?:another|again|still|yet another|once more|no (?:parcel|order|refund)|without)\b"
)
# "not happy", "wasn't helpful", "doesn't work well": a negated positive is a complaint. Sentence embeddings
# are weak on negation (MiniLM puts "not happy" next to "happy"), so this is a rule.
NEGATED_POSITIVE = _rx(
    r"\b(?:not|never|no longer|hardly|barely|isn'?t|wasn'?t|aren'?t|weren'?t|don'?t|doesn'?t|didn'?t|won'?t|"
    r"haven'?t|hasn'?t|ain'?t)\s+(?:(?:very|really|too|so|that|at all|particularly|overly|exactly|even|quite|"
    r"be|been|feel|feeling|seem|look|looks|very)\s+){0,2}"
    r"(?:happy|pleased|satisfied|impressed|good|great|helpful|useful|easy|fast|quick|clear|worth(?: it)?|"
    r"acceptable|ok|okay|fine|nice|friendly|professional|reliable|working|work(?:s|ed)? (?:well|properly|right)|"
    r"recommend(?:ed)?|resolved|fixed|sorted|solved|answered|refunded)\b"
)
# Service outcomes that are reliably good in support text ("arrived on time", "sorted it in minutes").
GOOD_OUTCOME = _rx(
    r"\b(?:arrived (?:on time|early|quickly|the next day|as promised)|works? (?:fine|well|great|perfectly|a treat)|"
    r"(?:sorted|resolved|fixed|solved|refunded)(?: (?:it|everything|my \w+|the (?:issue|problem)))?(?: out)? "
    r"(?:quickly|straight away|in minutes|immediately|right away|the same day|on the first call)|"
    r"(?:quick|fast|easy|painless|smooth) (?:refund|return|delivery|process|fix|checkout|setup|set-up))\b"
)
# Effort statements ("called three times", "passed between departments", "on hold") are complaints.
EFFORT_COMPLAINT = _rx(
    r"\b(?:passed (?:around|between|from)|bounced (?:around|between)|transferred (?:\w+ ){0,2}(?:times|again|around)|"
    r"on hold|(?:called|rang|phoned|emailed|e-mailed|contacted|messaged|chased|wrote|complained)\b(?: \w+){0,3} "
    r"(?:again|twice|three times|four times|several times|multiple times|many times|repeatedly|every day|"
    r"(?:\d+|two|three|four|five) times)|keep (?:calling|emailing|asking|chasing)|had to (?:call|chase|explain|repeat)|"
    r"explain(?:ed)? (?:it |myself |everything )?(?:again|three times|twice))\b"
)
# Customer effort (the `effort` column): contacting repeatedly, waiting, being passed around, redoing things.
EFFORT = _rx(
    r"\b(?:(?:called|rang|phoned|emailed|e-mailed|contacted|messaged|asked|chased|wrote|written|tried|explained|"
    r"complained|reported|sent)\b(?: \w+){0,3} (?:again|twice|three times|four times|several times|multiple times|"
    r"many times|repeatedly|every day|(?:\d+|two|three|four|five) times)|(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) "
    r"(?:time|call|email|attempt)|on hold|transferred|passed (?:around|between|from|back)|bounced (?:around|between)|"
    r"chas(?:e|ed|ing)|follow(?:ed|ing)? up|no (?:reply|response|answer)|still waiting|waited|wait(?:ing)? (?:for|since)|"
    r"keep (?:calling|emailing|asking|chasing)|explain(?:ed)? (?:it |myself |everything )?(?:again|three times|twice)|"
    r"start(?:ed)? (?:all )?over|re-?enter(?:ed)?|had to (?:call|email|ring|chase|go|explain|fill|send|contact|repeat|do))\b"
)
# "X, but Y" / "X; however, Y": the clause after the contrast carries the verdict.
CONTRAST_WORD = _rx(r"(?:^|[\s,;:.-])(?:but|however|yet|though|unfortunately|sadly|except)\b[\s,]*")

# Rule flags, in the order of the head's aux columns 4..10 (see feel.AUX_FEATURES), then effort and contrast.
RULES = (DENIED_PROBLEM, GOOD_OUTCOME, NEGATED_POSITIVE, EFFORT_COMPLAINT, WAITING, FAILURE, SARCASM)
R_DENIED, R_GOOD, R_NEGATED, R_EFFORT_COMPLAINT, R_WAITING, R_FAILURE, R_SARCASM = range(7)


def rule_flags(lowered: str) -> list[bool]:
    """The 7 rule flags of one lower-cased text (order of ``RULES``)."""
    return [r.search(lowered) is not None for r in RULES]


class _LowerView:
    """``[str(w).lower() for w in words]``, computed only for the positions read (negative indexes too)."""

    __slots__ = ("words",)

    def __init__(self, words):
        self.words = words

    def __getitem__(self, k):
        return str(self.words[k]).lower()


def _negated(word: str) -> bool:
    """``vaderSentiment.negated([word])`` for one word."""
    from vaderSentiment.vaderSentiment import NEGATE

    return word in _NEGATE_SET.setdefault("set", frozenset(NEGATE)) or "n't" in word


_NEGATE_SET: dict = {}


class FastVader(SentimentIntensityAnalyzer):
    """VADER with the project's lexicon edits and the same scores, faster on typical feedback.

    Two exact shortcuts: ASCII text has no emoji to translate (VADER loops over every character for that), and a
    text none of whose tokens is in the lexicon scores ``compound = pos = neg = 0``, ``neu = 1`` (0 if it has no
    token). ``scores(texts)`` returns an (n, 4) array: compound, pos, neg, neu.
    """

    _PUNCT = string.punctuation

    def __init__(self):
        super().__init__()
        for word in NEUTRAL_WORDS:
            self.lexicon.pop(word, None)
        self._lex = self.lexicon

    def _has_lexicon_word(self, text: str) -> bool:
        lex, punct = self._lex, self._PUNCT
        for tok in text.split():
            s = tok.strip(punct)
            if (s if len(s) > 2 else tok).lower() in lex:
                return True
        return False

    def polarity_scores(self, text):
        if text.isascii():
            if not self._has_lexicon_word(text):
                return {"neg": 0.0, "neu": 1.0 if text.split() else 0.0, "pos": 0.0, "compound": 0.0}
            # The parent's emoji loop is a no-op on ASCII text; it then strips the text.
            return self._scores_no_emoji(text.strip())
        return super().polarity_scores(text)

    def _scores_no_emoji(self, text: str) -> dict:
        from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentiText

        sentitext = SentiText(text)
        sentiments: list = []
        words = sentitext.words_and_emoticons
        lex = self._lex
        for i, item in enumerate(words):
            low = item.lower()
            # VADER's sentiment_valence appends 0 for a word outside the lexicon: skip the call for those.
            if low not in lex or low in BOOSTER_DICT or (low == "kind" and i < len(words) - 1
                                                          and words[i + 1].lower() == "of"):
                sentiments.append(0)
                continue
            sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
        sentiments = self._but_check(words, sentiments)
        return self.score_valence(sentiments, text)

    @staticmethod
    def _negation_check(valence, words_and_emoticons, start_i, i):
        """VADER's own negation check, without lower-casing the whole sentence for every lexicon word."""
        from vaderSentiment.vaderSentiment import N_SCALAR

        w = _LowerView(words_and_emoticons)
        if start_i == 0:
            if _negated(w[i - (start_i + 1)]):
                valence = valence * N_SCALAR
        if start_i == 1:
            if w[i - 2] == "never" and (w[i - 1] == "so" or w[i - 1] == "this"):
                valence = valence * 1.25
            elif w[i - 2] == "without" and w[i - 1] == "doubt":
                valence = valence
            elif _negated(w[i - (start_i + 1)]):
                valence = valence * N_SCALAR
        if start_i == 2:
            if w[i - 3] == "never" and (w[i - 2] == "so" or w[i - 2] == "this") or (w[i - 1] == "so" or w[i - 1] == "this"):
                valence = valence * 1.25
            elif w[i - 3] == "without" and (w[i - 2] == "doubt" or w[i - 1] == "doubt"):
                valence = valence
            elif _negated(w[i - (start_i + 1)]):
                valence = valence * N_SCALAR
        return valence

    def scores(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for i, t in enumerate(texts):
            v = self.polarity_scores(t)
            out[i] = (v["compound"], v["pos"], v["neg"], v["neu"])
        return out
