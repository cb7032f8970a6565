"""A mixed-language export (tests/fixtures/mixed_languages.csv, written for this test): exact language counts,
no pain point from another language, and a report that lists what was not analyzed (issue 23)."""
import json

import pandas as pd
import pytest

from feedback2journey.painpoints.units import Units
from feedback2journey.run.pipeline import analyze
from feedback2journey.schema import NOT_ANALYZED

from conftest import FIXTURES


@pytest.fixture(scope="module")
def mixed_run(models, tmp_path_factory):
    out = tmp_path_factory.mktemp("mixed")
    res = analyze([FIXTURES / "mixed_languages.csv"], models.config, models=models)
    res.write(out)
    return res, out


def test_languages_are_counted_exactly(mixed_run):
    res, out = mixed_run
    info = json.loads((out / "run.json").read_text())
    assert info["languages"] == {"analyzed": ["en"], "items": {"en": 43, "de": 12, "es": 6, "fr": 3},
                                 "not_analyzed_items": 20, "not_analyzed_segments": 22, "mixed_items": 2}
    assert info["rows_read"] == 70 == info["analyzed"] + info["rejected"] and info["rejected"] == 6
    items = pd.read_csv(out / "items.csv")
    assert (items["language"] == items["written_in"].replace({"mixed": None})).sum() == 62  # all but the 2 mixed
    assert set(items.loc[items["written_in"].isin(["de", "es", "fr"]), "stage"]) == {NOT_ANALYZED}


def test_no_pain_point_comes_from_another_language(mixed_run):
    res, out = mixed_run
    seg = pd.read_parquet(out / "segments.parquet")
    assert seg.loc[seg["language"] != "en", "pain_point_id"].isna().all()
    left = seg[seg["language"] != "en"]
    assert (left[["stage", "touchpoint", "sentiment_label", "emotion"]] == NOT_ANALYZED).all().all()
    assert left["sentiment"].isna().all()
    assert len(res.pain_points) >= 1  # English complaints do form one: the test is not vacuous
    # a quote is an item's clustered (English) segments joined: never a word of another language
    clustered = seg[seg["pain_point_id"].notna()]
    assert (clustered["language"] == "en").all()
    english = set(Units.of(clustered["item_id"]).texts(clustered["text"]))
    for quotes in res.pain_points["quotes"]:
        assert all(q in english or "[name]" in q for q in quotes)
    # the map counts analyzed segments only
    assert sum(s["volume"] for s in res.journey["stages"]) == int((seg["language"] == "en").sum())
    assert res.journey["totals"]["items"] == 64 - 20


def test_mixed_items_are_judged_by_their_segments(mixed_run):
    res, out = mixed_run
    seg = pd.read_parquet(out / "segments.parquet")
    items = pd.read_csv(out / "items.csv").set_index("item_id")
    for item_id, other in (("M51", "de"), ("M52", "es")):
        langs = seg.loc[seg["item_id"] == item_id, "language"].tolist()
        assert langs == ["en", other]
        assert items.loc[item_id, "stage"] != NOT_ANALYZED


def test_rejects_say_why_text_was_no_language(mixed_run):
    res, out = mixed_run
    rejected = pd.read_csv(out / "rejected.csv")
    assert sorted(rejected["reason"]) == sorted([
        "emoji or symbols only, no words", "only a link, e-mail address or @handle, no words",
        "only a link, e-mail address or @handle, no words", "ticket system boilerplate only, no customer text",
        "automatic reply (out of office or auto-response), not feedback", "keyboard mashing, no words"])


def test_report_lists_what_was_not_analyzed_escaped(mixed_run):
    res, out = mixed_run
    html = (out / "report.html").read_text()
    section = html[html.index('id="not-analyzed"'):html.index("</section>", html.index('id="not-analyzed"'))]
    assert "Not analyzed: 12 items in German, 5 in Spanish, 3 in French" in section
    assert "2 mixed-language items were analyzed in part" in section
    assert "&lt;3" in section and "<3" not in section  # a German example, escaped
