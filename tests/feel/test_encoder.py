"""The shipped fine-tuned sentiment encoder (models/sentiment_encoder/): files, checksums, hard cases, shared pass."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

from feedback2journey.feel import encoder as se

MODEL = Path(__file__).resolve().parents[2] / "models" / "sentiment_encoder"


def test_shipped_files_match_checksums_and_card():
    sums = dict(reversed(line.split("  ", 1)) for line in (MODEL / "SHA256SUMS").read_text().splitlines() if line)
    assert set(sums) == {se.WEIGHTS_FILE, se.CONFIG_FILE}
    card = (MODEL / "MODEL_CARD.md").read_text()
    for name, digest in sums.items():
        assert hashlib.sha256((MODEL / name).read_bytes()).hexdigest() == digest, name
        assert digest in card, f"MODEL_CARD.md does not quote the sha256 of {name}"
    assert (MODEL / se.WEIGHTS_FILE).stat().st_size < 12 * 1024 * 1024  # only the fine-tuned top, fp16


def test_config_matches_runtime_constants():
    cfg = json.loads((MODEL / se.CONFIG_FILE).read_text())
    assert cfg["layer_k"] == se.LAYER_K
    assert tuple(cfg["labels"]) == se.LABELS
    assert tuple(cfg["emotions"]) == se.EMOTIONS and len(se.EMOTIONS) == 28
    assert len(cfg["emotion_thresholds"]) == 28 and len(cfg["ekman_thresholds"]) == 7
    members = [e for g in se.EKMAN.values() for e in g]
    assert sorted(members) == sorted(se.EMOTIONS)  # every GoEmotions label in exactly one Ekman group
    assert 0.3 <= cfg["temperature"] <= 3.0


def test_ekman_probs_is_group_max():
    e = np.zeros((1, 28), np.float32)
    e[0, se.EMOTIONS.index("annoyance")] = 0.7
    e[0, se.EMOTIONS.index("gratitude")] = 0.2
    ek = dict(zip(se.EKMAN_LABELS, se.ekman_probs(e)[0]))
    assert ek["anger"] == pytest.approx(0.7) and ek["joy"] == pytest.approx(0.2) and ek["fear"] == 0


# Hard cases: a wrong sign fails. Written for this test; not in the training sentences verbatim.
NEGATIVE = [
    "Thanks for your help, but I'm still waiting for my refund after three weeks.",
    "Still no refund and nobody answers the phone. Have a lovely day.",
    "I've emailed four times about the broken zip and heard nothing. Kind regards, Anna",
    "The parcel has been stuck at the depot for nine days. Thanks.",
]
POSITIVE = ["love the app", "The agent sorted it out in two minutes, brilliant.",
            "Really comfortable dress and it fits perfectly."]
NEUTRAL = ["What time do you open on Sunday?", "Can I change the delivery address on my order?",
           "I ordered the grey sofa last Tuesday."]
MIXED = ["The staff were lovely but the room was filthy."]


@pytest.fixture(scope="module")
def encoder():
    return se.load(MODEL)


@pytest.mark.slow
def test_hard_cases_have_the_right_sign(encoder):
    texts = NEGATIVE + POSITIVE + NEUTRAL + MIXED
    r = encoder.score_texts(texts)
    assert r["probs"].shape == (len(texts), 3) and r["emotions"].shape == (len(texts), 28)
    assert np.allclose(r["probs"].sum(1), 1, atol=1e-5)
    assert np.all(np.abs(r["score"]) <= 1)
    got = dict(zip(texts, encoder.labels(r["probs"])))
    score = dict(zip(texts, r["score"]))
    for t in NEGATIVE:
        assert got[t] == "negative" and score[t] < 0, (t, got[t], score[t])
    for t in POSITIVE:
        assert got[t] == "positive" and score[t] > 0, (t, got[t], score[t])
    for t in NEUTRAL:
        assert got[t] == "neutral", (t, got[t], score[t])
    for t in MIXED:  # a mixed text is not neutral, and not read as praise
        assert got[t] == "negative", (t, got[t], score[t])


@pytest.mark.slow
def test_emotions_point_the_right_way(encoder):
    r = encoder.score_texts(["Thank you so much, you saved my day!", "This is disgusting, I am furious."])
    ek = encoder.ekman(r["emotions"])
    j = list(se.EKMAN_LABELS)
    assert ek[0, j.index("joy")] > ek[0, j.index("anger")]
    assert ek[1, j.index("anger")] + ek[1, j.index("disgust")] > ek[1, j.index("joy")]
    assert "gratitude" in encoder.emotion_labels(r["emotions"])[0]


@pytest.mark.slow
def test_shared_pass_embeddings_equal_sentence_transformers(encoder):
    from sentence_transformers import SentenceTransformer

    texts = ["The refund took forever.", "How do I reset my password?", "Great fit, lovely colour!",
             "I waited on hold for an hour and then the call dropped, so I gave up and wrote this email instead."]
    st = SentenceTransformer(str(se.base_model_path()), device="cpu")
    ref = st.encode(texts, normalize_embeddings=True)
    r = encoder.base_embeddings_and_scores(texts, batch_size=2)
    assert r["embeddings"].shape == ref.shape
    assert np.abs(r["embeddings"] - ref).max() < 1e-5
    alone = encoder.score_texts(texts)
    assert np.abs(alone["probs"] - r["probs"]).max() < 1e-5


@pytest.mark.slow
def test_forward_from_hidden_matches_score_texts(encoder):
    import torch

    texts = ["Still waiting for my card.", "Brilliant service."]
    enc = encoder._tokenize(texts)
    with torch.inference_mode():
        h, _ = encoder._lower(enc)
    r = encoder.forward_from_hidden(h, enc["attention_mask"])
    assert np.abs(r["probs"] - encoder.score_texts(texts)["probs"]).max() < 1e-5
    assert re.fullmatch(r"\d", str(encoder.layer_k))
