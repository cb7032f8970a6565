"""Pain points of long items: the grain when each item says one thing in several sentences (issue 22).

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/painpoints_long_items.py [--join 3] [--data ../shared/data]

No labelled long complaint narratives are here, so they are built from the intent sets (the scoreboard's
samples, painpoints_dev.load): ``--join`` utterances of ONE intent make one item, seen as the pipeline sees a
long item (``painpoints.units``: its segments' text one per line, its vector the mean of their vectors). Each
set is clustered with the minimum cluster size counted on the plain vectors and on centered ones
(``select.neighbour_size(center=...)``), against KMeans with the true number of intents. ``--join 1`` is the
single-utterance case (the scoreboard's). The shipped rule centers when the median item joins 2+ segments.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def long_items(texts, vectors, gold, join: int, seed: int = 0):
    """Items of ``join`` same-intent utterances: (texts joined by newlines, mean vectors normalised, intents)."""
    rng = np.random.default_rng(seed)
    out_t, out_v, out_g = [], [], []
    for g in sorted(set(gold)):
        idx = rng.permutation(np.flatnonzero(gold == g))
        for a in range(0, len(idx) - join + 1, join):
            pick = idx[a:a + join]
            out_t.append("\n".join(texts[i] for i in pick))
            out_v.append(vectors[pick].mean(axis=0))
            out_g.append(g)
    v = np.asarray(out_v, dtype=np.float32)
    return out_t, v / np.linalg.norm(v, axis=1, keepdims=True), np.asarray(out_g)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--join", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/f2j-pp-dev"))
    args = ap.parse_args()

    import painpoints_dev as D
    import scoreboard_metrics as M

    from feedback2journey.embed import Embedder
    from feedback2journey.painpoints import cluster as C
    from feedback2journey.text.clean import analysis_text

    embedder = Embedder(cache_dir=args.cache)
    print(f"items of {args.join} same-intent utterances; NMI vs intents (unassigned = -1), clusters / true k")
    for name, frame in D.load(args.data).items():
        texts = [analysis_text(t) or t for t in frame["text"]]
        gold = frame["intent"].to_numpy()
        vectors = embedder.encode(texts)
        if args.join > 1:
            texts, vectors, gold = long_items(texts, vectors, gold, args.join)
        k = len(set(gold))
        row = [f"{name:10s} {len(texts):5d} items, kmeans k={k}: {M.nmi(gold, M.kmeans(vectors, k, D.SEED)):.3f}"]
        for rule, at in (("plain", 10 ** 9), ("centered", 0)):  # MULTI_SEGMENT_UNITS: never / always
            saved, C.MULTI_SEGMENT_UNITS = C.MULTI_SEGMENT_UNITS, at
            try:
                a = np.asarray(C.PainPointClusterer(embed=embedder.encode, seed=42, mask_slots=False)
                               .fit(texts, vectors).assignments)
            finally:
                C.MULTI_SEGMENT_UNITS = saved
            row.append(f"{rule}: {M.nmi(gold, a):.3f} ({len(set(a.tolist()) - {-1})}/{k})")
        print(" | ".join(row), flush=True)


if __name__ == "__main__":
    main()
