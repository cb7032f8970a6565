"""Batch runs over whole exports: chunked, resumable, bounded in memory, locally or on Dask workers.

    inputs -> chunks (chunks.py) -> ingest (client, in order) -> analyze_chunk (here or on a Dask worker)
           -> part files in OUT/.f2j-work/ -> finish (clustering on a sample, journey, report) -> outputs

Each finished chunk is a set of part files plus a ``.done`` marker written last, so ``kill -9`` loses at most
the chunks in flight: the same command again skips every chunk that has its marker and gives the same
outputs as an uninterrupted run. The work folder is keyed by the inputs (path, size, mtime), the config and
the options that change results; if any of those change, it starts over. It is removed once the outputs are
written (``keep_parts=True`` keeps it). Once every chunk is keyed, a run identical to one that finished before
(same rows, code and options) skips ``finish`` and writing: its outputs are linked from the result cache
(result_cache.py).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from feedback2journey import __version__
from feedback2journey.chunk_cache import ChunkCache, chunk_key, context_key, raw_chunk_key
from feedback2journey.chunks import STREAM_MIN_BYTES, InputFile, expand_inputs, iter_chunks
from feedback2journey.columns import ColumnError, ColumnMapping, detect_columns
from feedback2journey.config import Config, load_config
from feedback2journey.ingest import input_summary, items_from_table, source_names
from feedback2journey.parts import WORK_DIR, PartStore  # noqa: F401  (re-exported: the work folder)
from feedback2journey.progress import Reporter
from feedback2journey.read import InputError

log = logging.getLogger(__name__)
# The helper saves ~45% of the text steps (~3 us per character on 2 cores) and costs ~2 s to start: below ~3M
# characters of text it does not pay (Banking77, 0.55M: 34.9 s with it, 32.5 s without; clothing reviews, ~7M: faster)
HALVES_MIN_CHARS = 3_000_000


@dataclass
class BatchOptions:
    """How a batch run is executed (none of these change the results, except through the run key)."""

    chunk_rows: int = 5000
    engine: str = "local"  # local | dask
    scheduler: str | None = None  # a Dask scheduler address; None = a LocalCluster on this machine
    workers: int = 2  # LocalCluster size
    keep_parts: bool = False
    stream_min_bytes: int = STREAM_MIN_BYTES  # files at least this big are streamed, smaller ones read whole
    jobs: int = 1  # worker processes for the per-row steps on this machine (1 = in this process, 0 = auto:
    # one per core in fast mode once the input spans more than 4 chunks)
    threads: int | None = None  # encoder threads per worker (None: Dask = this process's count, jobs = split it)
    stop_after_chunks: int | None = None  # testing aid: stop (as if killed) after this many new chunks
    result_cache: bool = True  # an unchanged run takes its outputs from the result cache (needs the chunk cache)
    halves: bool | None = None  # a helper process takes half of the text-only steps (halves.py); None = auto:
    # with jobs=0 (auto) in accurate mode on 2+ cores, once the input has HALVES_MIN_CHARS of text


@dataclass
class ModelSpec:
    """What a worker needs to build the same ``Models`` as the client (sent once per task, small)."""

    config: Config
    model: str | None = None
    embedder: dict = field(default_factory=dict)  # Embedder keyword arguments

    def key(self) -> str:
        return hashlib.sha1(json.dumps([self.config.hash(), self.model, self.embedder], sort_keys=True,
                                       default=str).encode()).hexdigest()

    def needs_torch(self) -> bool:
        """Only MiniLM on torch (or a GPU) needs torch to run; the static and ONNX encoders are built by the
        client before workers start and run on numpy / ONNX Runtime."""
        e = self.embedder
        return (e.get("backend") or ("static" if e.get("speed") == "fast" else "torch")) == "torch" \
            or e.get("device", "cpu") != "cpu"

    def build(self):
        from feedback2journey.embed import Embedder
        from feedback2journey.pipeline import Models

        return Models(self.config, model=self.model, embedder=Embedder(**self.embedder))


def run_key(files: list[InputFile], cfg: Config, spec: ModelSpec, **options) -> str:
    blob = {"version": __version__, "config": cfg.hash(), "models": spec.key(),
            "inputs": [(f.url, f.size, f.mtime) for f in files], **options}
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()[:20]


def run_batch(inputs: list[str | Path] | None, config: Config | str | Path | None, out_dir: str | Path, *,
              columns: ColumnMapping | None = None, encoding: str | None = None, redact: bool = True,
              segment_by: str | None = None, model: str | Path | None = None, embedder: dict | None = None,
              cluster_on: str | None = None, previous=None, curation=None, xlsx: bool = False,
              options: BatchOptions | None = None, reporter: Reporter | None = None, models=None):
    """Analyze files chunk by chunk into ``out_dir`` and write every output. Returns (JourneyResult, paths): a
    ``result_cache.CachedResult`` when an identical run's outputs were linked (``options.result_cache``).

    ``embedder``: keyword arguments for ``Embedder`` (cache_dir, speed...). Same inputs and options give the
    same outputs as ``analyze``; a killed run resumes from its finished chunks.
    """
    from feedback2journey.finish import finish
    from feedback2journey.pipeline import analyze_chunk, cluster_targets
    from feedback2journey.resources import sample_paths
    from feedback2journey.result_cache import ResultCache, result_key, source_digest
    from feedback2journey.write import write_outputs

    started = time.perf_counter()
    opts = options or BatchOptions()
    reporter = reporter or Reporter()
    cfg = config if isinstance(config, Config) else load_config(config)
    cluster_on = cluster_on or cfg.settings.cluster_on
    files = expand_inputs(list(inputs) if inputs else sample_paths())
    spec = ModelSpec(cfg, str(model) if model else None, dict(embedder or {}))
    models = models or spec.build()
    key = run_key(files, cfg, spec, columns=columns, encoding=encoding, redact=redact, chunk_rows=opts.chunk_rows,
                  cluster_on=cluster_on, embedding=models.embedder.model_id)
    store = PartStore(Path(out_dir), key)
    sources = source_names([Path(f.name) for f in files])
    timings: dict[str, float] = {}
    summaries, chunk_ids = [], []
    estimate = sum(_estimate_rows(f) for f in files)
    # auto: worker processes pay off in fast mode; in accurate mode the encoder already uses every core, and
    # one-thread workers measured slower (Banking77: per-chunk steps 25.7 s with 2 workers, 18.6 s without)
    fast = getattr(models.embedder, "speed", "accurate") == "fast"
    jobs = opts.jobs or (auto_jobs() if fast and estimate > 4 * opts.chunk_rows else 1)
    # workers start with the first chunk that needs them: a rerun served by the chunk cache starts none
    use_workers, runner = opts.engine == "dask" or jobs > 1, None
    halves = None  # started with the first chunk that is computed here, like the workers
    # auto (with --jobs auto, accurate mode, 2+ cores): None until the first computed chunk shows the text's length
    if use_workers:
        use_halves = False
    elif opts.halves is not None:
        use_halves = opts.halves
    else:
        use_halves = None if opts.jobs == 0 and not fast and auto_jobs() > 1 else False
    chunk_cache, chunk_keys, raw_keys = None, {}, {}
    if models.embedder.cache_dir is not None:  # per-chunk results kept beside the embedding cache
        chunk_cache = ChunkCache(Path(models.embedder.cache_dir) / "chunks")
    # "code": the package's own files, so a chunk computed by other code (an edit, an unreleased build) is a miss
    cache_context = {"version": __version__, "code": source_digest(), "config": cfg.hash(), "model": spec.model,
                     "redact": redact, "embedder": {k: v for k, v in spec.embedder.items() if k != "cache_dir"},
                     "embedding": models.embedder.model_id, "cluster_on": cluster_on}
    new_chunks, file_keys = 0, []  # file_keys: each file's last chained chunk key (the result cache's key)
    try:
        with reporter.step("Analyzing rows", total=estimate) as advance:
            def store_chunk(n, items, rejects, meta, chunk, worker_timings=None):
                for step, sec in (worker_timings or {}).items():  # summed over workers: CPU seconds, not wall
                    timings[step] = round(timings.get(step, 0.0) + sec, 3)
                targets = chunk.embeddings[cluster_targets(chunk.segments, cluster_on)]
                store.write(n, items, chunk.segments, targets, rejects, meta)
                if n in chunk_keys:
                    chunk_cache.put(chunk_keys.pop(n), store.part_files(n))
                if n in raw_keys:
                    chunk_cache.put_parts(raw_keys.pop(n), store.part_files(n))
                advance(meta["rows"])

            n = 0
            for file, source in zip(files, sources):
                seen: dict[str, int] = {}
                cols, stats, warnings, first = None, [0, 0, 0], [], None
                link = context_key({**cache_context, "source": source, "columns": repr(columns), "encoding": encoding})
                for table in iter_chunks(file, opts.chunk_rows, encoding, opts.stream_min_bytes):
                    first = first or table
                    if cols is None:
                        try:
                            cols = detect_columns(table.frame, columns)
                        except ColumnError as exc:
                            raise InputError(f"{file.url}: {exc}") from exc
                        for note in cols.notes:
                            log.warning("%s: %s", source, note)
                            warnings.append(f"{source}: {note}")
                    warnings += table.warnings
                    done, replayed = store.done(n), False
                    if chunk_cache is not None:
                        link = raw_chunk_key(table, link)  # this chunk's rows as read, after the file's earlier ones
                        if done is not None:
                            chunk_cache.put_parts(link, store.part_files(n))  # no-op unless it was killed before
                        else:
                            done = _replay(chunk_cache, store, n, link)
                            replayed = done is not None
                    if done is not None:  # finished before a crash, or in an earlier run: only its ids are needed
                        ids = store.item_ids(n)
                        seen.update(zip(ids["item_id"], ids["row_number"]))
                        stats = [a + b for a, b in zip(stats, done["stats"])]
                        warnings += done["warnings"]
                        chunk_ids.append(n)
                        advance(done["rows"])
                        n += 1
                        new_chunks += replayed
                        continue
                    t_read = time.perf_counter()
                    items, rejects, warns = items_from_table(_with_columns(table, cols), source, cols, cfg.settings,
                                                             redact, seen_ids=seen)
                    timings["read"] = round(timings.get("read", 0.0) + time.perf_counter() - t_read, 3)
                    rows = len(table.frame) + len(table.rejects)
                    meta = {"rows": rows, "stats": [rows, len(items), len(rejects)], "warnings": warns}
                    stats = [a + b for a, b in zip(stats, meta["stats"])]
                    warnings += warns
                    cached = None
                    if chunk_cache is not None:  # the same rows, config and models in an earlier run
                        raw_keys[n] = link
                        chunk_keys[n] = chunk_key(items, cache_context)
                        cached = chunk_cache.get(chunk_keys[n])
                    if cached is not None:
                        store.write(n, items, cached[0], cached[1], rejects, meta)
                        chunk_keys.pop(n)
                        chunk_cache.put_parts(raw_keys.pop(n), store.part_files(n))
                        advance(meta["rows"])
                    elif use_workers:
                        if runner is None:
                            runner = _DaskRunner(spec, opts) if opts.engine == "dask" else _PoolRunner(spec, opts, jobs)
                        runner.submit(n, store.run_id, items, rejects, meta, store_chunk)
                    else:
                        if models.embedder.cache is not None:
                            models.embedder.cache.scope(store.run_id, n)
                        if use_halves is None and len(items):
                            use_halves = _halves_pay_off(items, rows, estimate)
                        if use_halves and halves is None:
                            from feedback2journey.halves import HalfHelper

                            halves = HalfHelper(models.row_steps())
                        store_chunk(n, items, rejects, meta, analyze_chunk(items, models, None, timings, halves))
                    chunk_ids.append(n)
                    n += 1
                    new_chunks += 1
                    if opts.stop_after_chunks is not None and new_chunks >= opts.stop_after_chunks:
                        if runner is not None:
                            runner.drain()
                        raise _Stopped()
                if first is not None:
                    summaries.append(input_summary(first, source, cols, *stats, warnings))
                file_keys.append(link)
            if runner is not None:
                runner.drain()
    finally:
        if runner is not None:
            runner.close()
        if halves is not None:
            halves.close()
    timings["chunks"] = round(time.perf_counter() - started, 3)
    store.chunks = chunk_ids

    def batch_info() -> dict:
        return {"engine": opts.engine, "jobs": jobs if opts.engine == "local" else None, "chunk_rows": opts.chunk_rows,
                "helper_rows": halves.rows if halves is not None else None,
                "chunks": len(chunk_ids), "resumed_chunks": len(chunk_ids) - new_chunks, "peak_rss_mb": peak_rss_mb(),
                "chunk_cache": chunk_cache.stats() if chunk_cache is not None else None}

    # the whole run, when one with the same inputs, code and options finished before: its outputs are linked
    results = key = cached = None
    if chunk_cache is not None and opts.result_cache:
        results = ResultCache(Path(models.embedder.cache_dir) / "results")
        key = result_key(file_keys, cache_context, previous=previous, curation=curation, model=model,
                         segment_by=segment_by, xlsx=xlsx, inputs=[f.url for f in files], config=cfg.path)
        cached = results.get(key) if key else None
    if cached is not None:
        result, paths = _from_result_cache(cached, Path(out_dir), key, timings, started, batch_info(), models)
    else:
        result = finish(store, models, summaries, reporter=reporter, timings=timings, started=started, redact=redact,
                        segment_by=segment_by, cluster_on=cluster_on, previous=previous, curation=curation)
        result.run_info["batch"] = batch_info()
        result.run_info["result_cache"] = {"key": key, "hit": False} if key else None
        paths = write_outputs(result, Path(out_dir), xlsx=xlsx)
        if key:
            results.put(key, paths)
    if not opts.keep_parts:
        store.remove()
    return result, paths


def _from_result_cache(files: dict[str, Path], out_dir: Path, key: str, timings: dict, started: float, batch: dict,
                       models):
    """A cached run's outputs linked into ``out_dir``; its run.json keeps what the outputs describe (rows, models,
    clustering) and gets this run's timings, batch and cache figures."""
    from datetime import datetime, timezone

    from feedback2journey.result_cache import CachedResult, restore

    info = json.loads(files["run.json"].read_text(encoding="utf-8"))
    cache = models.embedder.cache
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")  # the outputs' "generated" is the cached run's
    info.update(timings_s=timings, batch=batch, result_cache={"key": key, "hit": True, "run_at": now},
                embedding_cache=None if cache is None else {"path": str(cache.path), "hits": cache.hits,
                                                            "misses": cache.misses})
    paths = restore(files, out_dir, info, started)
    return CachedResult(paths, info), paths


def _replay(cache: ChunkCache, store: PartStore, n: int, key: str) -> dict | None:
    """Chunk ``n`` as an earlier run finished it (same rows as read, same earlier rows, same options), or None."""
    files = cache.get_parts(key, PartStore.PART_FILES)
    if files is None:
        return None
    try:
        return store.adopt(n, files)
    except (OSError, ValueError) as exc:  # pruned meanwhile, or damaged: computed again
        log.warning("chunk cache entry %s is unusable (%s): computing the chunk again", key, exc)
        cache.discard_parts(key)
        return None


class _Stopped(Exception):
    """Raised by ``stop_after_chunks`` (tests): the run ends as if killed, parts kept."""


def _with_columns(table, cols: ColumnMapping):
    """Later chunks of a JSON Lines file may lack a column the first chunk had: add it empty."""
    needed = [c for c in (*cols.text, cols.id, cols.date, cols.score, cols.channel, cols.segment) if c]
    missing = [c for c in needed if c not in table.frame.columns]
    if missing:
        table.frame = table.frame.assign(**{c: "" for c in missing})
    return table


def _estimate_rows(file: InputFile) -> int:
    """For the progress bar's ETA: exact for Parquet, newline count for local text files, else a guess."""
    try:
        if file.fmt == "parquet" and file.is_local:
            import pyarrow.parquet as pq

            return pq.ParquetFile(file.url).metadata.num_rows
        if file.fmt in ("csv", "jsonl") and file.is_local:
            lines = 0
            with open(file.url, "rb") as fh:
                while block := fh.read(16 * 2**20):
                    lines += block.count(b"\n")
            return max(1, lines - (file.fmt == "csv"))
    except OSError:
        pass
    return max(1, file.size // 300)


def peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: kilobytes


# ------------------------------------------------------------------------------------------------ Dask


_WORKER_MODELS: dict[str, object] = {}  # per worker process: models are loaded once, on the first task


def _analyze_on_worker(spec: ModelSpec, run_id: str, n: int, items: pd.DataFrame):
    from feedback2journey.pipeline import analyze_chunk

    models = _WORKER_MODELS.get(spec.key())
    if models is None:
        models = _WORKER_MODELS[spec.key()] = spec.build()
    if models.embedder.cache is not None:
        models.embedder.cache.scope(run_id, n)
    timings: dict[str, float] = {}
    return analyze_chunk(items, models, None, timings), timings


def _halves_pay_off(items: pd.DataFrame, rows: int, estimate: int) -> bool:
    """Whether the whole input's text, projected from this first chunk's, is worth a helper process."""
    chars = int(items["text"].str.len().sum())
    return chars * max(estimate, rows) / max(1, rows) >= HALVES_MIN_CHARS


def auto_jobs() -> int:
    """One worker per core, at most 4 (each holds its own models)."""
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4))


def exit_with_parent(every_s: float = 1.0) -> None:
    """In a worker process: exit when the process that started it is gone (``kill -9``), instead of idling on
    with its models. A daemon thread that checks the parent's pid once a second."""
    import threading

    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def start_worker_process(keep_torch: bool) -> None:
    """First thing in a worker or helper process: exit with the parent, and keep torch out unless it encodes."""
    import sys

    exit_with_parent()
    if not keep_torch and "torch" not in sys.modules:
        # spaCy's thinc imports torch when it is installed (~180 MB per worker) though nothing here runs on it:
        # a None entry makes that import fail, and thinc falls back to numpy as it does without torch
        sys.modules["torch"] = None


def _start_worker(spec: ModelSpec, threads: int) -> None:
    import gc

    start_worker_process(keep_torch=spec.needs_torch())
    _set_threads(threads)
    _WORKER_MODELS[spec.key()] = spec.build()  # loaded once, before the first chunk arrives
    gc.collect()
    gc.freeze()  # the models' millions of objects live as long as the worker: the collector need not rescan them


class _Runner:
    """Chunks in flight on workers (at most ``limit``), stored in chunk order as they come back. Subclasses
    send a chunk (``_send``) and wait for results (``_wait``)."""

    limit: int
    pending: dict

    def submit(self, n: int, run_id: str, items, rejects, meta, store) -> None:
        self.pending[self._send(n, run_id, items)] = (n, items, rejects, meta, store)
        while len(self.pending) >= self.limit:
            self._collect(wait_one=True)

    def _collect(self, wait_one: bool) -> None:
        for future in sorted(self._wait(list(self.pending), wait_one), key=lambda f: self.pending[f][0]):
            n, items, rejects, meta, store = self.pending.pop(future)
            store(n, items, rejects, meta, *future.result())

    def drain(self) -> None:
        while self.pending:
            self._collect(wait_one=False)


class _PoolRunner(_Runner):
    """Worker processes on this machine (``jobs``), each loading its models once: the per-row steps use every
    core, while this process reads, ingests and stores in order. At most ``2 x jobs`` chunks are in flight."""

    def __init__(self, spec: ModelSpec, opts: BatchOptions, jobs: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # split this process's threads between the workers; results depend on the count (see _DaskRunner), so the
        # same --jobs on the same machine gives the same outputs
        threads = opts.threads or max(1, _torch_threads() // jobs)
        self.spec, self.limit, self.pending = spec, 2 * jobs, {}
        self.pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_worker, initargs=(spec, threads))

    def _send(self, n: int, run_id: str, items):
        return self.pool.submit(_analyze_on_worker, self.spec, run_id, n, items)

    @staticmethod
    def _wait(futures: list, wait_one: bool) -> set:
        from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, wait

        return wait(futures, return_when=FIRST_COMPLETED if wait_one else ALL_COMPLETED).done

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _DaskRunner(_Runner):
    """Sends chunks to Dask workers, at most ``2 x workers`` in flight, and stores results as they come back."""

    def __init__(self, spec: ModelSpec, opts: BatchOptions):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - a dependency
            raise InputError("--engine dask needs dask.distributed. Fix: pip install 'dask[distributed]'") from exc
        self.spec = spec
        if opts.scheduler:
            self.cluster = None
            self.client = Client(opts.scheduler)
        else:
            self.cluster = LocalCluster(n_workers=opts.workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        # The encoder's last float bits depend on its thread count (about 1% of vectors differ between 1 and 2
        # threads), and clustering amplifies them: workers use the client's count so results match the local
        # engine exactly. On other machines, set the same count everywhere for bit-identical runs.
        self.client.run(_set_threads, opts.threads or _torch_threads())
        self.limit = 2 * max(1, len(self.client.scheduler_info().get("workers", {})) or opts.workers)
        self.pending: dict = {}
        self.spec_future = self.client.scatter(spec, broadcast=True)

    def _send(self, n: int, run_id: str, items):
        return self.client.submit(_analyze_on_worker, self.spec_future, run_id, n, items, pure=False)

    @staticmethod
    def _wait(futures: list, wait_one: bool) -> set:
        from distributed import wait

        return wait(futures, return_when="FIRST_COMPLETED" if wait_one else "ALL_COMPLETED").done

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _set_threads(n: int) -> None:
    """``n`` threads for torch, unless this process keeps torch out (see ``_start_worker``)."""
    import sys

    if sys.modules.get("torch", False) is not None:
        import torch

        torch.set_num_threads(n)
