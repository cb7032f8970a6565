"""Mask personal data before it reaches an export or the report.

Two levels, both on by default (``--no-redact`` turns them off):
- ``mask_pii`` (patterns checked by maintained libraries, tens of thousands of texts/s): e-mail addresses,
  URLs, IBANs (any that looks like one), payment cards (Luhn-valid), phone numbers (libphonenumber's rules, via
  ``phonenumbers``, for international numbers and the national formats of ``PHONE_REGIONS``), IP addresses
  (``ipaddress``), national ids (US SSN, UK NINO (pattern and issued prefixes), Spanish DNI/NIE, Italian codice fiscale, French NIR, Dutch BSN
  after its name; ``python-stdnum`` checks), postal codes where they are recognisable (UK postcodes; a 4-5 digit
  code before a capitalised town; a US ZIP after a state code) and street addresses. Zero-width and bidi
  control characters are removed first (``clean.strip_invisible``): they hide an address from any pattern.
  Applied to every item's cleaned text at ingest, so items, segments, offsets, models and exports all see the
  masked text. Recall and false positives: ``benchmarks/pii.py`` on ``tests/fixtures/pii_cases.jsonl``.
- ``QuoteRedactor`` (spaCy NER, ~1,000 texts/s): also masks people's names. Applied only to the quotes shown
  in the report and pain point table, where a name is most exposed and the volume is small.

A mask replaces exactly what it matched: the space or punctuation after it stays.
"""
from __future__ import annotations

import ipaddress
import re

from feedback2journey.resources import SPACY_MODEL
from feedback2journey.text.clean import strip_invisible

# national formats tried for numbers without a country code (international ones are read in any region)
PHONE_REGIONS = ("US", "GB", "DE", "FR", "NL", "ES", "IT")

_STREET_WORDS = (r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|court|ct|way|place|pl|boulevard|blvd|"
                 r"crescent|terrace|square|sq|gardens|strasse|straße|str|calle|rue|via|weg|laan|straat")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
# 13-19 digits in groups split by one space, dash or dot; ends on a digit (the next space is not eaten)
_CARD = re.compile(r"(?<![\w.-])\d(?:[ .-]?\d){12,18}(?![\w]|[.-]\d)")
_IPV4 = re.compile(r"(?<![\w.])(?<!v)(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_DNI = re.compile(r"\b[XYZ]?\d{7,8}-?[A-Z]\b")
_CF = re.compile(r"\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b")
_NIR = re.compile(r"\b[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b")
_BSN = re.compile(r"(?i:\b(?:bsn|burgerservicenummer)\b[\s:#-]*)(\d{9})\b")
_UK_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}\b")
_TOWN_POSTCODE = re.compile(r"\b\d{4}(?: ?[A-Z]{2}|\d)?(?= [A-ZÄÖÜÉ][a-zäöüßéèàç]+\b)")
_US_ZIP = re.compile(r"\b([A-Z]{2} )\d{5}(?:-\d{4})?\b")
# a phone number candidate: 7-15 digits with the separators people write (spaces, dots, dashes, slashes,
# brackets), optionally "+" or "00" first; libphonenumber decides whether it is a number
_PHONE_CANDIDATE = re.compile(r"[+(\d][\d ()./-]{5,20}\d(?![\w]|[./-]\d)")  # starts on a class: fast to skip
_DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_ADDRESS = re.compile(rf"\b\d{{1,5}}[a-z]?,? (?:[A-Z][\w'-]+ ){{1,3}}(?:{_STREET_WORDS})\b\.?", re.I)
# "12 rue de la Paix", and the street-first order of German and Dutch ("Hauptstraße 12", "Kerkstraat 5a")
_ADDRESS_FR = re.compile(r"\b\d{1,4}(?: ?bis| ?ter)?,? (?:rue|avenue|boulevard|bd|place|allée|impasse|chemin|quai) "
                         r"(?:(?:de la|de l'|des|du|de|d') ?)?[A-ZÉ][\w'-]+", re.I)
_ADDRESS_STREET_FIRST = re.compile(r"\b[A-ZÄÖÜ][\w-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|"
                                   r"straat|laan|gracht|plein|kade|steeg|dijk) \d{1,5}[a-z]?\b")
PII_TOKENS = ("[email]", "[url]", "[iban]", "[card]", "[phone]", "[ip]", "[id]", "[postcode]", "[address]", "[name]")

_DIGIT_RUN = re.compile(r"\d+")


def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _card(m: re.Match) -> str:
    digits = re.sub(r"\D", "", m.group())
    return "[card]" if 13 <= len(digits) <= 19 and _luhn(digits) else m.group()


def _ip(m: re.Match) -> str:
    before = m.string[max(0, m.start() - 12): m.start()].lower()
    if re.search(r"(?:version|release|build|firmware|v)\s*$", before):  # "version 1.2.3.4" is not an address
        return m.group()
    try:
        ipaddress.ip_address(m.group())
    except ValueError:
        return m.group()
    return "[ip]"


def _checked(validator):
    def sub(m: re.Match) -> str:
        try:
            ok = validator(m.group())
        except Exception:  # noqa: BLE001 - stdnum raises its own types for odd input
            ok = False
        return "[id]" if ok else m.group()
    return sub


def _stdnum(module: str):
    import importlib

    return importlib.import_module(f"stdnum.{module}").is_valid


def _phone(m: re.Match) -> str:
    import phonenumbers

    raw = m.group()
    if m.start() and (m.string[m.start() - 1].isalnum() or m.string[m.start() - 1] in "_+/.-"):
        return raw  # inside a word, a version or a longer number
    digits = re.sub(r"\D", "", raw)
    if _DATE_LIKE.match(raw) or not 7 <= len(digits) <= 15:
        return raw
    # an order, invoice or account number ("1234567890", "2024-0042") unless it starts like a phone number
    # (+, 00, 0, a bracket) or is written in three or more groups ("612 345 678", "202-555-0178")
    if not raw.startswith(("+", "0", "(")) and len(re.findall(r"\d+", raw)) < 3:
        return raw
    text = "+" + raw[2:] if raw.startswith("00") else raw
    for region in (None,) if text.startswith("+") else PHONE_REGIONS:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(text, region)):
                return "[phone]"
        except phonenumbers.NumberParseException:
            continue
    return raw


_ID_CHECKS: list | None = None


def _id_checks() -> list:
    global _ID_CHECKS
    if _ID_CHECKS is None:
        # (pattern, check, whether it can match: total digits, longest digit run, text)
        _ID_CHECKS = [(_SSN, _checked(_stdnum("us.ssn")), lambda t, n, s: t >= 9 and "-" in s),
                      (_NINO, _checked(_nino), lambda t, n, s: True),
                      (_DNI, _checked(lambda v: _stdnum("es.dni")(v) or _stdnum("es.nie")(v)), lambda t, n, s: n >= 7),
                      (_CF, _checked(_stdnum("it.codicefiscale")), lambda t, n, s: t >= 7),
                      (_NIR, _checked(_stdnum("fr.nir")), lambda t, n, s: t >= 13)]
    return _ID_CHECKS


def _nino(value: str) -> bool:
    """UK National Insurance number: the pattern's letters, minus the prefixes HMRC never issues (no stdnum module)."""
    return value[:2] not in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ")


def _bsn(m: re.Match) -> str:
    ok = _stdnum("nl.bsn")(m.group(1))
    return m.group()[: m.start(1) - m.start()] + "[id]" if ok else m.group()


def mask_pii(text: str, gated: bool = True) -> str:
    """``text`` with personal data masked. Each family of patterns needs some digits or a run of a given length,
    so one scan (the digit runs) decides which of the ~15 patterns run at all. ``gated=False`` runs every pattern:
    the reference the gates are tested against (same result). Order: IPs before ids before phone numbers (an
    address or an SSN has a phone number's digits)."""
    every = not gated
    text = strip_invisible(text)
    if every or "@" in text:
        text = _EMAIL.sub("[email]", text)
    if every or "://" in text or "www." in text.lower():
        text = _URL.sub("[url]", text)
    runs = [len(r) for r in _DIGIT_RUN.findall(text)]
    if not runs and not every:
        return text
    total, longest = sum(runs), max(runs, default=0)
    if every or total >= 10:
        text = _IBAN.sub("[iban]", text)
    if every or total >= 13:
        text = _CARD.sub(_card, text)
    if every or len(runs) >= 4 and "." in text:
        text = _IPV4.sub(_ip, text)
    if every or text.count(":") >= 2:
        text = _IPV6.sub(_ip, text)
    if every or total >= 6:
        for pattern, sub, needs in _id_checks():
            if every or needs(total, longest, text):
                text = pattern.sub(sub, text)
    if every or total >= 7:
        if every or longest >= 9 and ("bsn" in text.lower() or "burgerservice" in text.lower()):
            text = _BSN.sub(_bsn, text)
        text = _PHONE_CANDIDATE.sub(_phone, text)
    text = _UK_POSTCODE.sub("[postcode]", text)
    if every or 4 in runs or 5 in runs:
        text = _TOWN_POSTCODE.sub("[postcode]", text)
        text = _US_ZIP.sub(r"\1[postcode]", text)
    if every or any(r <= 5 for r in runs):
        text = _ADDRESS_STREET_FIRST.sub("[address]", text)
        text = _ADDRESS_FR.sub("[address]", text)
        text = _ADDRESS.sub("[address]", text)
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
