"""The Python API on part of the bundled sample: clustering runs, pain points and the map hang together."""
import numpy as np
import pandas as pd
import pytest

from feedback2journey.painpoints.units import Units
from feedback2journey.run.pipeline import analyze
from feedback2journey.resources import sample_paths
from feedback2journey.schema import PAIN_POINT_COLUMNS


@pytest.fixture(scope="module")
def result(models):
    tickets = next(p for p in sample_paths() if p.name == "tickets.csv")
    frame = pd.read_csv(tickets, dtype=str, keep_default_na=False).head(500)
    return analyze(frame, models.config, models=models)


@pytest.mark.slow
def test_pain_points_are_clustered_and_linked(result):
    pp = result.pain_points
    assert list(pp.columns) == PAIN_POINT_COLUMNS
    assert 3 <= len(pp) <= 40
    assert pp["size"].is_monotonic_decreasing
    seg = result.segments
    sizes = seg["pain_point_id"].value_counts()
    assert (pp.set_index("pain_point_id")["size"] == sizes.reindex(pp["pain_point_id"]).values).all()
    # pain points are made of negative segments, and every quote comes from its cluster
    assert (seg.dropna(subset=["pain_point_id"])["sentiment_label"] == "negative").all()
    # a quote is one item's clustered segments (its negative part), joined
    first = pp.iloc[0]
    of_first = seg[seg["pain_point_id"] == first["pain_point_id"]]
    members = set(Units.of(of_first["item_id"]).texts(of_first["text"]))
    assert 1 <= len(first["quotes"]) <= 5 and all(q in members or "[" in q for q in first["quotes"])
    # the segments of one item share its pain point; labels are plain phrases, not keyword lists
    assert (seg.dropna(subset=["pain_point_id"]).groupby("item_id")["pain_point_id"].nunique() == 1).all()
    assert not pp["label"].str.contains(r"\(.*,", regex=True).any()
    assert (pp["label"].str.split().str.len() <= 12).all()
    # every negative item has a pain point or says why not
    neg = result.items[result.items["sentiment_label"] == "negative"]
    assert (neg["pain_point_id"].notna() | neg["pain_point_note"].notna()).all()
    assert result.items.loc[result.items["pain_point_id"].notna(), "pain_point_note"].isna().all()
    # the item's pain point label is the cluster's label
    items = result.items.dropna(subset=["pain_point_id"])
    labels = dict(zip(pp["pain_point_id"], pp["label"]))
    assert (items["pain_point"] == items["pain_point_id"].map(labels)).all()


@pytest.mark.slow
def test_same_input_same_seed_same_clusters(result, models):
    tickets = next(p for p in sample_paths() if p.name == "tickets.csv")
    frame = pd.read_csv(tickets, dtype=str, keep_default_na=False).head(500)
    again = analyze(frame, models.config, models=models)
    assert again.segments["pain_point_id"].fillna("-").tolist() == result.segments["pain_point_id"].fillna("-").tolist()


@pytest.mark.slow
def test_journey_aggregates_match_segments(result):
    j = result.journey
    analyzed = result.segments[result.segments["sentiment_label"] != "not_analyzed"]  # other languages: left out
    assert j["totals"]["segments"] == len(analyzed)
    assert sum(s["volume"] for s in j["stages"]) == len(analyzed)
    assert sum(c["volume"] for c in j["cells"]) == len(analyzed)
    stage_ids = [s["id"] for s in j["stages"]]
    order = result.journey and [s.id for s in result_config_stages(result)]
    assert [s for s in order if s in stage_ids] == [s for s in stage_ids if s != "unclassified"]
    delivery = next(s for s in j["stages"] if s["id"] == "delivery")
    seg = result.segments[result.segments["stage"] == "delivery"]
    assert np.isclose(delivery["mean_sentiment"], seg["sentiment"].mean(), atol=1e-3)


def result_config_stages(result):
    from feedback2journey.config import load_config

    return load_config().taxonomy.stages


@pytest.mark.slow
def test_analyze_accepts_paths_and_writes(tmp_path, models):
    from conftest import FIXTURES

    res = analyze([FIXTURES / "survey_nps.csv"], models.config, models=models)
    paths = res.write(tmp_path / "out")
    assert paths["report.html"].exists()
    assert res.journey["totals"]["kpi"]["nps"]["n"] == len(res.items)
