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
import time
from dataclasses import dataclass
from pathlib import Path


from feedback2journey.errors import opt
from feedback2journey.files import output_error, run_lock
from feedback2journey import __version__
from feedback2journey.schema import ITEM_EXTRA_COLUMNS, OUTPUT_COLUMNS
from feedback2journey.run.chunk_cache import ChunkCache, chunk_key, context_key, raw_chunk_key
from feedback2journey.inputs.chunks import STREAM_MIN_BYTES, InputFile, expand_inputs, iter_chunks
from feedback2journey.inputs.columns import ColumnError, ColumnMapping, detect_columns
from feedback2journey.config import Config, ConfigError, check_cluster_on, load_config
from feedback2journey.inputs.ingest import input_summary, items_from_table, source_names
from feedback2journey.run.parts import WORK_DIR, PartStore  # noqa: F401  (re-exported: the work folder)
from feedback2journey.progress import Reporter
from feedback2journey.inputs.read import InputError
from feedback2journey.journey.map import check_segment_by
from feedback2journey.outputs.write import write_outputs
from feedback2journey.resources import sample_paths
from feedback2journey.run.finish import finish
from feedback2journey.run.pipeline import analyze_chunk
from feedback2journey.text.language import item_languages, segment_letters
from feedback2journey.run.result import cluster_targets
from feedback2journey.run.result_cache import CachedResult, ResultCache, restore, result_key, source_digest
from feedback2journey.run.workers import DaskRunner, ModelSpec, PoolRunner, auto_jobs

log = logging.getLogger(__name__)
ITEM_COLUMNS = set(OUTPUT_COLUMNS) | set(ITEM_EXTRA_COLUMNS)  # every item has these, whatever its input's columns


ENGINES = ("local", "dask")


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

    def __post_init__(self):
        if self.engine not in ENGINES:
            raise ConfigError(f"engine: {self.engine!r} is not one of {', '.join(ENGINES)}. "
                              f"Fix: {opt('engine', 'local')} (the default) or {opt('engine', 'dask')}.")
        for name in ("chunk_rows", "workers"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ConfigError(f"{name}: must be a whole number of at least 1, not {getattr(self, name)!r}.")
        if not isinstance(self.jobs, int) or self.jobs < 0:
            raise ConfigError(f"jobs: must be 0 (auto) or a number of processes, not {self.jobs!r}.")


def run_key(files: list[InputFile], cfg: Config, spec: ModelSpec, **options) -> str:
    blob = {"version": __version__, "config": cfg.hash(), "models": spec.key(),
            "inputs": [(f.url, f.size, f.mtime) for f in files], **options}
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()[:20]


def run_batch(inputs: list[str | Path] | None, config: Config | str | Path | None, out_dir: str | Path, *,
              columns: ColumnMapping | None = None, encoding: str | None = None, redact: bool = True,
              segment_by: str | None = None, model: str | Path | None = None, embedder: dict | None = None,
              cluster_on: str | None = None, previous=None, curation=None, xlsx: bool = False,
              options: BatchOptions | None = None, reporter: Reporter | None = None, models=None,
              raw_csv: bool = False):
    """Analyze files chunk by chunk into ``out_dir`` and write every output. Returns (JourneyResult, paths): a
    ``result_cache.CachedResult`` when an identical run's outputs were linked (``options.result_cache``).

    ``embedder``: keyword arguments for ``Embedder`` (cache_dir, speed...). Same inputs and options give the
    same outputs as ``analyze``; a killed run resumes from its finished chunks.

    Whole runs only: the run holds ``out_dir``'s lock from start to end (a second run on the same folder stops
    with an ``OutputError``), and the outputs are swapped in as a set (``files.staged_outputs``). A full disk or
    a permission error raises an ``OutputError`` naming the fix; ``out_dir`` then keeps the previous run's
    outputs, and the finished chunks stay in ``out_dir/.f2j-work`` for the same command to resume.
    ``raw_csv``: write CSV text cells as they are (no ``'`` before a leading =, +, -, @, tab or CR).
    """
    with run_lock(out_dir):
        try:
            return _run_batch(inputs, config, out_dir, columns=columns, encoding=encoding, redact=redact,
                              segment_by=segment_by, model=model, embedder=embedder, cluster_on=cluster_on,
                              previous=previous, curation=curation, xlsx=xlsx, options=options, reporter=reporter,
                              models=models, raw_csv=raw_csv)
        except OSError as exc:
            error = output_error(exc, Path(out_dir))
            if error is None:
                raise
            raise error from exc


def _run_batch(inputs, config, out_dir, *, columns, encoding, redact, segment_by, model, embedder, cluster_on,
               previous, curation, xlsx, options, reporter, models, raw_csv):
    started = time.perf_counter()
    opts = options or BatchOptions()
    reporter = reporter or Reporter()
    cfg = config if isinstance(config, Config) else load_config(config)
    cluster_on = check_cluster_on(cluster_on) or cfg.settings.cluster_on
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
                store.write(n, chunk.items_with_language(items), chunk.segments, targets, rejects, meta)
                if n in chunk_keys:
                    chunk_cache.put(chunk_keys.pop(n), store.part_files(n))
                if n in raw_keys:
                    chunk_cache.put_parts(raw_keys.pop(n), store.part_files(n))
                advance(meta["rows"])

            n, segment_by_found = 0, segment_by is None
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
                            raise InputError(f"{file.url}: {exc.raw}") from exc
                        segment_by_found |= segment_by in set(table.frame.columns) | ITEM_COLUMNS
                        if file is files[-1] and not segment_by_found:  # found in no input: fail before the work
                            check_segment_by(sorted(ITEM_COLUMNS | set(table.frame.columns)), segment_by)
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
                        seg = cached[0]  # the items' languages from their segments' (as judge_languages gives)
                        langs = item_languages(items, seg["item_id"].to_numpy(), seg["language"].to_numpy(),
                                               segment_letters(seg["text"]))
                        store.write(n, items.assign(language=langs), seg, cached[1], rejects, meta)
                        chunk_keys.pop(n)
                        chunk_cache.put_parts(raw_keys.pop(n), store.part_files(n))
                        advance(meta["rows"])
                    elif use_workers:
                        if runner is None:
                            spec.prepare(models)  # a fresh cache: the fast model is built here, not by each worker
                            runner = DaskRunner(spec, opts.scheduler, opts.workers, opts.threads) \
                                if opts.engine == "dask" else PoolRunner(spec, jobs, opts.threads)
                        runner.submit(n, store.run_id, items, rejects, meta, store_chunk)
                    else:
                        if models.embedder.cache is not None:
                            models.embedder.cache.scope(store.run_id, n)
                        store_chunk(n, items, rejects, meta, analyze_chunk(items, models, None, timings))
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
    timings["chunks"] = round(time.perf_counter() - started, 3)
    store.chunks = chunk_ids

    def batch_info() -> dict:
        return {"engine": opts.engine, "jobs": jobs if opts.engine == "local" else None, "chunk_rows": opts.chunk_rows,
                "chunks": len(chunk_ids), "resumed_chunks": len(chunk_ids) - new_chunks, "peak_rss_mb": peak_rss_mb(),
                "chunk_cache": chunk_cache.stats() if chunk_cache is not None else None}

    # the whole run, when one with the same inputs, code and options finished before: its outputs are linked
    results = key = cached = None
    if chunk_cache is not None and opts.result_cache:
        results = ResultCache(Path(models.embedder.cache_dir) / "results")
        key = result_key(file_keys, cache_context, previous=previous, curation=curation, model=model,
                         segment_by=segment_by, xlsx=xlsx, raw_csv=raw_csv, inputs=[f.url for f in files],
                         config=cfg.path)
        cached = results.get(key) if key else None
    if cached is not None:
        result, paths = _from_result_cache(cached, Path(out_dir), key, timings, started, batch_info(), models)
    else:
        result = finish(store, models, summaries, reporter=reporter, timings=timings, started=started, redact=redact,
                        segment_by=segment_by, cluster_on=cluster_on, previous=previous, curation=curation)
        result.run_info["batch"] = batch_info()
        result.run_info["result_cache"] = {"key": key, "hit": False} if key else None
        paths = write_outputs(result, Path(out_dir), xlsx=xlsx, raw_csv=raw_csv)
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


