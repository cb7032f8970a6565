"""Worker processes: what they may assume the client did before they start."""
from pathlib import Path

import pandas as pd
import pytest

from feedback2journey.resources import sample_paths
from feedback2journey.run.batch import BatchOptions, run_batch


@pytest.mark.slow
def test_fast_mode_with_workers_on_a_fresh_cache_builds_the_static_model_once_in_the_client(tmp_path, config,
                                                                                             monkeypatch):
    """The README's `--speed fast` example on a fresh machine: no static model in the cache, more than 4 chunks,
    worker processes. Each worker used to try to build the model itself, without torch (kept out of workers):
    ImportError. Now the client builds it before the workers start, and they only load it."""
    cache = tmp_path / "fresh-cache"
    monkeypatch.setenv("F2J_CACHE_DIR", str(cache))  # spawned workers inherit it: the same empty models folder
    frame = pd.read_csv([p for p in sample_paths() if Path(p).name == "tickets.csv"][0], dtype=str,
                        keep_default_na=False).head(120)
    data = tmp_path / "tickets.csv"
    frame.to_csv(data, index=False)
    result, paths = run_batch([data], config, tmp_path / "out", embedder={"speed": "fast", "cache_dir": str(cache)},
                              options=BatchOptions(chunk_rows=20, jobs=2))
    assert result.run_info["batch"]["jobs"] == 2 and result.run_info["batch"]["chunks"] == 6
    assert (cache / "models").is_dir() and any((cache / "models").glob("*/build.json"))
    assert result.run_info["analyzed"] + result.run_info["rejected"] == 120
