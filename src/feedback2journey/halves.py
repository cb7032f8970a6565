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
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)
MIN_ROWS = 200  # below this a chunk is not worth the round trip

_STEPS = None  # the helper process's RowSteps, received once at start


def _start(steps) -> None:
    global _STEPS
    from threadpoolctl import threadpool_limits

    from feedback2journey.batch import start_worker_process

    start_worker_process(keep_torch=False)  # nothing here encodes; a killed run leaves no helper behind

    threadpool_limits(1)  # one core for numpy: the other is the parent's
    _STEPS = steps
    _ = steps.segmenter.nlp  # load spaCy now, while the parent reads its first chunk
    gc.collect()
    gc.freeze()


def _segment(items: pd.DataFrame) -> pd.DataFrame:
    return _STEPS.segment(items)


def _label(items, segments, embeddings, analysis):
    return _STEPS.label(items, segments, embeddings, analysis)


class HalfHelper:
    """One helper process for ``analyze_chunk(..., halves=...)``, with ``RowSteps``' two methods; it never runs
    while this process encodes. If the helper dies (killed, out of memory), this process does its half and
    every later chunk alone, with a warning: the run goes on."""

    def __init__(self, steps):
        self.steps = steps
        self.rows = 0  # items the helper took (run_info reports it)
        self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                                        initargs=(steps,))
        self.broken = False

    def segment(self, items: pd.DataFrame) -> pd.DataFrame:
        if len(items) < MIN_ROWS or self.broken:
            return self.steps.segment(items)
        k = len(items) // 2
        theirs = self._submit(_segment, items.iloc[k:])
        mine = self.steps.segment(items.iloc[:k])
        rest = self._result(theirs, len(items) - k, self.steps.segment, items.iloc[k:])
        return pd.concat([mine, rest], ignore_index=True)

    def label(self, items: pd.DataFrame, segments: pd.DataFrame, embeddings: np.ndarray,
              analysis: list[str]) -> tuple[pd.DataFrame, dict]:
        if len(items) < MIN_ROWS or self.broken:
            return self.steps.label(items, segments, embeddings, analysis)
        k = len(items) // 2
        # segments come in item order, so the first half's segments are a prefix
        j = int(segments["item_id"].isin(items["item_id"].iloc[:k]).sum())
        half = (items.iloc[k:], segments.iloc[j:], embeddings[j:], analysis[j:])
        theirs = self._submit(_label, *half)
        mine, seconds = self.steps.label(items.iloc[:k], segments.iloc[:j], embeddings[:j], analysis[:j])
        rest, their_seconds = self._result(theirs, 0, self.steps.label, *half)
        both = {name: max(seconds[name], their_seconds[name]) for name in seconds}
        return pd.concat([mine, rest]), both

    def _submit(self, fn, *args):
        try:
            return self.pool.submit(fn, *args)
        except BrokenProcessPool as exc:  # it died after its last task
            self._lost(exc)
            return None

    def _result(self, future, rows: int, fallback, *args):
        if future is not None:
            try:
                result = future.result()
                self.rows += rows
                return result
            except BrokenProcessPool as exc:
                self._lost(exc)
        return fallback(*args)

    def _lost(self, exc: Exception) -> None:
        log.warning("the helper process stopped (%s); this process does all the work from here on", exc)
        self.broken = True

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
