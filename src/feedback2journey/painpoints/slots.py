"""Entity-insensitive clustering vectors: find interchangeable slot fillers (plan, product, person and place
names) in a corpus and mask them before the vectors that pain points are clustered on are computed.

Why: a sentence vector (MiniLM) is dominated by its name-like words. On Bitext, "create a Platinum account",
"delete my Platinum account" and "switch to the Platinum plan" came out as one cluster (by plan), while
"create a Gold account" went elsewhere: the clusters followed the entity, not the request. Masking the
slot filler ("create a [MASK] account") leaves the request to the vector.

Detection is corpus-level and uses no word list:

1. **Candidates**: spans of capitalised words that are not capitalised by convention (the first word of a
   sentence, "I"): "Platinum", "Anna Freeman", "Mr. Smith", "Toronto", "ATM".
2. **Frames**: each candidate occurrence's two words on either side ("create a _ account ."), lowercased.
3. **Paradigm test**: a candidate value is a slot filler when at least ``min_partners`` other candidate
   values each share at least ``min_shared`` distinct frames with it, counting only frames with a content
   word (not a stop, filler or sentiment word): it is one value of a slot that many values fill in the
   same sentences. A name that merely recurs (ATM, PIN, an app name) has no such
   partners and is kept; so is everything in data that is not templated enough to show the pattern.
4. **Masking**: every occurrence of a slot value in a text (case-insensitive, so "platinum" too; acronyms
   only in the casing seen, so "US" but not "us") becomes ``[MASK]``. Quotes and labels keep the original
   text; only the clustering vectors of texts that contain a slot value are re-encoded (once per distinct
   masked text).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

MASK = "[MASK]"
MIN_PARTNERS = 3
MIN_SHARED = 3
WIDTH = 2  # words of frame on either side

_CAP_SPAN = re.compile(r"(?<![\w'])[A-Z][\w'&-]*\.?(?:\s+[A-Z][\w'&-]*\.?)*")
_TITLE = re.compile(r"(?:Mr|Mrs|Ms|Dr|St)\.")
_PRONOUN_I = frozenset({"I", "I'm", "I'd", "I've", "I'll"})
_WORD = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")
_LETTERS = re.compile(r"[A-Za-z]")


def candidate_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of name-like words: runs of capitalised words, minus a sentence's first word and "I".
    A text written mostly in capitals (or title case) has none: its capitals say nothing."""
    words = text.split()
    if not words or sum(w[:1].isupper() for w in words) > len(words) / 2:
        return []
    spans = []
    for m in _CAP_SPAN.finditer(text):
        s, e = m.span()
        last = text[s:e].split()[-1]
        if last.endswith(".") and not _TITLE.fullmatch(last):
            e -= 1  # a sentence's full stop is not part of the name
        before = text[:s].rstrip()
        if not before or before[-1] in ".!?:;\"(\n":  # capitalised by convention: drop the first word
            rest = text[s:e].split(None, 1)
            if len(rest) == 1:
                continue
            s = e - len(rest[1])
        if text[s:e] in _PRONOUN_I:
            continue
        spans.append((s, e))
    return spans


def _frame(text: str, s: int, e: int, width: int = WIDTH) -> tuple[str, ...]:
    left = ["<s>"] * width + _WORD.findall(text[:s].lower())
    right = _WORD.findall(text[e:].lower()) + ["</s>"] * width
    return tuple(left[-width:]) + tuple(right[:width])


@dataclass
class SlotMasker:
    """Slot values (lowercase) -> the surface forms seen; ``mask`` replaces their occurrences by ``[MASK]``."""

    surfaces: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self):
        alts = []
        for value, forms in self.surfaces.items():
            if any(f.isupper() for f in forms):  # an acronym: only as seen ("US", not the pronoun "us")
                alts += [re.escape(f) for f in forms]
            else:
                alts.append("(?i:" + re.escape(value) + ")")
        alts = sorted(set(alts), key=lambda a: (-len(a), a))
        self._pattern = re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)") if alts else None

    def __bool__(self) -> bool:
        return bool(self.surfaces)

    def mask(self, text: str) -> str:
        if self._pattern is None or not self._pattern.search(text):
            return text
        out = self._pattern.sub(MASK, text)
        out = re.sub(r"(?:\[MASK\][\s.]*){2,}", MASK + " ", out)  # "Mr. [MASK] [MASK]" -> one mask
        return re.sub(r"\s+", " ", out).strip()


def _content(frame: tuple[str, ...], stop: frozenset[str]) -> bool:
    """A frame with a content word ("create a _ account"): "in the _ ." is shared by any two place names
    (on Banking77, ATM, US and EU shared only such frames)."""
    return any(len(w) > 2 and w.isalpha() and w not in stop for w in frame)


def find_slots(texts: Sequence[str], min_partners: int = MIN_PARTNERS, min_shared: int = MIN_SHARED,
               expand: bool = True) -> SlotMasker:
    """The slot fillers of a corpus (see the module docstring). Each distinct text counts once."""
    from feedback2journey.painpoints.labels import non_topical_words

    stop = non_topical_words()
    frames: dict[str, set] = defaultdict(set)  # value -> distinct frames
    forms: dict[str, Counter] = defaultdict(Counter)
    for text in dict.fromkeys(texts):
        for s, e in candidate_spans(text):
            surface = text[s:e]
            value = surface.lower()
            if not _LETTERS.search(value):
                continue
            frames[value].add(_frame(text, s, e))
            forms[value][surface] += 1
    fillers: dict[tuple, set] = defaultdict(set)  # frame -> values seen in it
    for value, fs in frames.items():
        for f in fs:
            if _content(f, stop):
                fillers[f].add(value)
    slots = {v: sorted(forms[v]) for v, fs in frames.items() if _paradigm(v, fs, fillers, min_partners, min_shared)}
    if slots and expand:  # lowercase words in the same slot: "create a free account" beside "a Gold account"
        in_slot: dict[tuple, set] = defaultdict(set)
        for f, values in fillers.items():
            in_slot[f] = values & slots.keys()
        words: dict[str, set] = defaultdict(set)
        for text in dict.fromkeys(texts):
            toks = ["<s>"] * WIDTH + _WORD.findall(text.lower()) + ["</s>"] * WIDTH
            for i in range(WIDTH, len(toks) - WIDTH):
                w = toks[i]
                if w.isalpha() and len(w) > 2 and w not in stop and w not in slots:
                    f = tuple(toks[i - WIDTH:i]) + tuple(toks[i + 1:i + 1 + WIDTH])  # as _frame
                    if in_slot.get(f):
                        words[w].add(f)
        slots.update({w: [w] for w, fs in words.items() if _paradigm(w, fs, in_slot, min_partners, min_shared)})
    return SlotMasker(dict(sorted(slots.items())))


def _paradigm(value: str, frames: set, fillers: dict, min_partners: int, min_shared: int) -> bool:
    """At least ``min_partners`` other values share at least ``min_shared`` of ``frames`` with ``value``."""
    shared = Counter(u for f in frames for u in fillers.get(f, ()) if u != value)
    return sum(n >= min_shared for n in shared.values()) >= min_partners


def masked_vectors(texts: Sequence[str], embeddings: np.ndarray, masker: SlotMasker,
                   encode: Callable[[list[str]], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``embeddings`` with the rows whose text contains a slot value re-encoded from the masked text (each
    distinct masked text once), and those rows' indices. Unchanged input when nothing is masked."""
    if not masker:
        return embeddings, np.zeros(0, dtype=int)
    masked = [masker.mask(t) for t in texts]
    rows = np.array([i for i, (a, b) in enumerate(zip(texts, masked)) if a != b], dtype=int)
    if not len(rows):
        return embeddings, rows
    distinct = list(dict.fromkeys(masked[i] for i in rows))
    vecs = np.asarray(encode(distinct), dtype=np.float32)
    where = {t: k for k, t in enumerate(distinct)}
    out = np.array(embeddings, dtype=np.float32, copy=True)
    out[rows] = vecs[[where[masked[i]] for i in rows]]
    return out, rows
