"""Mask personal data before it reaches an export or the report.

Two levels, both on by default (``--no-redact`` turns them off):
- ``mask_pii`` (regex, ~100k texts/s): e-mail addresses, card numbers, IBANs, phone numbers, URLs and street
  addresses. Applied to every item's cleaned text at ingest, so items, segments, offsets, models and exports
  all see the masked text.
- ``QuoteRedactor`` (spaCy NER, ~1,000 texts/s): also masks people's names. Applied only to the quotes shown
  in the report and pain point table, where a name is most exposed and the volume is small.
"""
from __future__ import annotations

import re

from feedback2journey.resources import SPACY_MODEL

_STREET_WORDS = (r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|court|ct|way|place|pl|boulevard|blvd|"
                 r"crescent|terrace|square|sq|gardens|strasse|straße|str|calle|rue|via|weg|laan|straat")
_PATTERNS = [
    ("[email]", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("[url]", re.compile(r"\b(?:https?://|www\.)\S+", re.I)),
    ("[iban]", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")),
    ("[card]", re.compile(r"\b(?:\d[ -]?){13,19}\b")),
    ("[phone]", re.compile(r"(?<![\w])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,5}[ .-]\d{3,4}[ .-]?\d{3,4}(?![\w])")),
    ("[address]", re.compile(rf"\b\d{{1,5}}[a-z]?,? (?:[A-Z][\w'-]+ ){{1,3}}(?:{_STREET_WORDS})\b\.?", re.I)),
]
PII_TOKENS = tuple(token for token, _ in _PATTERNS) + ("[name]",)


_DIGIT = re.compile(r"\d")


def mask_pii(text: str) -> str:
    # Cheap necessary conditions first (most texts hold no PII): e-mails need "@", URLs "://" or "www."
    # (re.I: only "W" lowers to "w"), the other four a digit (\d, as they use). A skipped pattern has no match.
    maybe = ("@" in text, "://" in text or "www." in text.lower())
    maybe += (_DIGIT.search(text) is not None,) * 4
    for (token, pattern), may in zip(_PATTERNS, maybe):
        if may:
            text = pattern.sub(token, text)
    return text


class QuoteRedactor:
    """Regex masking plus spaCy NER for people's names. ``enabled=False`` returns texts unchanged."""

    def __init__(self, enabled: bool = True, use_ner: bool = True):
        self.enabled = enabled
        self.use_ner = use_ner
        self._nlp = None

    @property
    def nlp(self):
        if self._nlp is None:
            import spacy

            # tok2vec + ner only: the tagger, parser and lemmatizer add nothing here.
            self._nlp = spacy.load(SPACY_MODEL, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer"])
        return self._nlp

    def redact(self, texts: list[str]) -> list[str]:
        if not self.enabled:
            return list(texts)
        masked = [mask_pii(t) for t in texts]
        if not self.use_ner or not masked:
            return masked
        out = []
        for text, doc in zip(masked, self.nlp.pipe(masked, batch_size=256)):
            for ent in reversed(doc.ents):
                if ent.label_ == "PERSON" and not ent.text.startswith("["):
                    text = text[: ent.start_char] + "[name]" + text[ent.end_char:]
            out.append(text)
        return out
