"""Segment: an item's text cleaned (HTML, quoted replies, signatures), personal data masked, and split into
sentences and clauses; ``phrases`` matches taxonomy keywords whatever their inflection."""
from feedback2journey.text.clean import analysis_text, clean_text
from feedback2journey.text.phrases import PhraseEvidence, keyword_pattern
from feedback2journey.text.redact import QuoteRedactor, mask_pii
from feedback2journey.text.segment import Segmenter

__all__ = ["PhraseEvidence", "QuoteRedactor", "Segmenter", "analysis_text", "clean_text", "keyword_pattern",
           "mask_pii"]
