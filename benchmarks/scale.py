"""Batch throughput, memory and cache, per speed mode, side by side in one run.

For each mode, in a fresh subprocess (so peak RSS is that mode's own) with an empty embedding cache:
  1. the whole batch path (`run_batch`, as the CLI runs it: chunks, clustering, report, every output file);
  2. the bare encoder of the same mode on the run's unique segment texts (the floor of any pipeline);
  3. the same run again on the now warm caches (the "unchanged export" case): the outputs come from the result
     cache, whole chunks from the chunk cache (then the embedding cache is not even asked: its hit rate reads 0);
  4. that rerun once more without the result cache (``rerun_no_result_cache_s``): chunks replayed, the
     clustering from its cache, but finish and writing done again, as when ``--previous`` or curation changed.
Printed: items/s, segments/s, peak RSS, ratio of raw-encode time to end-to-end time (1.0 = the rest is free),
rerun speed-up and cache hit rate. Model loading is timed apart; numba's first compile is inside the run.

    .venv/bin/python benchmarks/generate_items.py 20000 /tmp/t20k.csv
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/scale.py /tmp/t20k.csv --modes accurate,onnx,fast

Real data instead of synthetic: pass ../shared/data/banking77/train.csv (10,003 queries).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MODES = {"accurate": {"speed": "accurate", "backend": "torch"},
         "onnx": {"speed": "accurate", "backend": "onnx"},
         "fast": {"speed": "fast"}}


class TreePeak:
    """Peak resident memory of this process plus its children (worker processes), sampled every 0.2 s."""

    def __init__(self):
        import threading

        import psutil

        self.peak, self._stop = 0.0, False
        me = psutil.Process()

        def sample():
            while not self._stop:
                total = 0
                for p in [me] + me.children(recursive=True):
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total / 2**20)
                time.sleep(0.2)

        threading.Thread(target=sample, daemon=True).start()

    def stop(self) -> float:
        self._stop = True
        return round(self.peak)


def run_mode(path: str, mode: str, chunk_rows: int, engine: str, jobs: int = 0, rerun: bool = True,
             raw_sample: int = 0) -> dict:
    from feedback2journey.run.batch import BatchOptions, run_batch
    from feedback2journey.run.workers import ModelSpec
    from feedback2journey.text.clean import analysis_text
    from feedback2journey.config import load_config
    from feedback2journey.embed.embedder import Embedder

    cfg = load_config()
    tmp = Path(tempfile.mkdtemp(prefix=f"f2j-bench-{mode}-"))
    kwargs = {**MODES[mode], "cache_dir": str(tmp / "cache")}
    t = time.perf_counter()
    models = ModelSpec(cfg, None, kwargs).build()
    models.ensure_fitted()
    load_s = time.perf_counter() - t
    opts = BatchOptions(chunk_rows=chunk_rows, engine=engine, jobs=jobs)
    tree = TreePeak()
    t = time.perf_counter()
    result, _ = run_batch([path], cfg, tmp / "out", models=models, embedder=kwargs, options=opts)
    wall = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_total = tree.stop()
    info = result.run_info
    written = pd.read_parquet(tmp / "out" / "segments.parquet", columns=["text"])["text"]  # result holds no text
    texts = list(dict.fromkeys(analysis_text(x) or x for x in written))
    raw = Embedder(**{**MODES[mode]})  # no cache: the encoder alone
    raw.encode(texts[:256])  # load and warm up outside the timing
    timed = texts
    if raw_sample and raw_sample < len(texts):  # a seeded sample, scaled by count (encode time is linear in texts)
        import random

        timed = random.Random(7).sample(texts, raw_sample)
    t = time.perf_counter()
    raw.encode(timed)
    raw_s = (time.perf_counter() - t) * len(texts) / len(timed)
    cache = models.embedder.cache
    hits0, misses0 = (cache.hits, cache.misses) if cache else (0, 0)
    t = time.perf_counter()
    chunk_hits = None
    if rerun:
        again, _ = run_batch([path], cfg, tmp / "rerun", models=models, embedder=kwargs, options=opts)
        chunk_hits = (again.run_info["batch"].get("chunk_cache") or {}).get("hits")
    rerun_s = time.perf_counter() - t
    hits, misses = (cache.hits - hits0, cache.misses - misses0) if cache else (0, 0)
    finish_s = None
    if rerun:  # the same rerun without the result cache: chunks replayed, finish and writing done again
        t = time.perf_counter()
        run_batch([path], cfg, tmp / "rerun-finish", models=models, embedder=kwargs,
                  options=BatchOptions(chunk_rows=chunk_rows, engine=engine, jobs=jobs, result_cache=False))
        finish_s = time.perf_counter() - t
    shutil.rmtree(tmp, ignore_errors=True)  # outputs and caches: gigabytes at 1M rows, left behind they fill /tmp
    return {"mode": mode, "engine": engine, "items": info["analyzed"], "rows": info["rows_read"],
            "segments": info["segments"], "unique_texts": len(texts), "load_s": round(load_s, 1),
            "wall_s": round(wall, 1), "items_per_s": round(info["rows_read"] / wall, 1),
            "segments_per_s": round(info["segments"] / wall, 1), "raw_encode_s": round(raw_s, 1),
            "raw_texts_per_s": round(len(texts) / raw_s, 1), "raw_timed_on": len(timed), "ratio_to_raw": round(raw_s / wall, 3),
            "peak_rss_mb": round(rss), "peak_rss_with_workers_mb": rss_total,
            "jobs": result.run_info["batch"].get("jobs"), "rerun_s": round(rerun_s, 1) if rerun else None,
            "rerun_speedup": round(wall / rerun_s, 1) if rerun else None,
            "rerun_no_result_cache_s": round(finish_s, 1) if rerun else None,
            "rerun_no_result_cache_speedup": round(wall / finish_s, 1) if rerun else None,
            "rerun_hit_rate": round(hits / max(1, hits + misses), 3), "timings_s": info["timings_s"],
            "rerun_chunk_cache_hits": f"{chunk_hits}/{info['batch']['chunks']}" if rerun else None,
            "pain_points": int(len(result.pain_points))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("--modes", default="accurate,onnx,fast")
    ap.add_argument("--chunk-rows", type=int, default=5000)
    ap.add_argument("--engine", default="local", choices=("local", "dask"))
    ap.add_argument("--jobs", type=int, default=0, help="worker processes (0 = auto, as the CLI; 1 = none)")
    ap.add_argument("--no-rerun", action="store_true", help="skip the warm-cache rerun (halves a long benchmark)")
    ap.add_argument("--raw-sample", type=int, default=0,
                    help="time the bare encoder on a seeded sample of this many unique texts, scaled by count (0 = all)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print("RESULT " + json.dumps(run_mode(args.input, args.child, args.chunk_rows, args.engine, args.jobs,
                                              not args.no_rerun, args.raw_sample)))
        return
    if not Path(args.input).exists():
        sys.exit(f"{args.input}: not found (../shared/data is only on development machines; or generate one "
                 f"with benchmarks/generate_items.py)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"input {args.input}; chunk rows {args.chunk_rows}; engine {args.engine}; jobs {args.jobs or 'auto'}")
    rows = []
    for mode in args.modes.split(","):
        proc = subprocess.run([sys.executable, __file__, args.input, "--child", mode, "--chunk-rows",
                               str(args.chunk_rows), "--engine", args.engine, "--jobs", str(args.jobs),
                               "--raw-sample", str(args.raw_sample)]
                              + (["--no-rerun"] if args.no_rerun else []), capture_output=True, text=True)
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            print(f"{mode}: failed\n{proc.stderr[-2000:]}")
            continue
        rows.append(json.loads(line[7:]))
    head = ("mode", "items", "segments", "wall_s", "items_per_s", "segments_per_s", "raw_texts_per_s",
            "ratio_to_raw", "peak_rss_mb", "peak_rss_with_workers_mb", "jobs", "rerun_speedup",
            "rerun_no_result_cache_speedup", "rerun_hit_rate",
            "rerun_chunk_cache_hits", "pain_points")
    print(" | ".join(head))
    for r in rows:
        print(" | ".join(str(r[k]) for k in head))
    for r in rows:
        print(f"{r['mode']} steps (s): {json.dumps(r['timings_s'])}; model load {r['load_s']} s; "
              f"unique texts {r['unique_texts']:,}")


if __name__ == "__main__":
    main()
