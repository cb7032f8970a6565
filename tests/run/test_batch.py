"""Batch runs: chunked reading, row accounting across chunks, resume after a crash (a real kill -9), and the
Dask engine's equivalence with the local one."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from feedback2journey.run.batch import WORK_DIR, BatchOptions, PartStore, run_batch
from feedback2journey.inputs.chunks import expand_inputs, iter_chunks
from feedback2journey.inputs.read import InputError, read_table
from feedback2journey.resources import sample_paths

from conftest import FIXTURES  # noqa: E402


def _tickets(tmp_path: Path, n: int) -> Path:
    """The first ``n`` rows of the bundled sample's tickets (project-written data)."""
    frame = pd.read_csv([p for p in sample_paths() if Path(p).name == "tickets.csv"][0], dtype=str,
                        keep_default_na=False)
    path = tmp_path / "tickets.csv"
    frame.head(n).to_csv(path, index=False)
    return path


def _outputs(out: Path) -> dict[str, pd.DataFrame]:
    return {"items": pd.read_parquet(out / "items.parquet"), "segments": pd.read_parquet(out / "segments.parquet"),
            "pain_points": pd.read_csv(out / "pain_points.csv"), "rejected": pd.read_csv(out / "rejected.csv")}


def _assert_same_outputs(a: Path, b: Path) -> None:
    x, y = _outputs(a), _outputs(b)
    for name in x:
        pd.testing.assert_frame_equal(x[name], y[name], check_exact=True, obj=name)


# ------------------------------------------------------------------------------------------ chunked reading


def test_streamed_csv_jsonl_parquet_chunks_equal_the_whole_file(tmp_path):
    csv_path = FIXTURES / "helpdesk_tickets.csv"
    whole = read_table(csv_path)
    pq_path = tmp_path / "tickets.parquet"
    whole.frame.to_parquet(pq_path)
    for path in (csv_path, pq_path):
        file = expand_inputs([path])[0]
        chunks = list(iter_chunks(file, chunk_rows=7, stream_min_bytes=0))  # force the streaming readers
        assert [len(c.frame) for c in chunks][:-1] == [7] * (len(chunks) - 1)
        joined = pd.concat([c.frame for c in chunks], ignore_index=True)
        pd.testing.assert_frame_equal(joined, whole.frame, check_dtype=False)
        assert sum((c.row_numbers for c in chunks), []) == list(range(1, len(whole.frame) + 1))


def test_streamed_jsonl_keeps_file_row_numbers_for_bad_lines(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps({"id": i, "text": f"Parcel {i} arrived late"}) for i in range(1, 8)]
    lines.insert(4, "{not json")  # record 5
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chunks = list(iter_chunks(expand_inputs([path])[0], chunk_rows=3, stream_min_bytes=0))
    rejects = [r for c in chunks for r in c.rejects]
    assert [r[0] for r in rejects] == [5]
    assert sum((c.row_numbers for c in chunks), []) == [1, 2, 3, 4, 6, 7, 8]


def test_globs_expand_and_a_missing_pattern_names_the_fix(tmp_path):
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("text\nThe app crashes on login\n", encoding="utf-8")
    assert [Path(f.url).name for f in expand_inputs([str(tmp_path / "*.csv")])] == ["a.csv", "b.csv"]
    with pytest.raises(InputError, match="no file matches"):
        expand_inputs([str(tmp_path / "*.tsv")])


# ------------------------------------------------------------------------------------------ batch runs


def test_every_row_is_accounted_for_across_chunks_and_labels_match_in_memory(tmp_path, models, config):
    from feedback2journey.run.pipeline import analyze

    inputs = [FIXTURES / "helpdesk_tickets.csv", FIXTURES / "bad_rows.csv", FIXTURES / "app_reviews.json"]
    result, paths = run_batch(inputs, config, tmp_path / "out", models=models,
                              options=BatchOptions(chunk_rows=4))
    info = json.loads(paths["run.json"].read_text())
    assert info["batch"]["chunks"] >= 6
    assert info["rows_read"] == info["analyzed"] + info["rejected"]
    assert result.items["item_id"].is_unique
    assert not (tmp_path / "out" / WORK_DIR).exists()  # parts are removed once the outputs are written
    memory = analyze(inputs, config, models=models)
    assert info["rows_read"] == memory.run_info["rows_read"]
    pd.testing.assert_frame_equal(result.rejected, memory.rejected, check_dtype=False)
    cols = ["item_id", "stage", "touchpoint", "sentiment_label", "emotion"]
    pd.testing.assert_frame_equal(result.items[cols], memory.items[cols])
    # floats differ in the last bits only (other batch-mates in the encoder)
    np.testing.assert_allclose(result.items["sentiment"], memory.items["sentiment"], atol=1e-4)


def test_a_duplicate_id_in_a_later_chunk_is_rejected(tmp_path, models, config):
    path = tmp_path / "dupes.csv"
    rows = [(f"T{i}", f"My order {i} arrived damaged and nobody answers") for i in range(1, 7)] + \
           [("T2", "Second ticket reusing the id T2, the refund never came")]
    pd.DataFrame(rows, columns=["ticket_id", "text"]).to_csv(path, index=False)
    result, _ = run_batch([path], config, tmp_path / "out", models=models, options=BatchOptions(chunk_rows=3))
    assert len(result.items) == 6
    assert result.rejected["reason"].str.contains("duplicate id 'T2'").tolist() == [True]
    assert result.rejected["row_number"].tolist() == [7]


def test_changed_inputs_or_options_start_the_work_folder_over(tmp_path):
    store = PartStore(tmp_path, "key-a")
    (store.dir / "chunk-000000.done.json").write_text("{}")
    again = PartStore(tmp_path, "key-a")
    assert again.done(0) == {} and again.run_id == store.run_id
    other = PartStore(tmp_path, "key-b")
    assert other.done(0) is None and other.run_id != store.run_id


def test_stopped_run_resumes_to_the_same_outputs(tmp_path, models, config):
    """In-process stop after 3 chunks, then the same call again: equal to one uninterrupted run."""
    from feedback2journey.run.batch import _Stopped
    from feedback2journey.embed.embedder import Embedder

    data = _tickets(tmp_path, 160)
    opts = dict(chunk_rows=40)

    def fresh_models(cache):  # each run with its own, initially empty, embedding cache
        from feedback2journey.run.pipeline import Models
        return Models(config, embedder=Embedder(cache_dir=tmp_path / cache))

    ref_models = fresh_models("cache-ref")
    encoded, original = [], models.embedder.model.iter_encode  # the loaded MiniLM, with a spy on what it encodes
    ref_models.embedder._model = type("Spy", (), {
        "canonical": True, "get_embedding_dimension": lambda self: 384,
        "iter_encode": lambda self, texts, **kw: (encoded.extend(texts if kw.get("tap") else []),
                                                original(texts, **kw))[1]})()  # the segments' pass (with the tap);
    # the taxonomy's examples are encoded without it, and a segment equal to one is encoded again for its sentiment
    run_batch([data], config, tmp_path / "ref", models=ref_models, options=BatchOptions(**opts))
    # a text repeated across chunks (greetings, closers, boilerplate) is encoded once per run, not per chunk
    segments = pd.read_parquet(tmp_path / "ref" / "segments.parquet", columns=["item_id", "text"])
    chunk_of = {item: i // 40 for i, item in enumerate(pd.read_parquet(tmp_path / "ref" / "items.parquet")["item_id"])}
    spread = segments.assign(chunk=segments["item_id"].map(chunk_of)).groupby("text")["chunk"].nunique()
    assert (spread > 1).sum() >= 3
    assert encoded and len(encoded) == len(set(encoded))
    ref_models.embedder._model = models.embedder.model
    resumed_models = fresh_models("cache-run")
    with pytest.raises(_Stopped):
        run_batch([data], config, tmp_path / "run", models=resumed_models,
                  options=BatchOptions(**opts, stop_after_chunks=2))
    assert len(list((tmp_path / "run" / WORK_DIR).glob("*.done.json"))) == 2
    result, paths = run_batch([data], config, tmp_path / "run", models=resumed_models, options=BatchOptions(**opts))
    assert result.run_info["batch"]["resumed_chunks"] == 2
    _assert_same_outputs(tmp_path / "ref", tmp_path / "run")


def _cli(*args, cache: Path) -> list[str]:
    return [sys.executable, "-m", "feedback2journey.cli", "run", *map(str, args), "--cache-dir", str(cache), "-q"]


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_kill_9_mid_run_then_the_same_command_resumes(tmp_path):
    """A real crash: the CLI in a subprocess, killed with SIGKILL once some chunks are done."""
    data = _tickets(tmp_path, 240)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    common = ["--chunk-rows", "30", "--no-redact"]
    ref = subprocess.run(_cli(data, "--out", tmp_path / "ref", *common, cache=tmp_path / "c1"), env=env,
                         capture_output=True, text=True, timeout=600)
    assert ref.returncode == 0, ref.stderr
    out = tmp_path / "run"
    cmd = _cli(data, "--out", out, *common, cache=tmp_path / "c2")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and len(list((out / WORK_DIR).glob("*.done.json"))) < 3 and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list((out / WORK_DIR).glob("*.done.json")))
    assert 3 <= done_before < 8 and not (out / "run.json").exists()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    info = json.loads((out / "run.json").read_text())
    assert info["batch"]["resumed_chunks"] == done_before
    assert info["rows_read"] == 240 == info["analyzed"] + info["rejected"]
    _assert_same_outputs(tmp_path / "ref", out)


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_dask_local_cluster_gives_the_local_engines_outputs(tmp_path, config):
    """Two worker processes, each loading its own models once; the client clusters and writes."""
    data = _tickets(tmp_path, 120)
    local, _ = run_batch([data], config, tmp_path / "local", embedder={"cache_dir": str(tmp_path / "c1")},
                         options=BatchOptions(chunk_rows=30))
    dask, _ = run_batch([data], config, tmp_path / "dask", embedder={"cache_dir": str(tmp_path / "c2")},
                        options=BatchOptions(chunk_rows=30, engine="dask", workers=2))
    assert dask.run_info["batch"]["engine"] == "dask"
    assert local.run_info["models"] == dask.run_info["models"]
    _assert_same_outputs(tmp_path / "local", tmp_path / "dask")


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_worker_processes_give_the_in_process_outputs(tmp_path, config):
    """--jobs 2: two spawned worker processes run the per-row steps (fast mode: vectors do not depend on threads)."""
    data = _tickets(tmp_path, 150)
    run_batch([data], config, tmp_path / "one", embedder={"speed": "fast"}, options=BatchOptions(chunk_rows=25))
    pooled, paths = run_batch([data], config, tmp_path / "two", embedder={"speed": "fast"},
                              options=BatchOptions(chunk_rows=25, jobs=2))
    assert pooled.run_info["batch"]["jobs"] == 2 and pooled.run_info["batch"]["chunks"] == 6
    # the workers scored with the fast model's head, and run.json says so (it named MiniLM's head before)
    assert pooled.run_info["models"]["sentiment"].startswith("fast-"), pooled.run_info["models"]
    _assert_same_outputs(tmp_path / "one", tmp_path / "two")


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_workers_keep_torch_out_unless_the_encoder_runs_on_it(config):
    """Fast and ONNX workers never run torch; importing it (via spaCy's thinc) cost ~180 MB per worker."""
    from feedback2journey.run.workers import ModelSpec, PoolRunner

    assert ModelSpec(config).needs_torch() and ModelSpec(config, embedder={"device": "cuda"}).needs_torch()
    assert not ModelSpec(config, embedder={"backend": "onnx"}).needs_torch()
    fast = ModelSpec(config, embedder={"speed": "fast"})
    assert not fast.needs_torch()
    fast.build()  # as run_batch does before starting workers: the static model exists when they load it
    runner = PoolRunner(fast, jobs=1, threads=1)
    try:
        probe = "(lambda m: (m.get('torch', 0) is None, 'spacy' in m, 'thinc' in m))(__import__('sys').modules)"
        assert runner.pool.submit(eval, probe).result(timeout=300) == (True, True, True)
    finally:
        runner.close()


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_fast_mode_runs_end_to_end_with_its_own_model_ids(tmp_path, config):
    data = _tickets(tmp_path, 120)
    result, paths = run_batch([data], config, tmp_path / "fast", embedder={"speed": "fast"},
                              options=BatchOptions(chunk_rows=50))
    models = result.run_info["models"]
    assert "static" in models["embedding"] and models["sentence_splitter"].endswith("sentencizer")
    assert result.run_info["rows_read"] == 120 == result.run_info["analyzed"] + result.run_info["rejected"]
    assert (result.items["stage"] != "unclassified").mean() > 0.5  # a rougher model, not a broken one
    assert paths["report.html"].exists()


@pytest.mark.parametrize("args, message", [
    (["--engine", "spark"], "--engine"),
    (["--speed", "turbo"], "--speed"),
    (["--speed", "fast", "--backend", "onnx"], "backend"),
    (["--jobs", "many"], "--jobs"),
])
def test_cli_rejects_bad_batch_options_with_a_fix(tmp_path, args, message):
    from typer.testing import CliRunner

    from feedback2journey.cli import app

    res = CliRunner().invoke(app, ["run", str(FIXTURES / "helpdesk_tickets.csv"), "--out", str(tmp_path), *args])
    assert res.exit_code == 2 and message in res.output


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_a_rerun_reuses_every_unchanged_chunk_and_only_redoes_changed_ones(tmp_path, config):
    data = _tickets(tmp_path, 120)
    emb = {"speed": "fast", "cache_dir": str(tmp_path / "cache")}
    first, _ = run_batch([data], config, tmp_path / "first", embedder=emb, options=BatchOptions(chunk_rows=40))
    assert first.run_info["batch"]["chunk_cache"]["misses"] == 3
    again, _ = run_batch([data], config, tmp_path / "again", embedder=emb, options=BatchOptions(chunk_rows=40))
    assert first.run_info["batch"]["chunk_cache"]["replayed"] == 0
    # each chunk has two entries (finished chunk, per-row results) that share their bytes (hard links)
    stored = list((tmp_path / "cache" / "chunks").glob("*/segments.parquet"))
    assert len(stored) == 6 and len({f.stat().st_ino for f in stored}) == 3
    # every chunk replayed whole: not even ingest ran
    assert again.run_info["batch"]["chunk_cache"] == {**first.run_info["batch"]["chunk_cache"], "hits": 3,
                                                      "replayed": 3, "misses": 0}
    assert "segment" not in again.run_info["timings_s"] and "read" not in again.run_info["timings_s"]
    _assert_same_outputs(tmp_path / "first", tmp_path / "again")
    frame = pd.read_csv(data, dtype=str, keep_default_na=False)
    frame.iloc[50, frame.columns.get_loc("description")] = "The courier left my parcel in the rain"
    frame.to_csv(data, index=False)  # one row of the second chunk changed
    changed, _ = run_batch([data], config, tmp_path / "changed", embedder=emb, options=BatchOptions(chunk_rows=40))
    # chunk 1 is computed; chunk 0 is replayed; chunk 2 is ingested again (it follows a changed chunk, whose ids
    # it is checked against) but its per-row results come from the cache
    assert changed.run_info["batch"]["chunk_cache"] == {**first.run_info["batch"]["chunk_cache"], "hits": 2,
                                                        "replayed": 1, "misses": 1}


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_replayed_chunks_still_reject_later_duplicate_ids(tmp_path, config, monkeypatch):
    """Ingest checks ids against earlier chunks: a replayed chunk's ids must count, also when its files had to
    be copied (cache on another file system) and when a cache entry is damaged."""
    data = _tickets(tmp_path, 120)
    frame = pd.read_csv(data, dtype=str, keep_default_na=False)
    emb = {"speed": "fast", "cache_dir": str(tmp_path / "cache")}
    run_batch([data], config, tmp_path / "first", embedder=emb, options=BatchOptions(chunk_rows=40))
    frame.iloc[100, 0] = frame.iloc[5, 0]  # a row of the last chunk repeats an id of the first (replayed) one
    frame.to_csv(data, index=False)
    monkeypatch.setattr(os, "link", lambda *a, **k: (_ for _ in ()).throw(OSError(18, "cross-device link")))
    entries = sorted((tmp_path / "cache" / "chunks").glob("raw-*"), key=lambda e: e.stat().st_mtime_ns)
    (entries[1] / "done.json").write_text("{not json")  # the second chunk's entry (stored in chunk order)
    second, paths = run_batch([data], config, tmp_path / "second", embedder=emb, options=BatchOptions(chunk_rows=40))
    # chunk 0 replayed (copied); chunk 1's entry is damaged: ingested again, per-row results from the cache;
    # chunk 2 changed: computed
    assert second.run_info["batch"]["chunk_cache"] == {"path": str(tmp_path / "cache" / "chunks"), "hits": 2,
                                                       "replayed": 1, "misses": 1}
    rejected = pd.read_csv(paths["rejected.csv"])
    assert rejected["reason"].str.contains("duplicate").sum() == 1
    assert second.run_info["rows_read"] == 120 == second.run_info["analyzed"] + second.run_info["rejected"]
    fresh, _ = run_batch([data], config, tmp_path / "fresh", embedder={"speed": "fast"},
                         options=BatchOptions(chunk_rows=40))  # no cache at all
    _assert_same_outputs(tmp_path / "fresh", tmp_path / "second")


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_a_run_whose_rows_are_all_rejected_still_writes_every_output(tmp_path, config):
    path = tmp_path / "blank.csv"
    path.write_text("id,text\n1,\n2,   \n", encoding="utf-8")
    from feedback2journey.inputs.columns import ColumnMapping

    result, paths = run_batch([path], config, tmp_path / "out", columns=ColumnMapping(text=("text",)),
                              embedder={"speed": "fast"})
    assert result.run_info["rows_read"] == 2 == result.run_info["rejected"]
    assert pd.read_csv(paths["rejected.csv"])["reason"].tolist() == ["empty text", "whitespace-only text"]
    assert len(pd.read_parquet(paths["items.parquet"])) == 0 and paths["report.html"].exists()


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_a_chunk_computed_by_other_code_is_not_reused(tmp_path, config, monkeypatch):
    """The chunk cache's keys include the package's own files, as the result cache's do: a chunk that an
    earlier version of the code computed (or a developer's previous edit) is computed again, not replayed."""
    from feedback2journey.run import result_cache

    data = _tickets(tmp_path, 80)
    emb = {"speed": "fast", "cache_dir": str(tmp_path / "cache")}
    first, _ = run_batch([data], config, tmp_path / "first", embedder=emb, options=BatchOptions(chunk_rows=40))
    monkeypatch.setattr(result_cache, "SOURCE_DIGEST", "an edited package")
    again, _ = run_batch([data], config, tmp_path / "again", embedder=emb, options=BatchOptions(chunk_rows=40))
    assert first.run_info["batch"]["chunk_cache"]["misses"] == 2
    assert again.run_info["batch"]["chunk_cache"]["hits"] == 0 and again.run_info["batch"]["chunk_cache"]["misses"] == 2
    assert again.run_info["result_cache"]["hit"] is False
    _assert_same_outputs(tmp_path / "first", tmp_path / "again")
