"""Emotion vocabularies (feel.emotion_sets, settings.emotion_set): sides, the mapping of the encoder's 28
GoEmotions probabilities onto a set, and the refusal where there is no encoder."""
from __future__ import annotations

import numpy as np
import pytest

from feedback2journey import config as config_module
from feedback2journey.config import ConfigError, config_from_dict, load_config
from feedback2journey.feel import emotion_sets
from feedback2journey.feel import encoder as se
from feedback2journey.feel.emotions import NEGATIVE_EMOTIONS, NEUTRAL_EMOTIONS, POSITIVE_EMOTIONS
from feedback2journey.feel.sentiment import SentimentScorer
from feedback2journey.resources import DEFAULT_MODEL_ID


class _StubEncoder:
    id, dim = "stub@0", 31
    emotion_thresholds = np.full(28, 0.3, np.float32)

    def mixed(self, probs):
        return np.minimum(probs[:, 0], probs[:, 2]) >= 0.2


def _rows(probs, hot: list[dict[str, float]]):
    e = np.zeros((len(probs), 28), np.float32)
    for i, labels in enumerate(hot):
        for name, p in labels.items():
            e[i, se.EMOTIONS.index(name)] = p
    return np.concatenate([np.asarray(probs, np.float32), e], axis=1)


def test_config_and_module_name_the_same_sets():
    assert config_module.EMOTION_SETS == emotion_sets.NAMES
    for members in emotion_sets.SETS["ekman"].values():
        assert set(members) <= set(se.EMOTIONS)


def test_sides_follow_goemotions_grouping():
    assert emotion_sets.allowed("ekman", "negative") == ("anger", "disgust", "fear", "sadness", "surprise")
    assert emotion_sets.allowed("ekman", "positive") == ("joy", "surprise")
    assert emotion_sets.allowed("ekman", "neutral") == ("surprise",)
    neg = emotion_sets.allowed("goemotions", "negative")
    assert "annoyance" in neg and "confusion" in neg and "joy" not in neg and "neutral" not in neg
    assert set(emotion_sets.GOEMOTIONS_POSITIVE + emotion_sets.GOEMOTIONS_NEGATIVE
               + emotion_sets.GOEMOTIONS_AMBIGUOUS) == set(se.EMOTIONS) - {"neutral"}
    # the customer set keeps its hand-made sides
    assert emotion_sets.allowed("customer", "negative") == NEGATIVE_EMOTIONS
    assert emotion_sets.allowed("customer", "positive") == POSITIVE_EMOTIONS
    assert emotion_sets.allowed("customer", "neutral", ("worry", "neutral")) == ("worry",)
    assert set(NEUTRAL_EMOTIONS) >= set(emotion_sets.allowed("customer", "neutral"))


def test_ekman_set_maps_the_encoders_labels_and_keeps_to_the_segments_side():
    scorer = SentimentScorer(encoder=_StubEncoder(), emotion_set="ekman")
    texts = ["The room smelled of mould.", "I am scared someone is using my card.", "Love it!",
             "The parcel is late again."]
    probs = [[0.9, 0.05, 0.05], [0.8, 0.15, 0.05], [0.02, 0.08, 0.9], [0.85, 0.1, 0.05]]
    hot = [{"disgust": 0.7, "annoyance": 0.5}, {"nervousness": 0.6}, {"love": 0.8, "joy": 0.4},
           {"joy": 0.9, "annoyance": 0.2}]  # the last: a complaint with a stray positive label
    f = scorer.score(texts, model_id=DEFAULT_MODEL_ID, encoded=_rows(probs, hot))
    assert f["emotion"].tolist()[:3] == ["disgust", "fear", "joy"]
    assert f["emotion_intensity"].iloc[0] == pytest.approx(0.7, abs=1e-3)  # the member label's probability
    assert f["emotions"].iloc[0] == "disgust:0.70;anger:0.50"
    assert f["emotion"].iloc[3] == "anger"  # never joy on a complaint: the likeliest negative one, floor 0.3
    assert f["emotion_intensity"].iloc[3] == pytest.approx(0.3, abs=1e-3)


def test_default_set_is_unchanged_by_the_option():
    texts, probs, hot = ["The room smelled of mould."], [[0.9, 0.05, 0.05]], [{"disgust": 0.7}]
    f = SentimentScorer(encoder=_StubEncoder()).score(texts, model_id=DEFAULT_MODEL_ID, encoded=_rows(probs, hot))
    assert f["emotion"].tolist() == ["frustration"]


def test_a_set_other_than_customer_needs_the_encoder():
    with pytest.raises(ValueError, match="unknown emotion set 'plutchik'"):
        SentimentScorer(emotion_set="plutchik")
    with pytest.raises(ValueError, match="needs the fine-tuned sentiment encoder"):
        SentimentScorer(encoder=False, emotion_set="ekman").score(["Fine."], model_id="f2j-static-minilm-v1")


def test_config_validates_the_setting():
    raw = load_config().to_dict()
    raw["settings"]["emotion_set"] = "ekmann"
    with pytest.raises(ConfigError, match="emotion_set.*customer, ekman, goemotions"):
        config_from_dict(raw)
    raw["settings"]["emotion_set"] = "ekman"
    assert config_from_dict(raw).settings.emotion_set == "ekman"
    assert load_config().settings.emotion_set == "customer"


def test_fast_mode_refuses_other_sets_naming_the_fix():
    from dataclasses import replace

    from feedback2journey.embed.embedder import Embedder
    from feedback2journey.run.pipeline import Models

    cfg = load_config()
    cfg = replace(cfg, settings=replace(cfg.settings, emotion_set="ekman"))
    with pytest.raises(ConfigError, match="--speed accurate, or set emotion_set: customer"):
        Models(cfg, embedder=Embedder(speed="fast"))


@pytest.mark.slow
def test_ekman_and_goemotions_sets_with_the_shipped_encoder():
    """The shipped encoder's own pass: clear cases of the Ekman emotions the customer set cannot name, and
    complaints that never show a positive emotion."""
    texts = ["This is disgusting, the room smelled of mould and the sheets were stained.",
             "I am scared someone is using my card, there are payments I don't recognise.",
             "Wow, absolutely love it, exceeded my expectations!",
             "I was charged twice and nobody answers my emails.", "Still waiting for my refund."]
    ekman = SentimentScorer(emotion_set="ekman").score(texts, model_id=DEFAULT_MODEL_ID)
    assert ekman["emotion"].tolist()[:3] == ["disgust", "fear", "joy"]
    assert set(ekman["emotion"].iloc[3:]) <= {"anger", "sadness", "disgust", "fear", "surprise"}
    go = SentimentScorer(emotion_set="goemotions").score(texts, model_id=DEFAULT_MODEL_ID)
    assert go["emotion"].iloc[0] == "disgust" and go["emotion"].iloc[1] in ("fear", "nervousness")
    assert not set(go["emotion"].iloc[3:]) & set(emotion_sets.GOEMOTIONS_POSITIVE)
    assert (ekman["sentiment_label"] == go["sentiment_label"]).all()  # the vocabulary never moves the sentiment
