"""Speed modes side by side: accurate (torch MiniLM), accurate (int8 ONNX MiniLM), fast (static model2vec).

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/eval_speed_modes.py [--data ../shared/data] [--n 5000] [--repeats 3]

Data (read from ``--data``, never copied into the repo):
* banking77/train.csv (10,003 queries, 77 intents): throughput on the first ``--n`` queries (the SAME rows for
  every mode), ONNX-vs-torch cosine agreement on them, and clustering NMI over all rows with
  ``PainPointClusterer`` exactly as benchmarks/eval_clustering.py calls it (labels re-ranked with the mode's encoder).
* bitext_customer_support (4,514 requests): zero-shot touchpoint macro-F1 with the default config, scored as
  benchmarks/eval_classification.py does (dev and held-out splits), and agreement of the touchpoint predictions.

Throughput is ``Embedder.encode`` on unique texts, no disk cache, model loaded beforehand; the modes are timed
in turn, ``--repeats`` times, and the median is reported. The machine is shared, so spreads are printed too.
Embeddings for the quality figures are cached in /tmp/f2j_speed_modes (keyed by texts and model id).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from feedback2journey.text.clean import analysis_text  # noqa: E402
from feedback2journey.embed.embedder import Embedder, EmbeddingCache  # noqa: E402

CACHE = Path("/tmp/f2j_speed_modes")
MODES = {"accurate/torch": {"speed": "accurate", "backend": "torch"},
         "accurate/onnx-int8": {"speed": "accurate", "backend": "onnx"},
         "fast/static": {"speed": "fast"}}


def cached_encode(embedder: Embedder, texts: list[str], name: str) -> np.ndarray:
    from eval_classification import cached_embed

    return cached_embed(texts, embedder, name, CACHE)


def throughput(embedders: dict[str, Embedder], texts: list[str], repeats: int) -> dict[str, dict]:
    for e in embedders.values():
        e.encode(texts[:64])  # load (and build, the first time) outside the timing
    runs: dict[str, list[float]] = {m: [] for m in embedders}
    vecs: dict[str, np.ndarray] = {}
    for _ in range(repeats):
        for mode, e in embedders.items():  # interleaved, so a burst of load from other jobs hits all modes
            t0 = time.perf_counter()
            vecs[mode] = e.encode(texts)
            runs[mode].append(len(texts) / (time.perf_counter() - t0))
    return {m: {"per_s": float(np.median(r)), "min": float(min(r)), "max": float(max(r)), "runs": r,
                "vecs": vecs[m]} for m, r in runs.items()}


def cache_rates(texts: list[str], vecs: np.ndarray) -> dict[str, float]:
    """Vectors/s of the SQLite embedding cache: storing, and serving hits (to weigh it against encoding)."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        cache = EmbeddingCache(d, "probe", vecs.shape[1])
        t0 = time.perf_counter()
        cache.put(texts, vecs)
        put = len(texts) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        cache.get(texts)
        return {"put_per_s": round(put), "hit_per_s": round(len(texts) / (time.perf_counter() - t0))}


def bitext_quality(data: Path, embedder: Embedder, cfg) -> tuple[dict, np.ndarray]:
    from eval_classification import load_bitext, zero_shot
    from feedback2journey.classify.train import build_classifier

    d = load_bitext(data)
    emb = cached_encode(embedder, d["text"].tolist(), "bitext")
    clf = build_classifier(cfg, embedder)
    dev = d["dev"].values
    rows, _ = zero_shot(d, emb, clf, {"dev": dev, "held-out": ~dev})
    _, touch = clf.predict(emb, d["text"].tolist())
    return {r["set"]: r for r in rows}, touch["candidate"].values


def banking_nmi(texts: list[str], labels: np.ndarray, embedder: Embedder, seed: int) -> dict:
    from sklearn.metrics import normalized_mutual_info_score

    from feedback2journey.painpoints.cluster import PainPointClusterer

    emb = cached_encode(embedder, texts, "banking77")
    t0 = time.perf_counter()
    res = PainPointClusterer(seed=seed, embed=embedder.encode).fit(texts, emb)  # as eval_clustering.py
    a = res.assignments
    ok = a >= 0
    return {"nmi": float(normalized_mutual_info_score(labels, a)),
            "nmi_assigned": float(normalized_mutual_info_score(labels[ok], a[ok])),
            "clusters": len(res.clusters), "unassigned": float((~ok).mean()), "fit_s": time.perf_counter() - t0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--n", type=int, default=5000, help="Banking77 queries for throughput and agreement")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    ap.add_argument("--skip-quality", action="store_true", help="throughput and agreement only")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    banking = args.data / "banking77" / "train.csv"
    if not banking.exists():
        print(f"The evaluation data is absent: {banking} not found. This script needs ../shared/data "
              "(banking77, bitext_customer_support); pass --data DIR if it lives elsewhere.", file=sys.stderr)
        return 2

    df = pd.read_csv(banking).dropna(subset=["text", "category"])
    texts = [analysis_text(str(x)) or str(x) for x in df["text"]]  # what the pipeline embeds
    labels = df["category"].astype(str).to_numpy()
    rows = list(dict.fromkeys(texts))[: args.n]  # unique, so dedup does not flatter any mode
    embedders = {m: Embedder(**MODES[m]) for m in args.modes}
    print(f"cores: {os.cpu_count()}; throughput on {len(rows):,} Banking77 queries, median of {args.repeats} "
          f"(shared machine: min-max shown)", flush=True)
    speed = throughput(embedders, rows, args.repeats)
    out: dict = {"n": len(rows), "repeats": args.repeats, "cores": os.cpu_count(), "modes": {}}
    for m, r in speed.items():
        out["modes"][m] = {"model_id": embedders[m].model_id, "dim": embedders[m].dim,
                           "sentences_per_s": round(r["per_s"], 1),
                           "range": [round(r["min"], 1), round(r["max"], 1)]}
        print(f"  {m:<20} {r['per_s']:>10,.0f} sentences/s  (min {r['min']:,.0f}, max {r['max']:,.0f})  "
              f"dim {embedders[m].dim}  id {embedders[m].model_id}", flush=True)
    if "accurate/torch" in speed:
        # runs of the same repeat are adjacent in time, so their ratio is less hurt by other jobs' load
        for m in speed:
            if m != "accurate/torch":
                ratio = np.median(np.asarray(speed[m]["runs"]) / np.asarray(speed["accurate/torch"]["runs"]))
                out["modes"][m]["paired_speedup_vs_torch"] = round(float(ratio), 2)
                print(f"  {m}: {ratio:.1f}x torch (median of per-repeat ratios)")
    if "fast/static" in speed:
        rates = cache_rates(rows, speed["fast/static"]["vecs"])
        out["sqlite_cache"] = rates
        print(f"  SQLite embedding cache (fast-mode vectors): stores {rates['put_per_s']:,} /s, "
              f"serves hits {rates['hit_per_s']:,} /s")
    if {"accurate/torch", "accurate/onnx-int8"} <= set(speed):
        cos = (speed["accurate/torch"]["vecs"] * speed["accurate/onnx-int8"]["vecs"]).sum(1)
        out["onnx_vs_torch_cosine"] = {"mean": float(cos.mean()), "min": float(cos.min()),
                                       "p1": float(np.percentile(cos, 1)), "share_above_0.98": float((cos > .98).mean())}
        print(f"\nONNX int8 vs torch, cosine over {len(rows):,} Banking77 queries: mean {cos.mean():.4f}, "
              f"1st percentile {np.percentile(cos, 1):.4f}, min {cos.min():.4f}", flush=True)
    if args.skip_quality:
        return _finish(out, args)

    from feedback2journey.config import load_config

    cfg = load_config()
    bitext = args.data / "bitext_customer_support"
    if not bitext.exists():
        print(f"{bitext} is absent: no Bitext figures", file=sys.stderr)
    preds = {}
    for m, e in embedders.items():
        q = out["modes"][m]
        if bitext.exists():
            res, preds[m] = bitext_quality(args.data, e, cfg)
            q["bitext_touchpoint_macro_f1"] = {k: round(v["macro_f1"], 4) for k, v in res.items()}
            q["bitext_touchpoint_accuracy"] = {k: round(v["accuracy"], 4) for k, v in res.items()}
        q["banking77_clustering"] = {k: round(v, 4) for k, v in banking_nmi(texts, labels, e, args.seed).items()}
        print(f"  {m}: {json.dumps({k: v for k, v in q.items() if k.startswith(('bitext', 'banking'))})}", flush=True)
    if "accurate/torch" in preds:
        for m in preds:
            if m != "accurate/torch":
                agree = float((preds[m] == preds["accurate/torch"]).mean())
                out["modes"][m]["bitext_touchpoint_agreement_with_torch"] = round(agree, 4)

    print("\nmode                 sentences/s  Bitext touchpoint macro-F1 (dev / held-out)  same touchpoint as torch"
          "  Banking77 NMI (clusters)")
    for m, q in out["modes"].items():
        f1 = q.get("bitext_touchpoint_macro_f1", {})
        b = q["banking77_clustering"]
        agree = q.get("bitext_touchpoint_agreement_with_torch")
        print(f"{m:<20} {q['sentences_per_s']:>11,.0f}  {f1.get('dev', float('nan')):>6.3f} / "
              f"{f1.get('held-out', float('nan')):.3f}{'':<27} {'-' if agree is None else f'{agree:.1%}':>8}"
              f"                  {b['nmi']:.3f} ({b['clusters']})")
    return _finish(out, args)


def _finish(out: dict, args) -> int:
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
