"""The emotion layer: hard cases pinned by sign, on both paths (lexicon + rules, and trained head + rules).

Fast tests need no model. Tests marked slow embed with the real all-MiniLM-L6-v2 (offline, from the
installed model package) and check the head path the pipeline uses. Nothing here reads ../shared.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from feedback2journey.feel.sentiment import AUX_FEATURES, EMOTIONS, SentimentScorer, aux_features, proba_to_score, roll_up_items
from feedback2journey.feel.head import SentimentHead, default_head_dir

NEGATIVE = [
    "I was charged twice.",
    "I'm not happy with this.",
    "Still waiting for my refund.",
    "Great, another week without my order.",  # sarcasm
    "Oh brilliant, the app crashed again.",  # sarcasm
    "The agent was lovely but my refund still hasn't arrived.",  # contrast: the tail decides
    "I've called three times and got passed between departments.",  # effort
    "I was on hold for 45 minutes.",
    "Nobody has replied to my emails.",
    "It's not working.",
    "The customer service was not helpful at all.",
    "My order arrived damaged.",
    "Very disappointed with the quality.",
    "This is absolutely ridiculous, I'm fed up!",
]
POSITIVE = [
    "No problems at all.",
    "Works fine, no complaints.",
    "The parcel arrived on time and everything works fine.",
    "The delivery was late but the sofa is absolutely gorgeous.",  # contrast: the tail decides
    "Thank you so much, you've been brilliant!",
    "Great service, thanks!",
    "Love the app.",
    "The app is easy to use.",
    "Wow, absolutely love it, exceeded my expectations!",
]
NEUTRAL = ["How do I change my delivery address?", "I ordered a lamp on Monday."]
CLOSERS = ["Thanks in advance!", "Kind regards,", "Hi team,", "Many thanks for your help. Have a great day :)"]


@pytest.fixture(scope="module")
def scorer():
    return SentimentScorer(-0.15, 0.15)


@pytest.fixture(scope="module")
def rules_only():
    return SentimentScorer(-0.15, 0.15, head=False)


@pytest.fixture(scope="module")
def embedder():
    from feedback2journey.embed.embedder import Embedder

    return Embedder()


def _check_signs(frame: pd.DataFrame, texts: list[str], expected: str) -> None:
    got = dict(zip(texts, frame["sentiment_label"]))
    wrong = {t: g for t, g in got.items() if g != expected}
    assert not wrong, f"expected {expected}: {wrong}"


# --------------------------------------------------------------------------- contract, no model needed
def test_score_columns_and_types(rules_only):
    f = rules_only.score(["I was charged twice.", "Thanks!"])
    assert list(f.columns) == ["sentiment", "emotion", "emotion_intensity", "effort", "is_closer", "sentiment_label",
                               "emotions", "mixed", "neutral_probability"]  # mixed, neutral mass: issue 20
    assert f["neutral_probability"].isna().all()  # only accurate mode's encoder has it
    assert f["sentiment"].between(-1, 1).all()
    assert set(f["emotion"]) <= set(EMOTIONS)
    assert f["emotion_intensity"].between(0, 1).all()
    assert set(f["sentiment_label"]) <= {"negative", "neutral", "positive"}


def test_label_thresholds():
    s = SentimentScorer(-0.2, 0.3, head=False)
    assert (s.label(-0.2), s.label(0.0), s.label(0.29), s.label(0.3)) == ("negative", "neutral", "neutral", "positive")
    values = [-1.0, -0.2, -0.19999, 0.0, float("nan"), 0.29, 0.3, 1.0]
    assert s.labels(values).tolist() == [s.label(v) for v in values]  # the vectorised form agrees, NaN included


@pytest.mark.parametrize("expected,texts", [("negative", NEGATIVE), ("positive", POSITIVE)])
def test_hard_cases_rules_path(rules_only, expected, texts):
    _check_signs(rules_only.score(texts), texts, expected)


def test_closers_carry_no_sentiment(rules_only):
    f = rules_only.score(CLOSERS)
    assert f["is_closer"].all()
    assert (f["sentiment"] == 0).all()
    assert f["emotion"].iloc[0] == "gratitude"
    assert not rules_only.score(["Thanks for nothing, the order never came."])["is_closer"].iloc[0]


def test_effort(rules_only):
    texts = ["I've called three times and got passed between departments.", "I was on hold for 45 minutes.",
             "Still waiting for my refund.", "I had to explain everything again.", "Love the app.",
             "The parcel arrived on time."]
    assert rules_only.score(texts)["effort"].tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]


def test_emotions_for_clear_cases(rules_only):
    cases = {
        "This is absolutely ridiculous, I'm fed up!": "frustration",
        "Very disappointed with the quality.": "disappointment",
        "I'm worried my card details were stolen.": "worry",
        "Really confused, where do I find my invoice?": "confusion",
        "Wow, absolutely love it, exceeded my expectations!": "delight",
        "Thank you, the agent was very helpful.": "gratitude",
        "The delivery was quick and the parcel was fine.": "satisfaction",
        "Oh brilliant, the app crashed again.": "frustration",
        "I ordered a lamp on Monday.": "neutral",
    }
    f = rules_only.score(list(cases))
    assert dict(zip(cases, f["emotion"])) == cases
    assert (f["emotion_intensity"][f["emotion"] != "neutral"] > 0).all()


def test_configurable_emotion_set():
    s = SentimentScorer(head=False, emotions=("frustration", "satisfaction"))
    f = s.score(["Very disappointed with the quality.", "This is ridiculous, I'm fed up!", "Love the app."])
    assert set(f["emotion"]) <= {"frustration", "satisfaction", "neutral"}
    assert f["emotion"].iloc[1] == "frustration"


def _items(scorer, items: dict[str, list[str]], embed=None) -> pd.DataFrame:
    seg = pd.DataFrame([(k, t) for k, ts in items.items() for t in ts], columns=["item_id", "text"])
    f = scorer.score(seg["text"], embeddings=None if embed is None else embed(seg["text"].tolist()))
    return roll_up_items(pd.concat([seg, f], axis=1), scorer).set_index("item_id")


ITEMS = {
    "closer": ["I was charged twice.", "Thanks in advance!"],
    "polite_complaint": ["Hi team,", "Still waiting for my refund.", "Thank you so much for your help!",
                         "Kind regards,"],
    "mixed_mostly_bad": ["The app is easy to use.", "But my order arrived damaged and nobody has replied."],
    "praise": ["No problems at all.", "Great service, thanks!"],
    "only_closer": ["Thanks!"],
}


def _check_items(out: pd.DataFrame) -> None:
    assert out.loc["closer", "sentiment_label"] == "negative"
    assert out.loc["closer", "emotion"] != "gratitude"  # a closer never sets the emotion of a complaint
    assert out.loc["polite_complaint", "sentiment_label"] == "negative"
    assert out.loc["polite_complaint", "effort"] == 1.0
    assert out.loc["mixed_mostly_bad", "sentiment"] < 0
    assert out.loc["praise", "sentiment_label"] == "positive"
    assert out.loc["only_closer", "sentiment_label"] == "neutral"
    assert out["sentiment"].between(-1, 1).all()


def test_item_roll_up_rules_path(rules_only):
    _check_items(_items(rules_only, ITEMS))


# --------------------------------------------------------------------------- the bundled head
def test_head_loads_offline_from_checkout():
    head = SentimentHead.load()
    assert (default_head_dir() / "head.npz").exists()
    assert head.classes == ("negative", "neutral", "positive")
    assert head.dim == 384
    assert (default_head_dir() / "MODEL_CARD.md").exists()
    p = head.proba(np.random.default_rng(0).normal(size=(5, 384)).astype(np.float32))
    assert np.allclose(p.sum(1), 1.0)
    assert np.all((head.polarity(np.zeros((1, 384))) >= -1) & (head.polarity(np.zeros((1, 384))) <= 1))


def test_head_is_stacked_and_checks_aux_shape():
    head = SentimentHead.load()
    assert head.n_aux == len(AUX_FEATURES) and list(head.meta["aux_features"]) == list(AUX_FEATURES)
    emb = np.random.default_rng(1).normal(size=(2, 384)).astype(np.float32)
    with pytest.raises(ValueError):
        head.proba(emb, np.zeros((2, 3), np.float32))
    aux = aux_features(["I was charged twice.", "Love it!"], SentimentScorer(head=False).vader)
    assert aux.shape == (2, len(AUX_FEATURES)) and aux[0, AUX_FEATURES.index("failure")] == 1.0
    assert np.allclose(head.proba(emb, aux).sum(1), 1.0)


def test_embedding_only_head_still_works():
    # A v1-style head (no aux features) is used as P(pos) - P(neg) blended 50/50 with VADER.
    W = np.zeros((3, 384), np.float32)
    W[2, 0] = 5.0
    head = SentimentHead(W=W, b=np.zeros(3, np.float32), mean=np.zeros(384, np.float32),
                         scale=np.ones(384, np.float32))
    emb = np.zeros((1, 384), np.float32)
    emb[0, 0] = 1.0
    f = SentimentScorer(head=head).score(["The sofa is here."], embeddings=emb)
    assert f["sentiment_label"].iloc[0] == "positive"


def test_proba_to_score_keeps_the_head_decision():
    p = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.05, 0.15, 0.8], [0.4, 0.45, 0.15], [1 / 3, 1 / 3, 1 / 3]])
    s = proba_to_score(p, 1.0, -0.15, 0.15)
    assert s.min() >= -1 and s.max() <= 1
    labels = ["negative" if x <= -0.15 else "positive" if x >= 0.15 else "neutral" for x in s]
    assert labels == ["negative", "neutral", "positive", "neutral", "neutral"]
    assert s[0] < 0 < s[2] and s[1] > 0 > s[3]  # the sign inside the band is P(pos) - P(neg)
    # A larger neutral bias widens the neutral class.
    assert abs(proba_to_score(np.array([[0.45, 0.4, 0.15]]), 1.5)[0]) < 0.15


def test_positive_idioms_are_not_failures(rules_only):
    # Not read as failures (the rules-only path has no positive cue for "can't wait", so: not negative).
    texts = ["I can't wait to go back.", "Great pizza, can't be beat!", "We came for a late-night snack and loved it."]
    assert "negative" not in set(rules_only.score(texts)["sentiment_label"])
    _check_signs(rules_only.score(["The parcel was late.", "I can't log in."]), ["The parcel was late.", "I can't log in."],
                 "negative")


def test_head_file_has_no_pickle():
    with np.load(default_head_dir() / "head.npz", allow_pickle=False) as z:
        assert {"W", "b", "mean", "scale", "classes", "meta"} <= set(z.files)


def test_score_with_embeddings_checks_alignment(scorer):
    with pytest.raises(ValueError):
        scorer.score(["a", "b"], embeddings=np.zeros((3, 384), dtype=np.float32))
    assert scorer.score([], embeddings=np.zeros((0, 384), dtype=np.float32)).empty


def test_rules_override_head_even_with_uninformative_embeddings(scorer):
    # Whatever the head says, reliable rules set the sign.
    texts = ["Still waiting for my refund.", "No problems at all.", "I was charged twice.", "Thanks in advance!"]
    f = scorer.score(texts, embeddings=np.zeros((len(texts), 384), dtype=np.float32))
    assert f["sentiment_label"].tolist() == ["negative", "positive", "negative", "neutral"]
    assert f["is_closer"].tolist() == [False, False, False, True]


def test_method_id(scorer, rules_only):
    assert scorer.method_id.startswith("minilm-logreg") and scorer.method_id.endswith("+vader+rules")
    assert rules_only.method_id == "vader+rules"


# --------------------------------------------------------------------------- head path, real MiniLM
@pytest.mark.slow
@pytest.mark.parametrize("expected,texts", [("negative", NEGATIVE), ("positive", POSITIVE), ("neutral", NEUTRAL)])
def test_hard_cases_head_path(scorer, embedder, expected, texts):
    _check_signs(scorer.score(texts, embeddings=embedder.encode(texts)), texts, expected)


@pytest.mark.slow
def test_closers_head_path(scorer, embedder):
    f = scorer.score(CLOSERS, embeddings=embedder.encode(CLOSERS))
    assert f["is_closer"].all() and (f["sentiment"] == 0).all()


@pytest.mark.slow
def test_item_roll_up_head_path(scorer, embedder):
    _check_items(_items(scorer, ITEMS, embed=embedder.encode))


@pytest.mark.slow
def test_head_alone_separates_clear_praise_and_complaints(embedder):
    # The stacked head by itself (its inputs: embedding + VADER/rule-flag features; no rule overrides) on support
    # text it was not trained on.
    head = SentimentHead.load()
    pos = ["The courier was friendly and my parcel came a day early.", "Your support team is fantastic.",
           "Refund processed quickly, really pleased."]
    neg = ["My parcel is lost and nobody will help me.", "Your support team is hopeless.",
           "I want my money back, the lamp is broken."]
    texts = pos + neg
    aux = aux_features(texts, SentimentScorer(head=False).vader) if head.n_aux else None
    p = head.polarity(embedder.encode(texts), aux)
    assert (p[:3] > 0).all(), p
    assert (p[3:] < 0).all(), p
