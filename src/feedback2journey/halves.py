"""Accurate mode on a small machine: a helper process takes half of each chunk's text-only work.

In accurate mode MiniLM uses every core, and it must keep its thread count: its vectors' last bits depend on it,
and the pain points with them. Anything running beside it costs more than it saves (measured on 2 cores: a
busy process beside the encoder made it 6.5x slower; at idle priority it got <7% of a core). So nothing
overlaps the encoder. Instead the other steps, single-threaded Python (segmenting, classifying, scoring;
~12% of the encoder's time on review texts), run on two cores at once: this process does the first half of
the rows while the helper does the second, then this process encodes everything alone. Every step is row by
row, so the rows are the same as from one process (tested).
"""
from __future__ import annotations

import gc
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

MIN_ROWS = 200  # below this a chunk is not worth the round trip

_STEPS = None  # the helper process's RowSteps, received once at start
_LIMITS = None


def _start(steps) -> None:
    global _STEPS, _LIMITS
    if "torch" not in sys.modules:
        sys.modules["torch"] = None  # nothing here encodes; spaCy's thinc would import torch (~180 MB) otherwise
    from threadpoolctl import threadpool_limits

    _LIMITS = threadpool_limits(1)  # one core: the other is this process's parent's
    _STEPS = steps
    _ = steps.segmenter.nlp  # load spaCy now, while the parent reads its first chunk
    gc.collect()
    gc.freeze()


def _segment(items: pd.DataFrame) -> pd.DataFrame:
    return _STEPS.segment(items)


def _label(items, segments, embeddings, analysis):
    return _STEPS.label(items, segments, embeddings, analysis)


class HalfHelper:
    """One helper process for ``analyze_chunk(..., halves=...)``; it never runs while this process encodes."""

    def __init__(self, steps):
        self.steps = steps
        self.rows = 0  # items the helper took (run_info reports it)
        self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                                        initargs=(steps,))

    def segment(self, items: pd.DataFrame) -> pd.DataFrame:
        if len(items) < MIN_ROWS:
            return self.steps.segment(items)
        k = len(items) // 2
        self.rows += len(items) - k
        theirs = self.pool.submit(_segment, items.iloc[k:])
        mine = self.steps.segment(items.iloc[:k])
        return pd.concat([mine, theirs.result()], ignore_index=True)

    def label(self, items: pd.DataFrame, segments: pd.DataFrame, embeddings: np.ndarray,
              analysis: list[str]) -> tuple[pd.DataFrame, dict]:
        if len(items) < MIN_ROWS:
            return self.steps.label(items, segments, embeddings, analysis)
        k = len(items) // 2
        # segments come in item order, so the first half's segments are a prefix
        j = int(segments["item_id"].isin(items["item_id"].iloc[:k]).sum())
        theirs = self.pool.submit(_label, items.iloc[k:], segments.iloc[j:], embeddings[j:], analysis[j:])
        mine, seconds = self.steps.label(items.iloc[:k], segments.iloc[:j], embeddings[:j], analysis[:j])
        rest, their_seconds = theirs.result()
        both = {name: max(seconds[name], their_seconds[name]) for name in seconds}
        return pd.concat([mine, rest]), both

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
