"""End-to-end speed, per step, next to the raw encoder on the same segments.

Items are drawn from the bundled sample (data/sample) and made unique with a counter phrase, so the
embedding step cannot lean on duplicate texts. Prints items/s, segments/s, each step's share of the run,
the ratio of end-to-end throughput to raw encode throughput, and peak RSS.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/pipeline_speed.py --items 2000
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import time

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from feedback2journey.clean import analysis_text  # noqa: E402
from feedback2journey.config import load_config  # noqa: E402
from feedback2journey.ingest import ingest_paths  # noqa: E402
from feedback2journey.pipeline import Models, analyze  # noqa: E402
from feedback2journey.resources import sample_paths  # noqa: E402


def sample_texts(n: int, seed: int = 0) -> pd.DataFrame:
    cfg = load_config()
    items = ingest_paths(sample_paths(), None, cfg.settings).items
    rng = np.random.default_rng(seed)
    picks = items["text"].to_numpy()[rng.integers(0, len(items), n)]
    return pd.DataFrame({"id": [f"b{i}" for i in range(n)],
                         "text": [f"{t} (ref {i})" for i, t in enumerate(picks)]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=2000)
    args = ap.parse_args()
    frame = sample_texts(args.items)
    cfg = load_config()
    models = Models(cfg)
    models.ensure_fitted()  # model loading is not part of the throughput figures
    analyze(frame.head(50), cfg, models=models)  # warm-up: numba compilation, lazy loads

    t = time.perf_counter()
    res = analyze(frame, cfg, models=models)
    wall = time.perf_counter() - t
    steps = res.run_info["timings_s"]
    texts = [analysis_text(x) or x for x in res.segments["text"]]
    unique = list(dict.fromkeys(texts))
    t = time.perf_counter()
    models.embedder.encode(unique)
    raw = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n_seg = len(res.segments)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; items={args.items:,} "
          f"segments={n_seg:,} unique segment texts={len(unique):,}")
    print(f"end to end: {wall:.1f} s = {args.items / wall:,.0f} items/s, {n_seg / wall:,.0f} segments/s")
    print(f"raw encode of the same segments: {raw:.1f} s = {len(unique) / raw:,.0f} segments/s")
    print(f"end-to-end / raw-encode throughput: {raw / wall:.2f}")
    for name in ("read", "segment", "embed", "classify", "feel", "cluster", "journey"):
        v = steps.get(name, 0.0)
        print(f"  {name:<9} {v:7.2f} s  {100 * v / wall:5.1f}% of run  {100 * v / steps['embed']:6.1f}% of embed")
    print(f"peak RSS: {rss_mb:,.0f} MB")


if __name__ == "__main__":
    main()
