"""Slot fillers (interchangeable names in templated sentences) are found per corpus and masked for the
clustering vectors only."""
import hashlib
import itertools

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from feedback2journey.painpoints.cluster import PainPointClusterer
from feedback2journey.painpoints.slots import MASK, SlotMasker, candidate_spans, find_slots, masked_vectors

PLANS = ["Platinum", "Gold", "Pro", "Freemium", "Standard"]
ACTIONS = ["create", "delete", "upgrade", "close"]
TEMPLATES = ["I want to {a} my {p} account", "please {a} the {p} account", "how do I {a} a {p} account",
             "can you {a} my {p} account for me"]


def corpus(suffixes=("", " today", " please", " now")):
    rows = [(t.format(a=a, p=p) + s, a) for a, p, t, s in itertools.product(ACTIONS, PLANS, TEMPLATES, suffixes)]
    return [r[0] for r in rows], [r[1] for r in rows]


def test_candidates_skip_sentence_initial_capitals_and_shouting():
    text = "Please move me to the Gold plan. Anna Freeman said I can. Thanks"
    # a sentence's first word is capitalised by convention, so it is no evidence of a name
    assert [text[s:e] for s, e in candidate_spans(text)] == ["Gold", "Freeman"]
    assert candidate_spans("MY GOLD ACCOUNT IS LOCKED") == []
    assert [t[s:e] for t in ["invoice from Mr. Smith."] for s, e in candidate_spans(t)] == ["Mr. Smith"]


def test_values_filling_one_slot_are_found_but_a_recurring_name_is_not():
    texts, _ = corpus()
    # a name used in many sentences, but never in the plan names' frames: content, not a slot value
    texts += [f"the ATM {w} my card" for w in ("kept", "swallowed", "rejected", "ate", "blocked")]
    texts += ["where is the nearest ATM", "ATM withdrawal failed", "is there a fee at the ATM"]
    masker = find_slots(texts)
    assert sorted(masker.surfaces) == sorted(p.lower() for p in PLANS)
    assert masker.mask("please delete my platinum account") == f"please delete my {MASK} account"
    assert masker.mask("the ATM kept my card") == "the ATM kept my card"


def test_frames_of_stop_words_only_are_no_evidence():
    # place names that share only "in the _ ." frames: any two names do, so they are not slot values
    places = ["US", "UK", "EU", "Alps", "Andes"]
    texts = [f"{pre} the {p}{post}" for p in places for pre in ("I am in", "we live in", "she is from", "go to")
             for post in (".", "?", "!")]
    assert not find_slots(texts)
    # the same names in frames with a content word are slot values
    texts = [f"ship my parcel to the {p} {post}" for p in places for post in ("quickly", "today", "by air")]
    texts += [f"deliver to the {p} {post}" for p in places for post in ("quickly", "today", "by air")]
    assert sorted(find_slots(texts, min_partners=3, min_shared=3).surfaces) == ["alps", "andes", "eu", "uk", "us"]


def test_acronyms_are_masked_only_as_written():
    masker = SlotMasker({"us": ["US"], "gold": ["Gold"]})
    assert masker.mask("ship to the US and email us") == f"ship to the {MASK} and email us"
    assert masker.mask("GOLD and gold and Gold") == f"{MASK} and {MASK} and {MASK}"
    assert masker.mask("invoice from Mr. Smith") == "invoice from Mr. Smith"  # not a value: unchanged


def test_only_rows_with_a_slot_value_are_re_encoded_once_per_distinct_text():
    calls = []

    def encode(texts):
        calls.append(list(texts))
        return np.full((len(texts), 4), 2.0, dtype=np.float32)

    texts = ["delete my Gold account", "delete my Pro account", "where is my parcel", "delete my Gold account"]
    emb = np.ones((4, 4), dtype=np.float32)
    out, rows = masked_vectors(texts, emb, SlotMasker({"gold": ["Gold"], "pro": ["Pro"]}), encode)
    assert rows.tolist() == [0, 1, 3] and calls == [[f"delete my {MASK} account"]]
    assert (out[[0, 1, 3]] == 2).all() and (out[2] == 1).all() and (emb == 1).all()  # input untouched
    same, none = masked_vectors(texts, emb, SlotMasker({}), encode)
    assert same is emb and not len(none) and len(calls) == 1


FUNCTION = {"i", "want", "to", "my", "please", "the", "how", "do", "a", "can", "you", "for", "me", "today", "now"}


def fake_encode(texts):
    """A bag-of-words encoder whose vectors, like MiniLM's, are dominated by name-like words, then content."""
    out = []
    for t in texts:
        v = np.zeros(32)
        for w in t.lower().split():
            rng = np.random.default_rng(int(hashlib.sha1(w.encode()).hexdigest()[:8], 16))
            v += rng.normal(size=32) * (4.0 if w.capitalize() in PLANS else 0.3 if w in FUNCTION else 1.0)
        out.append(v / np.linalg.norm(v))
    return np.asarray(out, dtype=np.float32)


@pytest.mark.slow  # UMAP/HDBSCAN fits, the whole pipeline or 10k+ segments
def test_clusters_follow_the_request_not_the_plan_name():
    texts, actions = corpus()
    emb = fake_encode(texts)
    masked = PainPointClusterer(seed=1, embed=fake_encode).fit(texts, emb)
    plain = PainPointClusterer(seed=1, embed=fake_encode, mask_slots=False).fit(texts, emb)
    nmi_masked = normalized_mutual_info_score(actions, masked.assignments)
    nmi_plain = normalized_mutual_info_score(actions, plain.assignments)
    assert masked.params["slot_rows"] == len(texts) and len(masked.params["slots"]) == len(PLANS)
    assert nmi_masked > 0.8 and nmi_masked > nmi_plain + 0.3
    assert "slots" not in plain.params
    # labels name the request, not one of the plans the cluster mixes
    assert not any(p.lower() in masked.clusters[t].label.lower() for t in masked.clusters for p in PLANS)
    # new rows are masked as the fit's were: a lowercase plan name joins its request's cluster
    new = ["please close the gold account", "please close the platinum account"]
    got = masked.assign(fake_encode(new), new)
    close = masked.assignments[[i for i, a in enumerate(actions) if a == "close"]]
    assert got.tolist() == [np.bincount(close[close >= 0]).argmax()] * 2


@pytest.mark.slow  # fits UMAP + HDBSCAN (numba compiles on a cold cache)
def test_a_cached_fit_masks_new_rows_and_restores_the_masked_vectors(tmp_path):
    texts, _ = corpus(suffixes=("", " today"))
    emb = fake_encode(texts)
    clusterer = PainPointClusterer(seed=1, embed=fake_encode, cache_dir=tmp_path, cache_tag="fake")
    first, again = clusterer.fit(texts, emb), clusterer.fit(texts, emb)
    assert (first.params["cache"], again.params["cache"]) == ("miss", "hit")
    masker = SlotMasker(first.params["slots"])
    expected = fake_encode([masker.mask(t) for t in texts])
    for fit in (first, again):  # the vectors the fit clustered on (used for ids and curation)
        np.testing.assert_allclose(fit.vectors(emb), expected, atol=1e-6)
        new = ["please delete the gold account"]
        assert fit.assign(fake_encode(new), new).tolist() == fit.assign(fake_encode([masker.mask(new[0])])).tolist()
    assert fit.vectors(emb[:3]) is not None and (fit.vectors(emb[:3]) == emb[:3]).all()  # other rows: as given


@pytest.mark.slow  # fits UMAP + HDBSCAN (numba compiles on a cold cache)
def test_pain_point_ids_of_later_rows_use_the_masked_vectors():
    from feedback2journey.painpoints.table import define_pain_points

    texts, actions = corpus(suffixes=("", " today"))
    emb = fake_encode(texts)
    clustering = PainPointClusterer(seed=1, embed=fake_encode).fit(texts, emb)
    model, ids = define_pain_points(texts, clustering, emb, redact=False)
    new = ["please close the gold account", "please create the platinum account"]
    got = model.assign(fake_encode(new), new, new)
    for text, pp in zip(new, got):  # the id most rows of that request got in the fit
        want = [i for i, a in zip(ids, actions) if a == text.split()[1] and i is not None]
        assert pp == max(set(want), key=want.count)
