import numpy as np
import pandas as pd
import pytest

from feedback2journey.classify.zero_shot import (ChannelResolver, JourneyClassifier, PhraseEvidence, PrototypeClassifier,
                                       compatibility, fit_temperature, joint_predict, keyword_pattern,
                                       normalise_word, softmax)
from feedback2journey.config import Label, Taxonomy


def test_keyword_pattern_whole_words_plural_and_phrases():
    pat = keyword_pattern(["refund", "tracking number", "on hold"])
    assert pat.search("Where are my REFUNDS?")
    assert pat.search("the tracking   number is wrong")
    assert not pat.search("refundable deposit")
    assert not pat.search("household items")


@pytest.mark.parametrize("forms", [
    ("charge", "charges", "charged", "charging"),
    ("cancel", "cancelled", "cancelling", "cancels"),
    ("refund", "refunds", "refunded", "refunding"),
    ("delivery", "deliveries"),
    ("pay", "paid"),
    ("address", "addresses"),
    ("box", "boxes"),
])
def test_normalise_word_joins_inflections(forms):
    assert len({normalise_word(w) for w in forms}) == 1


def test_normalise_word_keeps_different_words_apart():
    assert normalise_word("refund") != normalise_word("refundable")
    assert normalise_word("ship") != normalise_word("shop")
    assert normalise_word("status") == "status"


def test_phrase_evidence_matches_lemmas_of_multiword_keywords():
    labels = [Label("renewal", "Renewal", keywords=("cancel my subscription",)),
              Label("billing", "Billing", keywords=("charged twice", "fee"))]
    hits = PhraseEvidence(labels).hits(["I'm cancelling my subscriptions today", "They CHARGED me twice",
                                        "Charged twice! And fees everywhere", "coffee"])
    assert hits[0] == ["cancelling my subscriptions", None]
    assert hits[1] == [None, None]  # words in between: not the phrase
    assert hits[2] == [None, "charged twice', 'fees"]  # every phrase, the longest first
    assert hits[3] == [None, None]  # whole tokens only


def test_channel_resolver_prefers_metadata_then_kind_then_text(config):
    r = ChannelResolver(config.taxonomy.channels)
    items = pd.DataFrame({
        "channel_raw": ["Live Chat", "E-mail", "phone", None, None, None, "carrier pigeon"],
        "text": ["x", "x", "x", "great app", "NPS comment", "I called you twice", "x"],
        "input_kind": ["tickets", "tickets", "tickets", "reviews", "survey", "tickets", "tickets"],
    })
    assert r.resolve(items).tolist() == ["chat", "email", "phone", "app_store", "survey", "phone", "other"]


def _fake(labels, vectors, owner, **kw):
    clf = PrototypeClassifier(labels, **kw)
    clf.prototypes = np.asarray(vectors, dtype=np.float32)
    clf.prototype_owner = np.asarray(owner)
    clf.prototype_texts = [f"p{i}" for i in range(len(owner))]
    clf.prototype_is_example = np.ones(len(owner), dtype=bool)
    return clf


def test_keyword_boost_moves_the_decision(config):
    stages = config.taxonomy.stages[:2]
    clf = _fake(stages, np.eye(2), [0, 1], min_confidence=0.0, keyword_boost=0.5)
    emb = np.array([[0.7071, 0.7071]], dtype=np.float32)  # exactly between the two prototypes
    kw = stages[1].keywords[0]
    out = clf.predict(emb, [f"something about {kw}"])
    assert out["label"][0] == stages[1].id
    assert f"keyword '{kw}'" in out["evidence"][0] and "nearest 'p1'" in out["evidence"][0]


def test_threshold_gives_unclassified_and_confidence_is_the_winner_probability():
    labels = [Label("a", "A", description="a"), Label("b", "B", description="b")]
    emb = np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
    probs = softmax(emb @ np.eye(2), 0.5)
    for threshold, expect in ((0.0, ["a", "b"]), (probs[1].max() + 0.01, ["a", "unclassified"]),
                              (1.0, ["unclassified", "unclassified"])):
        clf = _fake(labels, np.eye(2), [0, 1], min_confidence=threshold, keyword_boost=0.0, temperature=0.5)
        out = clf.predict(emb, ["x", "y"])
        assert out["label"].tolist() == expect
        assert out["candidate"].tolist() == ["a", "b"]  # the winner before the threshold
        np.testing.assert_allclose(out["confidence"], probs.max(axis=1), rtol=1e-5)


def test_top_k_averages_a_labels_best_prototypes():
    labels = [Label("a", "A", description="a"), Label("b", "B", description="b")]
    # label a: one very close prototype and two far ones; label b: three fairly close ones
    protos = np.array([[1, 0, 0], [0, 0, 1], [0, 0, 1], [0.8, 0.6, 0], [0.8, 0.6, 0], [0.8, 0.6, 0]])
    emb = np.array([[1.0, 0.0, 0.0]], dtype=np.float32)
    one = _fake(labels, protos, [0, 0, 0, 1, 1, 1], top_k=1, keyword_boost=0.0, min_confidence=0.0)
    three = _fake(labels, protos, [0, 0, 0, 1, 1, 1], top_k=3, keyword_boost=0.0, min_confidence=0.0)
    assert one.predict(emb, ["x"])["label"][0] == "a"
    assert three.predict(emb, ["x"])["label"][0] == "b"


def test_fit_temperature_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(4000, 5))
    true_t = 0.3
    p = softmax(scores, true_t)
    truth = np.array([rng.choice(5, p=row) for row in p])
    assert abs(fit_temperature(scores, truth) - true_t) < 0.05


def _tax():
    stages = (Label("purchase", "Purchase", description="x"), Label("after", "After", description="x"),
              Label("delivery", "Delivery", description="x", parent="after"))
    tps = (Label("checkout", "Checkout", description="x", stages=("purchase",)),
           Label("courier", "Courier", description="x", stages=("after",)),
           Label("website", "Website", description="x"))
    return Taxonomy(stages, tps, (Label("email", "Email", description="x"),))


def test_compatibility_includes_sub_stages_and_open_touchpoints():
    tax = _tax()
    c = compatibility(tax, ["purchase", "after", "delivery"], ["checkout", "courier", "website"])
    assert c.tolist() == [[1, 0, 1], [0, 1, 1], [0, 1, 1]]  # delivery is a sub-stage of after


def test_joint_choice_respects_compatibility():
    compat = np.array([[1, 0], [0, 1]], dtype=np.float32)
    ps = np.array([[0.6, 0.4]])  # stage alone says 0
    pt = np.array([[0.1, 0.9]])  # touchpoint alone says 1 -> incompatible pair (0, 1)
    si, ti, cs, ct = joint_predict(ps, pt, compat)
    assert (si[0], ti[0]) == (1, 1)  # 0.4 * 0.9 beats 0.6 * 0.1
    np.testing.assert_allclose([cs[0], ct[0]], [0.36 / 0.42, 0.36 / 0.42], rtol=1e-6)


def test_journey_classifier_never_outputs_an_incompatible_pair():
    tax = _tax()
    rng = np.random.default_rng(1)
    protos = rng.normal(size=(6, 8))
    protos /= np.linalg.norm(protos, axis=1, keepdims=True)
    st = _fake(tax.stages, protos[:3], [0, 1, 2], min_confidence=0.0, keyword_boost=0.0, temperature=0.1)
    tp = _fake(tax.touchpoints, protos[3:], [0, 1, 2], min_confidence=0.0, keyword_boost=0.0, temperature=0.1)
    emb = rng.normal(size=(300, 8)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    s, t = JourneyClassifier(tax, st, tp).predict(emb, ["x"] * 300)
    allowed = {("purchase", "checkout"), ("after", "courier"), ("delivery", "courier")} | \
        {(x, "website") for x in ("purchase", "after", "delivery")}
    assert set(zip(s["label"], t["label"])) <= allowed
    free_s, free_t = JourneyClassifier(tax, st, tp, joint=False).predict(emb, ["x"] * 300)
    assert not set(zip(free_s["label"], free_t["label"])) <= allowed  # the constraint did something


def test_every_default_touchpoint_stage_is_known(config):
    ids = set(config.taxonomy.stage_ids())
    for tp in config.taxonomy.touchpoints:
        assert set(tp.stages) <= ids


@pytest.mark.slow
def test_zero_shot_labels_clear_cases(models):
    models.ensure_fitted()
    texts = ["My parcel still hasn't arrived and the tracking hasn't updated in a week",
             "I was charged twice for the same invoice",
             "My card keeps getting declined when I try to pay",
             "I want to send the jacket back and get my money back",
             "I saw your advert on Instagram and wanted to know more",
             "I'd like to make a formal complaint about your staff"]
    emb = models.embedder.encode(texts)
    stages, touch = models.journey_classifier.predict(emb, texts)
    assert stages["label"].tolist()[:5] == ["delivery", "billing", "purchase", "returns", "awareness"]
    assert touch["label"].tolist()[:4] == ["delivery_and_courier", "billing_and_invoices", "checkout_and_payment",
                                          "returns_and_refunds"]
    assert touch["label"][5] == "feedback_and_complaints"
    assert all(0 < c <= 1 for c in stages["confidence"])
    assert stages["evidence"][0].startswith("delivery: ") and "nearest '" in stages["evidence"][0]
    assert "keywords 'parcel', 'tracking'" in touch["evidence"][0]


@pytest.mark.slow
def test_calibration_is_fitted_on_the_taxonomy_examples(models):
    models.ensure_fitted()
    cal = models.touchpoint_classifier.calibration
    assert cal["method"].startswith("leave-one-out")
    assert 0.005 < cal["temperature"] < 1.0 and cal["examples"] > 100
    assert cal["loo_accuracy"] > 0.6  # the taxonomy's own examples are mostly told apart


@pytest.mark.slow
def test_threshold_turns_weak_guesses_into_unclassified(config, embedder):
    strict = PrototypeClassifier(config.taxonomy.stages, min_confidence=0.999).fit(embedder)
    texts = ["ok", "My parcel still hasn't arrived"]
    out = strict.predict(embedder.encode(texts), texts)
    assert out["label"][0] == "unclassified"
    assert out["candidate"][1] == "delivery"


def test_phrase_evidence_of_repeated_texts_is_the_same_as_one_by_one():
    # distinct texts are tokenised and matched once per call
    labels = [Label("refund", "Refund", keywords=("refund", "money back")), Label("app", "App", keywords=("app",))]
    ev = PhraseEvidence(labels)
    texts = ["Refunds please", "", "app", "Refunds please", "my money back, refunded", "app", " ", "Refunds please"]
    together = ev.hits(texts)
    assert together == [ev.hits([t])[0] for t in texts]
    assert together[0] == ["refunds", None] and together[1] == [None, None]


def test_normalised_tokens_are_those_of_normalise_word():
    from feedback2journey.text.phrases import _norm_doc

    doc = _norm_doc("They CHARGED me twice, refunding   it later")
    assert [t.norm_ for t in doc] == [normalise_word(t.lower_) for t in doc]
    assert len(_norm_doc("")) == 0


def test_journey_classifier_scores_repeated_texts_once_with_the_same_result(monkeypatch):
    import feedback2journey.classify.zero_shot as classify

    tax = _tax()
    rng = np.random.default_rng(2)
    protos = rng.normal(size=(6, 8))
    protos /= np.linalg.norm(protos, axis=1, keepdims=True)
    st = _fake(tax.stages, protos[:3], [0, 1, 2], min_confidence=0.3, temperature=0.1)
    tp = _fake(tax.touchpoints, protos[3:], [0, 1, 2], min_confidence=0.3, temperature=0.1)
    words = [lab.keywords[0] if lab.keywords else lab.name for lab in [*tax.stages, *tax.touchpoints]]
    base = [f"about {w}" for w in words] + ["", "ok"]
    vecs = rng.normal(size=(len(base), 8)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    pick = rng.integers(0, len(base), size=200)
    texts, emb = [base[i] for i in pick], vecs[pick]
    clf = JourneyClassifier(tax, st, tp)
    assert classify.distinct_rows(emb, texts) is not None
    shared = clf.predict(emb, texts)
    monkeypatch.setattr(classify, "distinct_rows", lambda *a: None)
    for a, b in zip(shared, clf.predict(emb, texts)):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_distinct_rows_shares_nothing_when_equal_texts_have_different_vectors():
    from feedback2journey.classify.zero_shot import distinct_rows

    emb = np.eye(3, dtype=np.float32)
    assert distinct_rows(emb, ["a", "b", "c"]) is None  # all distinct
    assert distinct_rows(emb, ["a", "b", "a"]) is None  # "a" has two vectors
    rows, inverse = distinct_rows(emb[[0, 1, 0]], ["a", "b", "a"])
    assert rows.tolist() == [0, 1] and inverse.tolist() == [0, 1, 0]


def test_matched_words_are_the_span_text():
    from feedback2journey.text.phrases import _norm_doc

    labels = [Label("a", "A", keywords=("charged twice", "app", "refund"))]
    ev = PhraseEvidence(labels)
    for text in ["They\tCHARGED   me twice; charged\u00a0twice!", "  the App's refunds, REFUNDED.  ", "app"]:
        doc = _norm_doc(text)
        spans = [doc[a:b].text.lower() for _, a, b in ev.matcher(doc)]
        assert set(ev.hits([text])[0][0].split("', '")) == set(spans)


def test_channel_from_text_in_one_call_is_the_same_as_one_by_one(config):
    r = ChannelResolver(config.taxonomy.channels)
    texts = ["I called you twice", "great app", "live chat was slow", "I called you twice", "", "emailed them"]
    items = pd.DataFrame({"channel_raw": [None] * len(texts), "text": texts, "input_kind": ["tickets"] * len(texts)})

    def one(text):  # the channel whose keyword occurs in the text, first in taxonomy order; one text at a time
        return next((cid for cid, hit in zip(r.ids, r.phrases.hits([text])[0]) if hit is not None), None)

    assert r.resolve(items).tolist() == [one(t) or "unknown" for t in texts]
