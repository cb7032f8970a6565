"""Accurate mode's sentiment: the fine-tuned encoder tapped on the embedding pass (issue 20).

Slow tests run the real MiniLM + the shipped encoder through the pipeline's path: ``Embedder.encode_with`` (one
forward pass gives the vectors and the encoder's rows), then ``SentimentScorer.score(..., encoded=rows)``. A wrong
sign on a hard case fails. Fast tests check the decision logic on hand-made probabilities.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from feedback2journey.feel import encoder as se
from feedback2journey.feel.accurate import closer_only_praise
from feedback2journey.feel.sentiment import SentimentScorer, roll_up_items
from feedback2journey.resources import DEFAULT_MODEL_ID

# Hard cases. NEGATIVE/POSITIVE/NEUTRAL are the rules path's lists (tests/feel/test_sentiment.py) plus the
# encoder's own probes; each is checked through the pipeline path.
NEGATIVE = [
    "I was charged twice.", "I'm not happy with this.", "Still waiting for my refund.",
    "Great, another week without my order.", "Oh brilliant, the app crashed again.",
    "The agent was lovely but my refund still hasn't arrived.",
    "I've called three times and got passed between departments.", "I was on hold for 45 minutes.",
    "Nobody has replied to my emails.", "It's not working.", "The customer service was not helpful at all.",
    "My order arrived damaged.", "Very disappointed with the quality.", "This is absolutely ridiculous, I'm fed up!",
    "Thanks for your help, but I'm still waiting for my refund after three weeks.",
    "Still no refund and nobody answers the phone. Have a lovely day.",
    "The parcel has been stuck at the depot for nine days. Thanks.",
    "Love the app but billing is a mess.", "The staff were lovely but the room was filthy.",
]
POSITIVE = [
    "No problems at all.", "Works fine, no complaints.", "The parcel arrived on time and everything works fine.",
    "The delivery was late but the sofa is absolutely gorgeous.", "Thank you so much, you've been brilliant!",
    "Great service, thanks!", "Love the app.", "The app is easy to use.",
    "Wow, absolutely love it, exceeded my expectations!", "The agent sorted it out in two minutes, brilliant.",
]
NEUTRAL = ["How do I change my delivery address?", "I ordered a lamp on Monday.", "What time do you open on Sunday?"]
CLOSERS = ["Thanks in advance!", "Kind regards,", "Hi team,", "Kind regards, Tom"]


# --------------------------------------------------------------------------- decision logic, no model
class _StubEncoder:
    """The decision surface of ``feel.encoder.SentimentEncoder`` without weights."""

    id = "stub@0"
    dim = 31
    emotion_thresholds = np.full(28, 0.3, np.float32)

    def mixed(self, probs):
        return np.minimum(probs[:, 0], probs[:, 2]) >= 0.2


def _rows(probs, emotions=None):
    probs = np.asarray(probs, np.float32)
    e = np.zeros((len(probs), 28), np.float32) if emotions is None else np.asarray(emotions, np.float32)
    return np.concatenate([probs, e], axis=1)


def _stub_scorer():
    return SentimentScorer(-0.15, 0.15, encoder=_StubEncoder())


def test_encoder_rows_give_score_label_and_mixed():
    s = _stub_scorer()
    texts = ["Love the app but billing is a mess.", "The delivery was late but the sofa is absolutely gorgeous.",
             "I ordered a lamp.", "Great stuff.", "Kind regards, Tom",
             "Thanks for your help, but I'm still waiting for my refund."]
    probs = [[0.45, 0.02, 0.53], [0.4, 0.05, 0.55], [0.1, 0.6, 0.3], [0.02, 0.08, 0.9], [0.05, 0.6, 0.35],
             [0.7, 0.06, 0.24]]
    f = s.score(texts, model_id=DEFAULT_MODEL_ID, encoded=_rows(probs))
    assert f["sentiment_label"].tolist() == ["negative", "positive", "neutral", "positive", "neutral", "negative"]
    assert f["mixed"].tolist() == [True, True, False, False, False, False]  # a closer is not the praise side
    assert f["sentiment"].iloc[3] == pytest.approx(0.88, abs=1e-4)  # p_pos - p_neg
    assert f["sentiment"].iloc[2] == pytest.approx(0.2, abs=1e-4)  # neutral argmax keeps its calibrated score
    assert f["sentiment"].iloc[0] <= -0.15 and f["is_closer"].iloc[4] and f["sentiment"].iloc[4] == 0
    assert s.method_for(DEFAULT_MODEL_ID) == "stub@0+rules"
    assert s.method_for("f2j-static-minilm-v1", 256) != "stub@0+rules"  # fast mode keeps the head + rules


def test_sarcasm_and_negated_praise_rules_still_apply():
    s = _stub_scorer()
    texts = ["Great, another week without my order.", "The customer service was not helpful at all."]
    f = s.score(texts, model_id=DEFAULT_MODEL_ID, encoded=_rows([[0.1, 0.1, 0.8], [0.2, 0.2, 0.6]]))
    assert f["sentiment_label"].tolist() == ["negative", "negative"] and (f["sentiment"] < 0).all()


def test_emotions_mapped_with_their_intensity():
    e = np.zeros((2, 28), np.float32)
    e[0, se.EMOTIONS.index("annoyance")] = 0.8
    e[1, se.EMOTIONS.index("gratitude")] = 0.9
    e[1, se.EMOTIONS.index("joy")] = 0.5
    f = _stub_scorer().score(["This is annoying.", "Thank you!! So happy."], model_id=DEFAULT_MODEL_ID,
                             encoded=_rows([[0.9, 0.05, 0.05], [0.01, 0.04, 0.95]], e))
    assert f["emotion"].tolist() == ["frustration", "gratitude"]
    assert f["emotion_intensity"].tolist() == pytest.approx([0.8, 0.9], abs=1e-3)
    assert f["emotions"].iloc[1] == "gratitude:0.90;delight:0.50"


def test_closer_only_praise():
    assert closer_only_praise("thanks for your help, but i'm still waiting")
    assert not closer_only_praise("love the app but billing is a mess")


def test_roll_up_mixed_item_is_flagged_and_a_complaint_weighs_more_than_praise():
    s = SentimentScorer(head=False)
    seg = pd.DataFrame({
        "item_id": ["a", "a", "b", "b", "c", "c", "d", "d"],
        "sentiment": [0.8, -0.7, -0.6, 0.9, 0.7, 0.6, 0.8, -0.3],
        "sentiment_label": ["positive", "negative", "negative", "positive", "positive", "positive", "positive",
                            "negative"],
        "emotion": ["delight", "frustration", "frustration", "gratitude", "delight", "satisfaction", "delight",
                    "disappointment"],
        "emotion_intensity": [0.8, 0.5, 0.6, 0.9, 0.7, 0.6, 0.8, 0.3], "effort": 0.0,
        "is_closer": [False] * 8, "mixed": [False] * 8})
    out = roll_up_items(seg, s).set_index("item_id")
    # "love the app but billing is a mess": as strong either way, the complaint wins (it weighs 1.5x)
    assert out.loc["a", "sentiment_label"] == "negative" and out.loc["a", "mixed"]
    assert out.loc["b", "sentiment_label"] == "negative" and not out.loc["b", "mixed"]  # thanks is politeness
    assert out.loc["c", "sentiment_label"] == "positive" and not out.loc["c", "mixed"]
    # "love this dress, runs a bit long": a small wish in a glowing review is mixed, not a complaint
    assert out.loc["d", "sentiment_label"] == "positive" and out.loc["d", "mixed"]


def test_roll_up_neutral_gate_uses_the_encoders_neutral_mass():
    s = SentimentScorer(head=False)
    seg = pd.DataFrame({
        # a: two clauses that mostly say nothing, one leaning faintly negative (p_neu 0.6 and 0.8; the leaning
        #    clause's max(p_neg, p_pos) is 0.35): neutral. Without the encoder's probabilities it stays negative.
        # b: the same but one clause is clearly negative (p_neg 0.7 > mean p_neu 0.5): negative.
        # c: a rule made the label ("on hold for 45 minutes": neutral mass 0): never gated to neutral.
        # d: praise and a complaint, each weak: mixed, so never neutral.
        # e: one segment: its own label, no gate.
        # f: a factual complaint in five plain sentences, one faintly negative: a narrative is not gated (its
        #    weighted balance, -0.2, says negative)
        "item_id": ["a", "a", "b", "b", "c", "c", "d", "d", "e", "f", "f", "f", "f", "f"],
        "sentiment": [-0.3, 0.05, -0.6, 0.05, -0.4, 0.0, 0.3, -0.3, -0.2, -0.45, -0.2, -0.15, -0.2, -0.1],
        "sentiment_label": ["negative", "neutral", "negative", "neutral", "negative", "neutral", "positive",
                            "negative", "negative", "negative", "neutral", "neutral", "neutral", "neutral"],
        "neutral_probability": [0.6, 0.8, 0.2, 0.8, 0.0, 0.9, 0.45, 0.45, 0.5, 0.45, 0.8, 0.85, 0.8, 0.9],
        "emotion": "neutral", "emotion_intensity": 0.0, "effort": 0.0, "is_closer": False, "mixed": False})
    out = roll_up_items(seg, s).set_index("item_id")
    assert out.loc["a", "sentiment_label"] == "neutral"
    assert roll_up_items(seg.drop(columns="neutral_probability"), s).set_index("item_id").loc["a", "sentiment_label"] == "negative"
    assert out.loc["b", "sentiment_label"] == "negative"
    assert out.loc["c", "sentiment_label"] == "negative"
    assert out.loc["d", "mixed"] and out.loc["d", "sentiment_label"] != "neutral"
    assert out.loc["e", "sentiment_label"] == "negative"
    assert out.loc["f", "sentiment_label"] == "negative"
    # fast mode gives no neutral mass (NaN): the gate stays out of it
    nan = roll_up_items(seg.assign(neutral_probability=np.nan), s).set_index("item_id")
    assert nan.loc["a", "sentiment_label"] == "negative"


# --------------------------------------------------------------------------- the real encoder, pipeline path
VARIED = ["ok", "Thanks!", "Kind regards,", "I was charged twice.", "Still waiting for my refund.", "😡😡😡",
          "Where is my order #12345??", "The café's crème brûlée was divine.", "a " * 150, "NO. NO. NO.",
          "The parcel arrived on time and everything works fine, although the box was a little dented.",
          " ".join(["The app keeps logging me out and I have to reset my password every single time."] * 6),
          "", "   ", "1", "???", "Great, another week without my order.", "I can't log in.", "Love the app.",
          ] + [f"Order {i} was {w} and the courier was {c}." for i, (w, c) in enumerate(
              [("late", "rude"), ("early", "lovely"), ("lost", "absent"), ("fine", "quick"), ("damaged", "helpful"),
               ("perfect", "friendly"), ("wrong", "confused"), ("missing", "slow"), ("right", "polite"),
               ("broken", "careless"), ("on time", "cheerful"), ("open", "grumpy"), ("wet", "late"),
               ("complete", "kind"), ("half", "silent"), ("cold", "fast"), ("torn", "nice"), ("small", "tall"),
               ("huge", "nervous"), ("gone", "sorry"), ("stuck", "calm"), ("back", "happy"), ("new", "old"),
               ("fake", "honest"), ("late again", "sorry again"), ("fine", "fine"), ("odd", "odd"),
               ("ok", "great"), ("late", "late"), ("meh", "meh"), ("x", "y"), ("refunded", "apologetic"), ("late", "unreachable")])]


@pytest.fixture(scope="module")
def tap():
    return se.load()


@pytest.mark.slow
def test_tapped_pass_gives_bit_identical_vectors(embedder, tap):
    texts = [t for t in VARIED if t.strip()] + ["Still waiting for my refund."]  # a duplicate too
    assert len(texts) >= 50
    plain = embedder.encode(texts)
    vecs, rows = embedder.encode_with(texts, tap)
    assert vecs.dtype == plain.dtype and np.array_equal(vecs, plain)  # bit for bit, not within a tolerance
    # the tapped rows do not depend on batch-mates either
    _, few = embedder.encode_with(texts[3:10], tap)
    assert np.array_equal(few, rows[3:10])
    # and they are the encoder's own outputs (its standalone pass pads and sorts differently: float noise only)
    ref = tap.score_texts(texts)
    assert np.abs(rows[:, :3] - ref["probs"]).max() < 1e-4
    assert np.abs(rows[:, 3:] - ref["emotions"]).max() < 1e-4


@pytest.mark.slow
def test_tapped_rows_are_cached_under_the_encoder_id(tmp_path, tap):
    from feedback2journey.embed.embedder import Embedder

    e = Embedder(cache_dir=tmp_path)
    texts = ["I was charged twice.", "Love the app."]
    v1, r1 = e.encode_with(texts, tap)
    cache = e.tap_cache(tap)
    assert tap.id in cache.model_id and tap.digest[:12] in tap.id
    hits = cache.hits
    v2, r2 = e.encode_with(texts, tap)
    assert cache.hits == hits + 2 and np.array_equal(r1, r2) and np.array_equal(v1, v2)


def _pipeline_scores(embedder, texts):
    s = SentimentScorer(-0.15, 0.15)
    vecs, rows = embedder.encode_with(texts, s.encoder_for(DEFAULT_MODEL_ID))
    return s, s.score(texts, embeddings=vecs, model_id=embedder.model_id, encoded=rows)


@pytest.mark.slow
@pytest.mark.parametrize("expected,texts", [("negative", NEGATIVE), ("positive", POSITIVE), ("neutral", NEUTRAL)])
def test_hard_cases_pipeline_path(embedder, expected, texts):
    s, f = _pipeline_scores(embedder, texts)
    assert s.method_for(embedder.model_id).startswith("minilm-l6-top2-sentiment-emotions-v2@")
    got = dict(zip(texts, zip(f["sentiment_label"], f["sentiment"])))
    wrong = {t: g for t, g in got.items() if g[0] != expected}
    assert not wrong, f"expected {expected}: {wrong}"
    if expected != "neutral":  # the score's sign agrees with the label
        assert ((f["sentiment"] < 0) if expected == "negative" else (f["sentiment"] > 0)).all(), got


@pytest.mark.slow
def test_closers_and_mixed_pipeline_path(embedder):
    s, f = _pipeline_scores(embedder, CLOSERS + ["Love the app but billing is a mess.",
                                                 "Thanks for your help, but I'm still waiting for my refund."])
    assert f["is_closer"].iloc[:4].all() and (f["sentiment"].iloc[:4] == 0).all()
    assert f["sentiment_label"].iloc[4] == "negative" and f["mixed"].iloc[4]  # mixed: negative, flagged
    assert f["sentiment_label"].iloc[5] == "negative" and not f["mixed"].iloc[5]  # a polite closer is not praise


ITEMS = {
    "closer": ["I was charged twice.", "Thanks in advance!"],
    "polite_complaint": ["Hi team,", "Still waiting for my refund.", "Thank you so much for your help!",
                         "Kind regards,"],
    "mixed": ["Love the app", "but billing is a mess."],
    "mixed_one_segment": ["Love the app but billing is a mess."],
    "praise": ["No problems at all.", "Great service, thanks!"],
    "only_closer": ["Thanks!"],
}


@pytest.mark.slow
def test_item_roll_up_pipeline_path(embedder):
    seg = pd.DataFrame([(k, t) for k, ts in ITEMS.items() for t in ts], columns=["item_id", "text"])
    s, f = _pipeline_scores(embedder, seg["text"].tolist())
    out = roll_up_items(pd.concat([seg, f], axis=1), s).set_index("item_id")
    assert out.loc["closer", "sentiment_label"] == "negative" and out.loc["closer", "emotion"] != "gratitude"
    assert out.loc["polite_complaint", "sentiment_label"] == "negative"  # a polite closer never outweighs it
    assert out.loc["polite_complaint", "effort"] == 1.0
    for k in ("mixed", "mixed_one_segment"):
        assert out.loc[k, "sentiment_label"] == "negative" and out.loc[k, "mixed"], (k, out.loc[k].to_dict())
    assert out.loc["praise", "sentiment_label"] == "positive" and not out.loc["praise", "mixed"]
    assert out.loc["only_closer", "sentiment_label"] == "neutral"


@pytest.mark.slow
def test_analyze_uses_the_encoder_in_accurate_mode(models):
    from feedback2journey.run.pipeline import analyze

    data = pd.DataFrame({"id": ["1", "2", "3"], "text": [
        "Love the app but billing is a mess.", "Thanks for your help, but I'm still waiting for my refund.",
        "The agent sorted it out in two minutes, brilliant."]})
    result = analyze(data, models.config, models=models, redact=False)
    assert result.run_info["models"]["sentiment"].startswith("minilm-l6-top2-sentiment-emotions-v2@")
    items = result.items.set_index("text")
    assert items["sentiment_label"].tolist() == ["negative", "negative", "positive"], items.to_dict("records")
    assert items["mixed"].tolist() == [True, False, False]
    assert "mixed" in result.segments


def test_an_item_of_one_segment_keeps_that_segments_label():
    s = SentimentScorer(head=False)
    # the encoder's arg-max can be neutral with p_pos - p_neg = 0.2 (a threshold of 0.15 would say positive)
    seg = pd.DataFrame({"item_id": ["a", "b", "b"], "sentiment": [0.2, 0.2, 0.9],
                        "sentiment_label": ["neutral", "neutral", "positive"], "emotion": ["neutral"] * 3,
                        "emotion_intensity": [0.0, 0.0, 0.8], "effort": 0.0, "is_closer": [False, False, True],
                        "mixed": [False] * 3})
    out = roll_up_items(seg, s).set_index("item_id")
    assert out.loc["a", "sentiment_label"] == "neutral"
    assert out.loc["b", "sentiment_label"] == "neutral"  # its closer aside, b is one neutral segment too


def test_a_torn_good_outcome_is_positive_unless_a_contrast_or_failure_says_otherwise():
    s = _stub_scorer()
    texts = ["The parcel arrived on time and everything works fine.",
             "The parcel arrived on time but the box was crushed.",
             "It arrived on time, then got stuck on the loading screen and crashed."]
    torn = [[0.27, 0.09, 0.64], [0.5, 0.05, 0.45], [0.4, 0.1, 0.5]]
    f = s.score(texts, model_id=DEFAULT_MODEL_ID, encoded=_rows(torn))
    assert f["sentiment_label"].tolist() == ["positive", "negative", "negative"]
    assert f["mixed"].all()
