"""What the map covers and what it left out: items per language, and the "not analyzed" list of the report.

Items whose segments are all in a language outside ``settings.languages`` (or in no language: boilerplate,
links, keyboard mashing) keep their rows in the outputs with ``stage`` ``not_analyzed``; here they are counted
per language, with a few examples, so the report can say "not analyzed: 212 items in German, 40 in Spanish".
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from feedback2journey.config import Config
from feedback2journey.text.language import NOT_ANALYZED, language_name

EXAMPLE_CHARS = 160


def _per_language(values: pd.Series) -> dict[str, int]:
    counts = values.fillna("und").astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def language_counts(items: pd.DataFrame, segments: pd.DataFrame, config: Config) -> dict:
    """run.json's ``languages``: the analyzed languages, items per language (an item counts once, in its main
    language), items left out, and items analyzed in part (mixed: some segments in another language)."""
    left_out = items["stage"] == NOT_ANALYZED
    seg_out = segments["sentiment_label"] == NOT_ANALYZED if len(segments) else pd.Series([], dtype=bool)
    partly = set(segments.loc[seg_out, "item_id"]) - set(items.loc[left_out, "item_id"]) if len(segments) else set()
    return {"analyzed": list(config.settings.languages),
            "items": _per_language(items["language"]) if "language" in items else {},
            "not_analyzed_items": int(left_out.sum()),
            "not_analyzed_segments": int(seg_out.sum()),
            "mixed_items": len(partly)}


def not_analyzed_summary(items: pd.DataFrame, segments: pd.DataFrame, config: Config, text_of,
                         examples: int = 3) -> dict:
    """The report's "not analyzed" section: items left out per language (most first), each with up to
    ``examples`` example texts (the first segment of the first items; ``text_of(rows)`` reads segment texts
    by run-wide row number), and the count of items analyzed only in part."""
    left = items.loc[items["stage"] == NOT_ANALYZED, ["item_id", "language"]] if "language" in items \
        else items.iloc[0:0].assign(language=None)
    counts = _per_language(left["language"]) if len(left) else {}
    langs = []
    rows_of = segments.assign(_row=np.arange(len(segments)))
    for code, n in counts.items():
        ids = left.loc[left["language"].fillna("und") == code, "item_id"].head(examples)
        # an example in that language: the item's first segment in it (a review's English title is not one)
        mine = rows_of[rows_of["item_id"].isin(set(ids))]
        if "language" in mine:
            mine = pd.concat([mine[mine["language"] == code], mine])
        first = mine.drop_duplicates("item_id").set_index("item_id")["_row"]
        rows = [int(r) for r in ids.map(first).dropna()]
        texts = [t if len(t) <= EXAMPLE_CHARS else t[:EXAMPLE_CHARS - 1] + "…" for t in text_of(rows)] if rows else []
        langs.append({"code": code, "name": language_name(code), "items": n, "examples": texts})
    counted = language_counts(items, segments, config)
    phrase = ", ".join(f"{x['items']} item{'s' if x['items'] != 1 else ''} in {x['name']}" if i == 0 else
                       f"{x['items']} in {x['name']}" for i, x in enumerate(langs))
    return {"analyzed_languages": [language_name(c) for c in config.settings.languages],
            "items": int(len(left)), "segments": counted["not_analyzed_segments"],
            "mixed_items": counted["mixed_items"], "languages": langs,
            "text": f"not analyzed: {phrase}" if langs else ""}
