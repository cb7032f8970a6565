"""The run-level result cache (result_cache.py): an unchanged rerun links the outputs of an earlier run instead of
computing them; anything that changes the outputs is a miss; a damaged entry is detected and recomputed.

Fast mode on the first 120 tickets of the bundled sample (project-written data), one set of models for the module.
"""
import json
import logging
import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from feedback2journey.run import result_cache
from feedback2journey.run.batch import WORK_DIR, BatchOptions, _Stopped, run_batch
from feedback2journey.painpoints.curate import STATE_JSON
from feedback2journey.run.result_cache import CachedResult, ResultCache, result_key
from run.test_batch import _assert_same_outputs, _tickets

OPTS = dict(chunk_rows=40)
TIMING_KEYS = {"timings_s", "batch", "result_cache", "embedding_cache"}  # this run's own figures


def _models(config, cache: Path):
    from feedback2journey.embed.embedder import Embedder
    from feedback2journey.run.pipeline import Models

    return Models(config, embedder=Embedder(speed="fast", cache_dir=cache))


class Runner:
    """run_batch in fast mode with one embedding/chunk/result cache folder and models loaded once."""

    def __init__(self, config, root: Path, cache: str = "cache"):
        self.config, self.root, self.cache = config, root, root / cache
        self.models = _models(config, self.cache)

    def __call__(self, out: str, data: Path, **kw):
        options = BatchOptions(**{**OPTS, **kw.pop("options", {})})
        return run_batch([data], self.config, self.root / out, models=self.models, options=options,
                         embedder={"speed": "fast", "cache_dir": str(self.cache)}, **kw)


@pytest.fixture(scope="module")
def base(config, tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    run = Runner(config, root)
    data = _tickets(root, 120)
    result, paths = run("first", data)
    return run, data, result, paths


def _entry(run: Runner, result) -> Path:
    return run.cache / "results" / result.run_info["result_cache"]["key"]


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_an_identical_rerun_links_the_cached_outputs(base):
    run, data, first, paths = base
    assert first.run_info["result_cache"]["hit"] is False and len(first.pain_points) > 0
    again, again_paths = run("again", data)
    assert again.run_info["result_cache"] == {"key": first.run_info["result_cache"]["key"], "hit": True,
                                              "run_at": again.run_info["result_cache"]["run_at"]}
    assert isinstance(again, CachedResult) and set(again_paths) == set(paths) and "pain_point_centroids.npy" in paths
    for name, path in paths.items():
        if name != "run.json":
            assert again_paths[name].read_bytes() == path.read_bytes(), name
            assert again_paths[name].stat().st_ino == (_entry(run, first) / name).stat().st_ino  # linked, not copied
    info = json.loads(again_paths["run.json"].read_text())
    before = json.loads(paths["run.json"].read_text())
    assert info["result_cache"]["hit"] and "cluster" not in info["timings_s"] and "cluster" in before["timings_s"]
    assert {k: v for k, v in info.items() if k not in TIMING_KEYS} == \
        {k: v for k, v in before.items() if k not in TIMING_KEYS}
    assert info["batch"]["chunk_cache"]["replayed"] == 3 and not (run.root / "again" / WORK_DIR).exists()
    # the returned result reads its tables back from the outputs
    assert len(again.pain_points) == len(first.pain_points)
    assert again.items["item_id"].tolist() == first.items["item_id"].tolist()
    assert again.journey == json.loads(paths["journey.json"].read_text())
    # no staging leftovers: only the run lock's file stays (files.run_lock: deleting it would race)
    assert [p.name for p in (run.root / "again").glob(".*")] == [".f2j-lock"]


def _edit_row(root: Path, data: Path) -> Path:
    frame = pd.read_csv(data, dtype=str, keep_default_na=False)
    frame.iloc[50, frame.columns.get_loc("description")] = "The courier left my parcel in the rain"
    path = root / "edited" / "tickets.csv"  # the same file name: only the row differs
    path.parent.mkdir(exist_ok=True)
    frame.to_csv(path, index=False)
    return path


@pytest.mark.slow  # runs the whole pipeline
@pytest.mark.parametrize("change", ["row", "xlsx", "segment_by", "previous", "curation"])
def test_anything_that_changes_the_outputs_is_a_miss(base, change):
    run, data, first, _ = base
    kw, out = {}, f"miss-{change}"
    if change == "row":
        data = _edit_row(run.root, data)
    elif change == "xlsx":
        kw["xlsx"] = True
    elif change == "segment_by":
        kw["segment_by"] = "channel"
    elif change == "previous":
        kw["previous"] = run.root / "first"  # ids matched to the first run's: pain_points.csv's change column
    else:
        pp = first.pain_points["pain_point_id"].iloc[0]
        kw["curation"] = run.root / "curation.yaml"
        kw["curation"].write_text(yaml.safe_dump({"pain_points": {pp: {"name": "Renamed by a researcher"}}}))
    result, paths = run(out, data, **kw)
    assert result.run_info["result_cache"]["hit"] is False
    assert result.run_info["result_cache"]["key"] != first.run_info["result_cache"]["key"]
    if change == "row":
        assert "left my parcel in the rain" in paths["items.csv"].read_text()
    elif change == "xlsx":
        assert paths["journey.xlsx"].exists()
    elif change == "curation":
        assert "Renamed by a researcher" in paths["pain_points.csv"].read_text()
        kw["curation"].write_text(yaml.safe_dump({"pain_points": {pp: {"name": "Renamed again"}}}))  # same path
        again, paths = run(out + "-2", data, **kw)
        assert not again.run_info["result_cache"]["hit"] and "Renamed again" in paths["pain_points.csv"].read_text()
    if change in ("previous", "segment_by"):  # the same change again: stored by the miss, now a hit
        assert run(out + "-2", data, **kw)[0].run_info["result_cache"]["hit"] is True


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_previous_and_curation_count_by_content(base, tmp_path):
    """A copy of the previous run's state elsewhere is a hit; a changed state is a miss; unreadable: no key."""
    run, data, first, _ = base
    keys, context = ["k1", "k2"], {"config": "x"}
    prev = tmp_path / "prev"
    shutil.copytree(run.root / "first", prev)
    assert result_key(keys, context, previous=prev) == result_key(keys, context, previous=run.root / "first")
    assert result_key(keys, context, previous=tmp_path / "empty") == result_key(keys, context)  # no state: none
    state = json.loads((prev / STATE_JSON).read_text())
    (prev / STATE_JSON).write_text(json.dumps({**state, "next_id": state["next_id"] + 1}))
    assert result_key(keys, context, previous=prev) != result_key(keys, context, previous=run.root / "first")
    (prev / STATE_JSON).write_text("{not json")
    assert result_key(keys, context, previous=prev) is None
    cur = tmp_path / "c.yaml"
    cur.write_text("pain_points: {}\n")
    one = result_key(keys, context, curation=cur)
    cur.write_text("pain_points: {PP01: {ignore: true}}\n")
    assert one != result_key(keys, context, curation=cur) != result_key(keys, context)
    assert result_key(keys, context, xlsx=True) != result_key(keys, context, xlsx=False)


def test_a_code_change_is_a_miss(monkeypatch):
    key = result_key(["k"], {})
    monkeypatch.setattr(result_cache, "SOURCE_DIGEST", "edited")
    assert result_key(["k"], {}) != key


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_a_damaged_entry_is_detected_and_recomputed(base, caplog):
    run, data, first, paths = base
    entry = _entry(run, first)
    reference = run.root / "reference"
    shutil.copytree(entry, reference)  # real copies: the outputs of "first" are the entry's files (links)
    with open(entry / "items.csv", "r+b") as fh:  # an output edited in place damages the entry too
        fh.truncate(100)
    with caplog.at_level(logging.WARNING, logger="feedback2journey.run.result_cache"):
        fixed, fixed_paths = run("fixed", data)
    assert "damaged" in caplog.text and "items.csv" in caplog.text
    assert fixed.run_info["result_cache"]["hit"] is False
    assert fixed_paths["items.csv"].read_bytes() == (reference / "items.csv").read_bytes()
    _assert_same_outputs(reference, run.root / "fixed")
    assert run("fixed-again", data)[0].run_info["result_cache"]["hit"] is True  # stored afresh
    shutil.copyfile(reference / "items.csv", paths["items.csv"])  # "first" whole again for the other tests


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_the_cli_says_so_and_no_result_cache_recomputes(base):
    from feedback2journey.cli import app

    run, data, first, _ = base
    args = ["run", str(data), "--speed", "fast", "--chunk-rows", "40", "--cache-dir", str(run.cache)]
    cli = CliRunner()
    res = cli.invoke(app, [*args, "--out", str(run.root / "cli-1")])
    assert res.exit_code == 0, res.output
    res = cli.invoke(app, [*args, "--out", str(run.root / "cli-2")])
    assert res.exit_code == 0 and "from the result cache" in " ".join(res.output.split()), res.output
    res = cli.invoke(app, [*args, "--out", str(run.root / "cli-3"), "--no-result-cache"])
    assert res.exit_code == 0 and "from the result cache" not in res.output, res.output
    info = json.loads((run.root / "cli-3" / "run.json").read_text())
    assert info["result_cache"] is None and "cluster" in info["timings_s"]
    _assert_same_outputs(run.root / "cli-2", run.root / "cli-3")


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_a_stopped_then_resumed_run_writes_the_same_outputs(base, config):
    """Resumed chunks key the run like computed or replayed ones: its entry serves the next identical run."""
    run, data, first, _ = base
    other = Runner(config, run.root, "resume-cache")  # a fresh cache: the chunks are computed
    with pytest.raises(_Stopped):
        other("resumed", data, options={"stop_after_chunks": 2})
    assert len(list((run.root / "resumed" / WORK_DIR).glob("*.done.json"))) == 2
    result, _ = other("resumed", data)
    assert result.run_info["batch"]["resumed_chunks"] == 2 and result.run_info["result_cache"]["hit"] is False
    _assert_same_outputs(run.root / "first", run.root / "resumed")
    again, _ = other("after-resume", data)
    assert (again.run_info["result_cache"]["key"], again.run_info["result_cache"]["hit"]) == \
        (result.run_info["result_cache"]["key"], True)
    _assert_same_outputs(run.root / "first", run.root / "after-resume")


def test_pruning_keeps_the_newest_and_counts_linked_bytes_once(tmp_path):
    files = {}
    for name, size in (("a", 1000), ("b", 1000), ("c", 5000)):
        files[name] = tmp_path / name
        files[name].write_bytes(os.urandom(size))
    cache = ResultCache(tmp_path / "results", max_bytes=1500)

    def put(key, source):
        cache.put(key, {"run.json": files[source]})
        time.sleep(0.02)  # distinct modification times
        return sorted(p.name for p in cache.dir.iterdir())

    assert put("k1", "a") == ["k1"]
    assert put("k2", "b") == ["k2"]  # least recently used first
    assert put("k3", "c") == ["k3"]  # the newest stays even alone past the limit
    cache.max_bytes = 6000
    assert put("k4", "c") == ["k3", "k4"]  # the same file linked twice: 5,000 bytes, not 10,000
    assert cache.get("k3")["run.json"].read_bytes() == files["c"].read_bytes()
