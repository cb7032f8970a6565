"""Per-step timings of the per-chunk hot path (read/ingest, segment, embed, classify, feel) for one file.

    .venv/bin/python benchmarks/chunk_profile.py /tmp/tickets-20k.csv --speed fast [--chunk-rows 5000]
    .venv/bin/python benchmarks/chunk_profile.py data.csv --speed accurate --clock cpu --profile 25

Runs what ``run_batch`` runs per chunk (``items_from_table`` then ``pipeline.analyze_chunk``, models loaded
once) and prints seconds and items/s per step, and each non-encoder step as a share of the encoder's time.
``--clock cpu`` times with this process's CPU time instead of the wall clock (steadier on a shared
machine; the encoder's threads add up, so its CPU time exceeds its wall time). ``--profile N`` prints
cProfile's N most expensive functions (own time) over the chunk loop. ``--gc-freeze`` measures what
``gc.freeze()`` after model loading would save (the cyclic GC rescans the models' objects otherwise).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download: the models are local


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--speed", choices=("fast", "accurate"), default="fast")
    ap.add_argument("--chunk-rows", type=int, default=5000)
    ap.add_argument("--max-chunks", type=int, default=None)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--profile", type=int, default=0, metavar="N")
    ap.add_argument("--no-redact", action="store_true")
    ap.add_argument("--gc-freeze", action="store_true",
                    help="gc.freeze() once the models are loaded: the cyclic GC then skips their objects")
    args = ap.parse_args()

    import pandas as pd

    from feedback2journey.run import pipeline
    from feedback2journey.inputs.chunks import expand_inputs, iter_chunks
    from feedback2journey.inputs.columns import detect_columns
    from feedback2journey.config import load_config
    from feedback2journey.embed.embedder import Embedder
    from feedback2journey.inputs.ingest import items_from_table

    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.clock == "cpu":  # analyze_chunk times its steps with time.perf_counter: give it the CPU clock
        pipeline.time = type("CpuClock", (), {"perf_counter": staticmethod(time.process_time)})

    cfg = load_config(None)
    models = pipeline.Models(cfg, embedder=Embedder(speed=args.speed))
    models.ensure_fitted()  # loading and fitting are once per run, not per chunk
    models.embedder.encode(["warm up"])
    models.segmenter.segment(pd.DataFrame({"item_id": ["w"], "text": ["Warm up."]}))

    if args.gc_freeze:
        import gc

        gc.collect()
        gc.freeze()
    timings: dict[str, float] = {"read": 0.0}
    n_items = n_segments = 0
    seen: dict[str, int] = {}
    cols = None
    profiler = cProfile.Profile() if args.profile else None
    started = clock()
    if profiler:
        profiler.enable()
    for n, table in enumerate(iter_chunks(expand_inputs([args.path])[0], args.chunk_rows, None)):
        if args.max_chunks is not None and n >= args.max_chunks:
            break
        cols = cols or detect_columns(table.frame, None)
        t = clock()
        items, _, _ = items_from_table(table, "input", cols, cfg.settings, not args.no_redact, seen_ids=seen)
        timings["read"] += clock() - t
        chunk = pipeline.analyze_chunk(items, models, None, timings)
        n_items += len(items)
        n_segments += len(chunk.segments)
    total = clock() - started
    if profiler:
        profiler.disable()

    print(f"{args.path}: {n_items:,} items, {n_segments:,} segments, speed={args.speed}, "
          f"chunks of {args.chunk_rows:,}, clock={args.clock}")
    encoder = timings.get("embed") or float("nan")
    for step in ("read", "segment", "embed", "classify", "feel"):
        secs = timings.get(step, 0.0)
        share = "" if step == "embed" else f"  {secs / encoder:6.1%} of embed"
        print(f"  {step:9s} {secs:8.2f} s  {n_items / secs if secs else float('inf'):10,.0f} items/s{share}")
    other = sum(timings.get(s, 0.0) for s in ("segment", "classify", "feel"))
    print(f"  {'total':9s} {total:8.2f} s  {n_items / total:10,.0f} items/s  "
          f"(segment+classify+feel = {other / encoder:.1%} of embed)")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
