"""Fixed splits of the labelled sets that the sentiment encoder trains on and the scoreboard reports.

One rule, shared by scripts/train_sentiment_encoder.py and benchmarks/scoreboard_sets.py so they can never
disagree: a UCI sentence's part is decided by the md5 of its text (stable across file order and pandas versions).
"""
from __future__ import annotations

import hashlib

UCI_TRAIN, UCI_DEV = 0.4, 0.6  # md5 fraction < 0.4: train; < 0.6: dev (choices); the rest (~40%): test (reported)


def uci_part(text: str) -> str:
    """"train", "dev" or "test" for a UCI sentence."""
    f = int(hashlib.md5(text.strip().encode("utf-8")).hexdigest()[:8], 16) / 2**32
    return "train" if f < UCI_TRAIN else ("dev" if f < UCI_DEV else "test")
