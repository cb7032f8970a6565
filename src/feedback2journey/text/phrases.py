"""Keyword evidence: which labels' keywords occur in a text, matched on normalised tokens.

A spaCy ``PhraseMatcher`` compares a normal form of each token (lowercase, inflection removed by
:func:`normalise_word`: "refunds", "refunded", "refunding" -> "refund"; "paid" -> "pay"), computed the same way
for the keywords and the text. Used by ``classify.py`` (stage, touchpoint, channel keywords).

Throughput: tokenising is most of the cost, so each distinct text of a call is tokenised and matched once
(segments repeat a lot: greetings, closers, boilerplate), and norms are written with one ``Doc.from_array``.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from feedback2journey.config import Label

# Irregular forms that matter in feedback; everything else goes through the suffix rules below.
_IRREGULAR = {
    "paid": "pay", "sent": "send", "bought": "buy", "got": "get", "gotten": "get", "gave": "give",
    "given": "give", "took": "take", "taken": "take", "made": "make", "told": "tell", "said": "say",
    "came": "come", "went": "go", "gone": "go", "left": "leave", "lost": "lose", "broke": "break",
    "broken": "break", "spoke": "speak", "spoken": "speak", "rang": "ring", "rung": "ring", "hung": "hang",
    "wrote": "write", "written": "write", "chose": "choose", "chosen": "choose", "found": "find",
    "kept": "keep", "felt": "feel", "brought": "bring", "caught": "catch", "sold": "sell", "won": "win",
    "forgot": "forget", "forgotten": "forget", "did": "do", "done": "do", "does": "do", "had": "have",
    "has": "have", "was": "be", "were": "be", "is": "be", "are": "be", "been": "be", "am": "be",
    "children": "child", "people": "person", "men": "man", "women": "woman", "knew": "know", "known": "know",
    "saw": "see", "seen": "see", "stole": "steal", "stolen": "steal", "shipt": "ship", "heard": "hear",
    "charged": "charge", "received": "receive", "emails": "email", "e-mails": "email", "e-mail": "email",
}
_KEEP = {"this", "his", "its", "us", "yes", "was", "bus", "gas", "plus", "news", "always", "series",
         "analysis", "status", "address", "business", "access", "less", "process", "express", "glass",
         "across", "thanks", "during", "nothing", "something", "anything", "everything", "morning", "evening",
         "bring", "thing", "string", "king", "ring", "sing", "wing", "need", "feed", "speed", "seed", "red",
         "bed", "shed", "used", "ed"}


@lru_cache(maxsize=200_000)
def normalise_word(word: str) -> str:
    """A crude, consistent inflection normal form (not a dictionary lemma): keywords and text get the same.

    Lowercase; irregular forms mapped ("paid" -> "pay"); then -ies/-ied -> y, -es after s/x/z/ch/sh, -s,
    -ed, -ing removed; a doubled final consonant is undoubled and a final -e dropped, so
    charge/charges/charged/charging -> "charg", cancel/cancelled/cancelling -> "cancel".
    """
    w = word.lower()
    if w in _IRREGULAR:
        w = _IRREGULAR[w]
    elif len(w) > 3 and w not in _KEEP and w.isalpha():
        if w.endswith("ies") or w.endswith("ied"):
            w = w[:-3] + "y"
        elif re.search(r"(?:ss|x|z|ch|sh)es$", w):
            w = w[:-2]
        elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
        elif w.endswith("ed") and len(w) >= 5:
            w = w[:-2]
        elif w.endswith("ing") and len(w) >= 6:
            w = w[:-3]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouy":
        w = w[:-1]
    if len(w) > 3 and w.endswith("e") and not w.endswith("ee"):
        w = w[:-1]
    return w


@lru_cache(maxsize=1)
def _tokenizer():
    import spacy

    return spacy.blank("en")


_WS = re.compile(r"\s+")


_NORM_IDS: dict[int, int] = {}  # hash of a LOWER string -> hash of its normalise_word form


def _norm_id(lower: int) -> int:
    strings = _tokenizer().vocab.strings
    if len(_NORM_IDS) > 500_000:  # bound the memory of a long-running process
        _NORM_IDS.clear()
    _NORM_IDS[lower] = norm = strings.add(normalise_word(strings[lower]))
    return norm


def _norm_doc(text: str):
    """The tokenised text with norms set; ``user_data["f2j_text"]`` keeps the text, so a match's words are a
    slice of it (``doc.text`` joins every token)."""
    from spacy.attrs import LOWER, NORM

    clean = _WS.sub(" ", text).strip()
    doc = _tokenizer().make_doc(clean)
    if len(doc):  # same as ``tok.norm_ = normalise_word(tok.lower_)`` per token, without a Python call each
        ids = _NORM_IDS
        norms = [ids[h] if h in ids else _norm_id(h) for h in doc.to_array(LOWER).tolist()]
        doc.from_array([NORM], np.asarray(norms, dtype=np.uint64))
        doc.user_data["f2j_text"] = clean
    return doc


def _words(doc, a: int, b: int) -> str:
    """``doc[a:b].text`` (the tokenizer keeps every character, so it is the slice between the tokens' edges)."""
    last = doc[b - 1]
    return doc.user_data["f2j_text"][doc[a].idx:last.idx + len(last)]


_LAST_DOCS: list = [None, None, {}]  # the last list of texts (by identity), its result, and text -> doc


def _norm_docs(texts: Sequence[str]) -> tuple[list, list[int]]:
    """Docs of the distinct texts, and per text the index of its doc. The stage and touchpoint matchers see
    the same list one after the other: the last list's result is kept (by identity) so it is built once, and
    its docs serve the next list's equal texts (segments that are their whole item, for the channel)."""
    if _LAST_DOCS[0] is texts:
        return _LAST_DOCS[1]
    index: dict[str, int] = {}
    inverse = [index.setdefault(t, len(index)) for t in texts]
    last = _LAST_DOCS[2]
    docs = [last[t] if t in last else _norm_doc(t) for t in index]
    result = (docs, inverse)
    if len(texts) > 1:
        _LAST_DOCS[:] = [texts, result, dict(zip(index, docs))]
    return result


class PhraseEvidence:
    """Which label's keywords occur in a text: a spaCy PhraseMatcher over normalised tokens (see above)."""

    def __init__(self, labels: Sequence[Label]):
        from spacy.matcher import PhraseMatcher

        self.n = len(labels)
        self.matcher = PhraseMatcher(_tokenizer().vocab, attr="NORM")
        self.keys: list[int] = []
        for i, lab in enumerate(labels):
            key = f"label{i}"
            self.keys.append(_tokenizer().vocab.strings.add(key))
            patterns = [_norm_doc(k) for k in lab.keywords if k.strip()]
            if patterns:
                self.matcher.add(key, patterns)
        self.index = {k: i for i, k in enumerate(self.keys)}

    def hits(self, texts: Sequence[str]) -> list[list[str | None]]:
        """Per text, per label: the matched phrases as written in the text (lowercase, longest first, joined
        with "', '"), or None. Overlapping matches of one label keep the longest. Rows are read-only."""
        docs, inverse = _norm_docs(texts)
        rows = [self._row(doc) for doc in docs]
        return [rows[k] for k in inverse]  # equal texts share their row: read it, don't change it

    def _row(self, doc) -> list[str | None]:
        found: dict[int, list[tuple[int, int]]] = {}
        for key, start, end in self.matcher(doc):
            found.setdefault(self.index[key], []).append((start, end))
        row: list[str | None] = [None] * self.n
        for i, spans in found.items():
            kept: list[tuple[int, int]] = []
            for start, end in sorted(spans, key=lambda x: (x[0] - x[1], x[0])):  # longest first
                if all(end <= a or start >= b for a, b in kept):
                    kept.append((start, end))
            row[i] = "', '".join(dict.fromkeys(_words(doc, a, b).lower() for a, b in kept))
        return row

    def first(self, text: str) -> int | None:
        """Index of the label whose keyword occurs earliest in the text (None if none)."""
        found = self.matcher(_norm_doc(text))
        if not found:
            return None
        key, _, _ = min(found, key=lambda m: (m[1], -m[2]))
        return self.index[key]


def keyword_pattern(keywords: Sequence[str]):
    """Compatibility helper: an object with ``search(text)`` that matches any keyword (normalised)."""
    if not keywords:
        return None
    ev = PhraseEvidence([Label(id="k", name="k", keywords=tuple(k.lower() for k in keywords))])

    class _Pattern:
        def search(self, text: str):
            return ev.hits([text])[0][0]

    return _Pattern()
