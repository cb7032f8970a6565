"""The library checks its own options before any work, and names the fix in Python terms."""
from types import SimpleNamespace

import pandas as pd
import pytest

from conftest import FIXTURES
from feedback2journey.config import ConfigError
from feedback2journey.inputs.read import InputError
from feedback2journey.run import batch
from feedback2journey.run.batch import BatchOptions, run_batch
from feedback2journey.run.result import cluster_targets


@pytest.mark.parametrize("kwargs, where", [({"engine": "spark"}, "engine"), ({"chunk_rows": 0}, "chunk_rows"),
                                           ({"jobs": -1}, "jobs"), ({"workers": 0}, "workers")])
def test_batch_options_are_checked_when_made(kwargs, where):
    with pytest.raises(ConfigError, match=where) as e:
        BatchOptions(**kwargs)
    assert "--" not in str(e.value)
    if where == "engine":
        assert "BatchOptions(engine='local')" in str(e.value) and "--engine local" in e.value.for_cli()


def test_an_unknown_cluster_on_is_an_error_not_all_rows():
    segments = pd.DataFrame({"sentiment_label": ["negative", "positive"], "is_closer": [False, False]})
    assert cluster_targets(segments, "negative").tolist() == [True, False]
    assert cluster_targets(segments, "all").tolist() == [True, True]
    with pytest.raises(ConfigError, match="cluster_on='all'"):
        cluster_targets(segments, "al")


def test_a_segment_by_typo_fails_before_any_row_is_analyzed(tmp_path, config, monkeypatch):
    def analyzed(*args, **kwargs):
        raise AssertionError("a chunk was analyzed before the option was checked")

    monkeypatch.setattr(batch, "analyze_chunk", analyzed)
    stub = SimpleNamespace(embedder=SimpleNamespace(model_id="m", cache_dir=None, speed="accurate", cache=None))
    with pytest.raises(InputError, match="segment_by: no column 'plann'") as e:
        run_batch([FIXTURES / "survey_nps.csv"], config, tmp_path, segment_by="plann", models=stub)
    assert "--segment-by COLUMN" in e.value.for_cli()
    with pytest.raises(ConfigError, match="cluster_on"):
        run_batch([FIXTURES / "survey_nps.csv"], config, tmp_path, cluster_on="every", models=stub)
