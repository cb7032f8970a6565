"""Report size at scale: the report embeds aggregates and sampled quotes, so its size must not grow with rows.

Builds analysed items/segments for N synthetic items (random stages, touchpoints, 3 sources, 12 months,
6 personas, sentence-length texts; no models needed), renders the report and prints its size.

    .venv/bin/python benchmarks/report_size.py --items 100000
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from feedback2journey.config import load_config
from feedback2journey.journey.map import build_explorer, build_journey, segment_view
from feedback2journey.outputs.report import render_report
from feedback2journey.schema import PAIN_POINT_COLUMNS


def synthetic(n_items: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    cfg = load_config()
    stages = [s.id for s in cfg.taxonomy.stages]
    tps = [t.id for t in cfg.taxonomy.touchpoints]
    ids = np.array([f"i{i}" for i in range(n_items)])
    items = pd.DataFrame({
        "item_id": ids, "source": rng.choice(["tickets", "reviews", "survey"], n_items),
        "date": pd.to_datetime("2026-01-01", utc=True) + pd.to_timedelta(rng.integers(0, 365, n_items), unit="D"),
        "segment": rng.choice(["new", "subscriber", "business", "family", "student", "vip"], n_items),
        "score": rng.integers(0, 11, n_items).astype(float), "score_kind": "nps",
        "stage": rng.choice(stages, n_items), "channel": "email",
    })
    items["sentiment"] = rng.uniform(-1, 1, n_items).round(3)
    items["sentiment_label"] = np.where(items["sentiment"] < -0.15, "negative",
                                        np.where(items["sentiment"] > 0.15, "positive", "neutral"))
    per = rng.integers(1, 5, n_items)
    seg_ids = np.repeat(ids, per)
    n = len(seg_ids)
    words = ["parcel", "refund", "checkout", "courier", "invoice", "app", "agent", "box", "late", "broken", "charged"]
    segments = pd.DataFrame({
        "item_id": seg_ids, "stage": rng.choice(stages, n), "touchpoint": rng.choice(tps, n),
        "sentiment": rng.uniform(-1, 1, n).round(3), "emotion": rng.choice(["frustration", "neutral", "delight"], n),
        "effort": rng.integers(0, 2, n).astype(float), "is_closer": False, "pain_point_id": None,
        "text": [" ".join(rng.choice(words, 12)) + "." for _ in range(n)],
    })
    segments["sentiment_label"] = np.where(segments["sentiment"] < -0.15, "negative",
                                           np.where(segments["sentiment"] > 0.15, "positive", "neutral"))
    return cfg, items, segments


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=100_000)
    args = ap.parse_args()
    cfg, items, segments = synthetic(args.items)
    t = time.perf_counter()
    pain = pd.DataFrame(columns=PAIN_POINT_COLUMNS)
    journey = build_journey(items, segments, pain, cfg)
    journey["segment_view"] = segment_view(items, segments, cfg, "segment")
    explorer = build_explorer(items, segments, cfg, filter_column="segment")
    html = render_report(journey, {"inputs": [], "config_hash": cfg.hash(), "models": {}}, explorer)
    dt = time.perf_counter() - t
    print(f"items={args.items:,} segments={len(segments):,} groups={len(explorer['groups']):,} "
          f"quotes={len(explorer['quotes']):,} report={len(html.encode('utf-8')) / 1e6:.2f} MB "
          f"aggregate+render={dt:.1f} s")


if __name__ == "__main__":
    main()
