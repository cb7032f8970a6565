"""What classification costs next to embedding (issue 21: at most 10% of the embedding time), per speed mode.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/classify_cost.py [--n 3000] [--modes accurate,fast]
        [--repeats 2] [--profile]

On ``--n`` synthetic help-desk tickets (benchmarks/generate_items.py: the bundled sample's generator, project-
written), each mode reads them once, then runs the pipeline's per-row steps (``run.pipeline.analyze_chunk``:
segment, language, embed, classify, feel) ``--repeats`` times with no embedding cache, and prints the steps'
seconds as the pipeline times them (``timings``), the median over the repeats. ``classify`` is the stage and
touchpoint choice for every segment (prototype similarities, keyword matching, calibration, joint choice,
evidence strings) plus the item channels; the one-off prototype fit (embedding the taxonomy's descriptions and
examples, the leave-one-out temperature) happens when the models are built and is printed apart as ``fit``.
``embed`` is the encoder pass (in accurate mode with the sentiment encoder's top on the same forward pass).
``--profile`` prints the top functions of one more classify call under cProfile.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def run_mode(mode: str, n: int, repeats: int, profile: bool) -> dict:
    from generate_items import tickets

    from feedback2journey.config import load_config
    from feedback2journey.embed.embedder import Embedder
    from feedback2journey.inputs.ingest import ingest_frame
    from feedback2journey.run.pipeline import Models, analyze_chunk
    from feedback2journey.text.clean import analysis_text

    cfg = load_config()
    frame = tickets(n)
    items = ingest_frame(frame, None, cfg.settings).items
    models = Models(cfg, embedder=Embedder(speed=mode))
    t = time.perf_counter()
    models.ensure_fitted()
    fit_s = time.perf_counter() - t
    analyze_chunk(items.head(50), models, timings={})  # warm-up: models loaded, first-call costs paid
    runs, segments = [], 0
    for _ in range(repeats):
        timings: dict = {}
        chunk = analyze_chunk(items, models, timings=timings)
        segments = len(chunk.segments)
        runs.append(timings)
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    if profile:
        import cProfile
        import pstats

        steps = models.row_steps()
        seg = chunk.segments
        analysis = [analysis_text(x) or x for x in seg["text"]]
        vectors = models.embedder.encode(analysis)
        prof = cProfile.Profile()
        prof.enable()
        models.journey_classifier.predict(vectors, analysis)
        steps.channels.resolve(items)
        prof.disable()
        print(f"--- {mode}: classify profile ({len(seg):,} segments)")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(18)
    return {"mode": mode, "items": len(items), "segments": segments, "fit_s": fit_s, **med}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--modes", default="accurate,fast")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args(argv)
    rows = [run_mode(m.strip(), args.n, args.repeats, args.profile) for m in args.modes.split(",") if m.strip()]
    print(f"\n{args.n:,} generated tickets, median of {args.repeats} run(s), seconds per step (analyze_chunk timings)")
    print(f"{'mode':<9} {'items':>6} {'segments':>8} {'segment':>8} {'embed':>7} {'classify':>9} {'feel':>6} "
          f"{'classify/embed':>15} {'fit (once)':>11}")
    for r in rows:
        print(f"{r['mode']:<9} {r['items']:>6,} {r['segments']:>8,} {r['segment']:>8.2f} {r['embed']:>7.2f} "
              f"{r['classify']:>9.3f} {r['feel']:>6.2f} {r['classify'] / r['embed']:>15.1%} {r['fit_s']:>11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
