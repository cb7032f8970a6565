"""Cost of accurate mode's sentiment (the fine-tuned top tapped on the embedding pass) against the bare encoder.

    HF_HUB_OFFLINE=1 python benchmarks/sentiment_tap_cost.py ../shared/data/womens_clothing_reviews/reviews.csv \
        --n 2000 --rounds 3

Takes the first ``--n`` distinct review sentences (naive split on . ! ?), then per round times
``TorchEncoder.encode`` (bare) and ``iter_encode(tap=encoder)`` (vectors + sentiment in one pass), alternating
the order so a loaded machine hurts both alike; reports the median wall and process CPU time of each and the extra cost in percent (CPU time is
the fairer figure on a shared machine), and
checks that the vectors of both passes are bit-identical. No cache is used.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time

import numpy as np
import pandas as pd


def sentences(path: str, n: int) -> list[str]:
    df = pd.read_csv(path)
    out, seen = [], set()
    for text in df["Review Text"].dropna().astype(str):
        for s in re.split(r"(?<=[.!?])\s+", text):
            s = s.strip()
            if len(s.split()) >= 3 and s not in seen:
                seen.add(s)
                out.append(s)
                if len(out) == n:
                    return out
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    from feedback2journey.embed.encoders import TorchEncoder, _collect
    from feedback2journey.feel import encoder as se
    from feedback2journey.resources import default_model_path

    texts = sentences(args.csv, args.n)
    enc = TorchEncoder.load(default_model_path(), "cpu")
    tap = se.load()
    enc.encode(texts[:64])  # warm up

    def with_tap():
        vecs = np.empty((len(texts), 384), np.float32)
        for pos, v, _rows in enc.iter_encode(texts, tap=tap):
            vecs[pos] = v
        return vecs

    bare_t, tap_t, bare_c, tap_c = [], [], [], []
    for r in range(args.rounds):
        for name in (("bare", "tap") if r % 2 == 0 else ("tap", "bare")):
            t, c = time.perf_counter(), time.process_time()
            v = enc.encode(texts) if name == "bare" else with_tap()
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            (bare_t if name == "bare" else tap_t).append(wall)
            (bare_c if name == "bare" else tap_c).append(cpu)
            print(f"round {r} {name}: wall {wall:.1f} s, cpu {cpu:.1f} s", file=sys.stderr, flush=True)
            if name == "bare":
                bare_v = v
            else:
                tap_v = v
    b, s = statistics.median(bare_t), statistics.median(tap_t)
    bc, sc = statistics.median(bare_c), statistics.median(tap_c)
    print(json.dumps({"texts": len(texts), "bare_s": [round(x, 2) for x in bare_t],
                      "tap_s": [round(x, 2) for x in tap_t], "bare_median_s": round(b, 2),
                      "tap_median_s": round(s, 2), "extra_pct": round(100 * (s - b) / b, 1),
                      "bare_cpu_s": [round(x, 2) for x in bare_c], "tap_cpu_s": [round(x, 2) for x in tap_c],
                      "extra_cpu_pct": round(100 * (sc - bc) / bc, 1),
                      "vectors_bit_identical": bool(np.array_equal(bare_v, tap_v))}, indent=1))


if __name__ == "__main__":
    main()
