import dataclasses

import numpy as np
import pandas as pd
import pytest

from feedback2journey.classify import ChannelResolver, PrototypeClassifier, keyword_pattern


def test_keyword_pattern_whole_words_plural_and_phrases():
    pat = keyword_pattern(["refund", "tracking number", "on hold"])
    assert pat.search("Where are my REFUNDS?")
    assert pat.search("the tracking   number is wrong")
    assert not pat.search("refundable deposit")
    assert not pat.search("household items")


def test_channel_resolver_prefers_metadata_then_kind_then_text(config):
    r = ChannelResolver(config.taxonomy.channels)
    items = pd.DataFrame({
        "channel_raw": ["Live Chat", "E-mail", "phone", None, None, None, "carrier pigeon"],
        "text": ["x", "x", "x", "great app", "NPS comment", "I called you twice", "x"],
        "input_kind": ["tickets", "tickets", "tickets", "reviews", "survey", "tickets", "tickets"],
    })
    assert r.resolve(items).tolist() == ["chat", "email", "phone", "app_store", "survey", "phone", "other"]


@pytest.mark.slow
def test_zero_shot_labels_clear_cases(models):
    models.ensure_fitted()
    texts = ["My parcel still hasn't arrived and the tracking hasn't updated in a week",
             "I was charged twice for the same invoice",
             "My card keeps getting declined when I try to pay",
             "I want to send the jacket back and get my money back",
             "I saw your advert on Instagram and wanted to know more"]
    emb = models.embedder.encode(texts)
    stages = models.stage_classifier.predict(emb, texts)
    touch = models.touchpoint_classifier.predict(emb, texts)
    assert stages["label"].tolist() == ["delivery", "billing", "purchase", "returns", "awareness"]
    assert touch["label"].tolist()[:4] == ["delivery_and_courier", "billing_and_invoices", "checkout_and_payment",
                                          "returns_and_refunds"]
    assert all(0 < c <= 1 for c in stages["confidence"])
    assert stages["evidence"][0].startswith("delivery: ") and "nearest '" in stages["evidence"][0]


@pytest.mark.slow
def test_threshold_turns_weak_guesses_into_unclassified(config, embedder):
    strict = PrototypeClassifier(config.taxonomy.stages, min_confidence=0.999).fit(embedder)
    texts = ["ok", "My parcel still hasn't arrived"]
    labels = strict.predict(embedder.encode(texts), texts)["label"].tolist()
    assert labels[0] == "unclassified"
    loose = dataclasses.replace(config.settings)
    assert loose.stage_min_confidence < 0.999


def test_keyword_boost_moves_the_decision(config):
    stages = config.taxonomy.stages[:2]
    clf = PrototypeClassifier(stages, min_confidence=0.0, keyword_boost=0.5)
    # fake prototypes: two orthogonal unit vectors; the text sits exactly between them
    clf.prototypes = np.eye(2, dtype=np.float32)
    clf.prototype_owner = np.array([0, 1])
    clf.prototype_texts = ["a", "b"]
    emb = np.array([[0.7071, 0.7071]], dtype=np.float32)
    kw = stages[1].keywords[0]
    assert clf.predict(emb, [f"something about {kw}"])["label"][0] == stages[1].id
    assert "keyword" in clf.predict(emb, [f"something about {kw}"])["evidence"][0]
