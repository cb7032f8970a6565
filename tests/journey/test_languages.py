"""The report's "not analyzed" list and run.json's language counts, from the finished tables."""
import pandas as pd

from feedback2journey.journey.languages import language_counts, not_analyzed_summary
from feedback2journey.schema import NOT_ANALYZED


def _tables():
    items = pd.DataFrame({"item_id": ["a", "b", "c", "d", "e", "f"],
                          "language": ["en", "de", "de", "es", "en", "zxx"],
                          "stage": ["delivery", NOT_ANALYZED, NOT_ANALYZED, NOT_ANALYZED, "support", NOT_ANALYZED]})
    segments = pd.DataFrame({"item_id": ["a", "b", "c", "d", "e", "e", "f"],
                             "sentiment_label": ["negative", NOT_ANALYZED, NOT_ANALYZED, NOT_ANALYZED, "negative",
                                                 NOT_ANALYZED, NOT_ANALYZED]})
    segments["language"] = ["en", "de", "de", "es", "en", "de", "zxx"]
    # item b: an English title, then German: its example is the German segment
    segments = pd.concat([segments.iloc[:1], pd.DataFrame({"item_id": ["b"], "sentiment_label": [NOT_ANALYZED],
                                                            "language": ["en"]}), segments.iloc[1:]], ignore_index=True)
    texts = ["Late.", "Awful", "Zu spät <b>!</b>", "Kaputt.", "Tarde.", "Bad.", "Schlecht.", "Ticket created via web form"]
    return items, segments, texts


def test_counts_per_language_and_what_was_left_out(config):
    items, segments, _ = _tables()
    counts = language_counts(items, segments, config)
    assert counts == {"analyzed": ["en"], "items": {"en": 2, "de": 2, "es": 1, "zxx": 1},
                      "not_analyzed_items": 4, "not_analyzed_segments": 6, "mixed_items": 1}


def test_not_analyzed_lists_languages_most_first_with_examples(config):
    items, segments, texts = _tables()
    summary = not_analyzed_summary(items, segments, config, lambda rows: [texts[r] for r in rows], examples=1)
    assert summary["text"] == ("not analyzed: 2 items in German, 1 in Spanish, "
                               "1 in no language (boilerplate, links, gibberish)")
    assert [(x["code"], x["items"], x["examples"]) for x in summary["languages"]] == [
        ("de", 2, ["Zu spät <b>!</b>"]), ("es", 1, ["Tarde."]), ("zxx", 1, ["Ticket created via web form"])]
    assert summary["mixed_items"] == 1 and summary["analyzed_languages"] == ["English"]
