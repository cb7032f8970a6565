"""The item roll-up's lead segment (issue 21): a short multi-sentence text takes its stage and touchpoint from
the sentence that has a topic, not from a greeting, a history statement, a loud feeling or a closer. The
segment tables are built by hand (no model); the slow test runs the real pipeline on one such ticket."""
from types import SimpleNamespace

import pandas as pd
import pytest

from feedback2journey.feel.sentiment import SentimentScorer
from feedback2journey.run.finish import _roll_up, lead_segments


def _segments(rows) -> pd.DataFrame:
    cols = ["item_id", "stage", "stage_confidence", "touchpoint", "touchpoint_confidence", "sentiment", "is_closer"]
    seg = pd.DataFrame(rows, columns=cols)
    label = ["negative" if s <= -0.15 else "positive" if s >= 0.15 else "neutral" for s in seg["sentiment"]]
    return seg.assign(sentiment_label=label, emotion="neutral", emotion_intensity=0.0, effort=0.0, mixed=False,
                      channel="email", pain_point_id=None, source="tickets")


# "I've been a customer for years. My parcel never arrived and tracking is stuck. This is really frustrating.
#  Thanks in advance." as the classifier might see it: the history statement and the feeling are given labels
# (both above the thresholds), the feeling is loud and its stage confident, the closer is the surest of all.
TICKET = [
    ("t1", "post_purchase", 0.45, "account_and_login", 0.30, 0.10, False),  # context, no topic
    ("t1", "delivery", 0.70, "delivery_and_courier", 0.85, -0.40, False),  # the request
    ("t1", "support", 0.80, "customer_service", 0.40, -0.90, False),  # a feeling, no topic
    ("t1", "support", 0.99, "customer_service", 0.99, 0.00, True),  # closer
]
# A one-stage taxonomy (the scoreboard's): every stage confidence is 1, so it cannot tell them apart.
ONE_STAGE = [
    ("t2", "any", 1.0, "alarm", 0.51, 0.03, False),  # "Landed at 7 this morning."
    ("t2", "any", 1.0, "baggage", 0.93, -0.55, False),  # the request
    ("t2", "any", 1.0, "news", 0.72, -0.80, False),  # "I'm really worried."
]


def test_the_request_leads_not_the_context_the_feeling_or_the_closer():
    lead = lead_segments(_segments(TICKET + ONE_STAGE))
    assert lead.loc["t1", "touchpoint"] == "delivery_and_courier" and lead.loc["t1", "stage"] == "delivery"
    assert lead.loc["t2", "touchpoint"] == "baggage"


def test_the_old_rule_would_have_let_the_feeling_lead():
    # what this test guards against: confidence x (0.5 + |sentiment|) picks the loud topic-less sentence
    seg = _segments(TICKET + ONE_STAGE)
    seg = seg[~seg["is_closer"]]
    old = seg["stage_confidence"] * (0.5 + seg["sentiment"].abs()) + (seg["stage"] != "unclassified")
    first = seg.assign(w=old).sort_values("w", ascending=False, kind="stable").drop_duplicates("item_id")
    assert set(first["touchpoint"]) == {"customer_service", "news"}


def test_classified_beats_confident_and_a_closer_leads_only_an_item_of_closers():
    seg = _segments([
        ("u1", "unclassified", 0.28, "product", 0.90, -0.20, False),  # touchpoint sure, stage below threshold
        ("u1", "usage", 0.60, "product", 0.40, -0.20, False),  # both classified: leads
        ("u2", "support", 0.95, "customer_service", 0.95, 0.60, True),  # "Thanks so much!" alone
    ])
    lead = lead_segments(seg, content=False)  # a run of closers only: they lead
    assert lead.loc["u2", "touchpoint"] == "customer_service"
    lead = lead_segments(seg)
    assert lead.loc["u1", "stage"] == "usage" and "u2" not in lead.index


def test_the_item_row_takes_the_leads_labels(config):
    seg = _segments(TICKET)
    items = pd.DataFrame({"item_id": ["t1"], "source": ["tickets"], "row_number": [1], "date": [None],
                          "score": [None], "score_kind": [None], "segment": [None], "truncated": [False],
                          "language": ["en"]})
    models = SimpleNamespace(scorer=SentimentScorer(-0.15, 0.15))
    out = _roll_up(items, seg, pd.DataFrame({"pain_point_id": [], "label": []}), models, config)
    row = out.iloc[0]
    assert (row["stage"], row["touchpoint"]) == ("delivery", "delivery_and_courier")
    assert row["stage_group"] == config.taxonomy.stage_group("delivery")


@pytest.mark.slow  # the real models
def test_a_short_ticket_with_context_is_classified_by_its_request(config):
    from feedback2journey import ColumnMapping, analyze

    text = ("Hi team, I've been a customer for years. This is really frustrating. My parcel still hasn't "
            "arrived and the tracking hasn't moved in a week. Thanks in advance.")
    res = analyze(pd.DataFrame({"id": ["a"], "text": [text]}), config, columns=ColumnMapping(text=("text",), id="id"))
    assert res.items.loc[0, "touchpoint"] == "delivery_and_courier"
