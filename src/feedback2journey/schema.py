"""The published output contract. Later versions may add columns, never remove or rename these."""
from __future__ import annotations

SCHEMA_VERSION = "1.0"

# items.parquet / items.csv: one row per analyzed input row, then the input's own columns unchanged.
OUTPUT_COLUMNS = ["item_id", "source", "text", "stage", "touchpoint", "channel", "sentiment", "sentiment_label",
                  "emotion", "pain_point_id", "pain_point"]
ITEM_EXTRA_COLUMNS = ["row_number", "stage_group", "effort", "date", "score", "score_kind", "segment", "truncated",
                      "language",  # the item's language (its main one when mixed); "zxx": no language (issue #23)
                      "mixed",  # praise and a complaint in one item (then sentiment_label is negative; issue 20)
                      "pain_point_note"]  # why an item clustering looked at (or a negative one) has no pain point

# segments.parquet: one row per sentence/clause.
SEGMENT_COLUMNS = ["item_id", "segment_index", "start", "end", "text", "stage", "stage_confidence", "touchpoint",
                   "touchpoint_confidence", "channel", "sentiment", "sentiment_label", "emotion", "pain_point_id"]
SEGMENT_EXTRA_COLUMNS = ["stage_group", "stage_evidence", "touchpoint_evidence", "emotion_intensity", "effort", "source",
                         "emotions",  # every emotion found, "name:intensity;..." (issue #4)
                         "language",  # ISO 639-1 code, "zxx" for no language; outside settings.languages: not analyzed
                         "mixed"]  # both polarities in the segment (accurate mode's encoder; fast mode: False)
# stage, touchpoint, sentiment_label and emotion of rows left out of the analysis (another language, or none)
NOT_ANALYZED = "not_analyzed"

# rejected.csv: every input row that was not analyzed.
REJECT_COLUMNS = ["source", "row_number", "item_id", "reason", "text"]

# pain_points.csv
PAIN_POINT_COLUMNS = ["pain_point_id", "label", "keywords", "size", "items", "share_of_negative", "mean_sentiment",
                      "priority", "top_stage", "top_touchpoint", "stages", "touchpoints", "quotes",
                      # added with stable ids + curation (issue #5)
                      "auto_label", "pinned", "change", "impact", "impact_kind", "trend",
                      # a roll-up of close pain points, so a long list reads as a few tens of themes
                      "theme_id", "theme"]

# pain_points.csv columns that hold JSON (lists and objects) in a CSV cell
PAIN_POINT_JSON_COLUMNS = ("keywords", "stages", "touchpoints", "quotes", "trend")

UNCLASSIFIED = "unclassified"
