"""The helper process that takes half of accurate mode's text steps (halves.py)."""
import os
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pandas as pd
import pytest

import feedback2journey.halves as halves
from feedback2journey.halves import HalfHelper
from feedback2journey.ingest import ingest_paths
from feedback2journey.pipeline import analyze_chunk
from feedback2journey.resources import sample_paths


@pytest.fixture(scope="module")
def items(config):
    return ingest_paths(sample_paths(), None, config.settings).items.head(120).reset_index(drop=True)


def _same(a, b):
    pd.testing.assert_frame_equal(a.segments, b.segments, check_exact=True)
    assert np.array_equal(a.embeddings, b.embeddings)


def test_half_of_the_rows_in_the_helper_give_the_same_chunk_and_a_dead_helper_is_replaced(
        items, models, monkeypatch, caplog):
    monkeypatch.setattr(halves, "MIN_ROWS", 10)
    alone = analyze_chunk(items, models)
    helper = HalfHelper(models.row_steps())
    try:
        _same(alone, analyze_chunk(items, models, halves=helper))
        assert helper.rows == len(items) - len(items) // 2 and not helper.broken

        with pytest.raises(BrokenProcessPool):  # the helper dies between chunks (killed, out of memory)
            helper.pool.submit(os._exit, 1).result(timeout=60)
        _same(alone, analyze_chunk(items, models, halves=helper))  # this process did its half
        assert helper.broken and "helper process stopped" in caplog.text
    finally:
        helper.close()
