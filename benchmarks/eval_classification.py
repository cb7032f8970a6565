"""Touchpoint classification on Bitext customer support: zero-shot, few-shot, calibration and speed.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/eval_classification.py [--data ../shared/data] [--held-out]
        [--speed accurate|fast] [--backend torch|onnx]

Data (never copied into the repo): ../shared/data/bitext_customer_support/
Bitext_Sample_Customer_Support_Training_Dataset.csv, 4,514 rows. Each ``instruction`` is one segment; its
``category`` is mapped to a default-taxonomy touchpoint by benchmarks/bitext_touchpoints.yaml (11 categories ->
10 touchpoints). Scores are over those touchpoint classes; predicting any other touchpoint, or
``unclassified``, is a miss.

Split: a row is **dev** when md5(instruction) falls in the lowest 30% (1,344 rows), else **held-out** (3,170).
Only dev was looked at while developing; ``--held-out`` also scores held-out (done once, at the end).

Systems:
* zero-shot: the default config as shipped (prototypes + keyword evidence, calibrated temperature, joint
  stage x touchpoint, thresholds) - ``macro_f1`` counts ``unclassified`` as a miss; ``forced`` is the argmax.
* few-shot: ``train.train_task`` on 20 dev rows per touchpoint class (+ the taxonomy's prototypes), scored on
  the remaining dev rows and on held-out; mean and range over 5 draws. Variants without the taxonomy
  prototypes and plain logistic regression are printed for comparison.
Speed: embedding time vs classification time (both tasks, keywords, joint choice) for the same texts.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from feedback2journey.classify.zero_shot import softmax  # noqa: E402
from feedback2journey.text.clean import analysis_text  # noqa: E402
from feedback2journey.config import load_config  # noqa: E402
from feedback2journey.embed.embedder import Embedder  # noqa: E402
from feedback2journey.classify.evaluate import score_task  # noqa: E402
from feedback2journey.classify.train import build_classifier, train_task  # noqa: E402

CACHE = Path(os.environ.get("F2J_CACHE", "/tmp/f2j_cls"))
DEV_SHARE = 0.30


def load_bitext(data_dir: Path) -> pd.DataFrame:
    d = pd.read_csv(data_dir / "bitext_customer_support" / "Bitext_Sample_Customer_Support_Training_Dataset.csv")
    mapping = yaml.safe_load((REPO / "benchmarks" / "bitext_touchpoints.yaml").read_text())
    d["touchpoint"] = d["category"].map(mapping)
    assert d["touchpoint"].notna().all(), "every category needs a mapping"
    d["dev"] = [int(hashlib.md5(t.encode()).hexdigest()[:8], 16) / 2**32 < DEV_SHARE for t in d["instruction"]]
    d["text"] = [analysis_text(t) or t for t in d["instruction"]]
    return d.reset_index(drop=True)


def cached_embed(texts: list[str], embedder: Embedder, name: str = "bitext", cache: Path = CACHE) -> np.ndarray:
    """Vectors of ``texts`` kept in ``cache`` between runs of the evaluation scripts."""
    cache.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(("\x1f".join(texts) + embedder.model_id).encode()).hexdigest()[:16]
    path = cache / f"{name}_{key}.npy"
    if path.exists():
        return np.load(path)
    vecs = embedder.encode(texts)
    np.save(path, vecs)
    return vecs


def row(name: str, split: str, res: dict) -> dict:
    return {"system": name, "set": split, "n": res["n"], "macro_f1": res["macro_f1"],
            "macro_f1_forced": res["macro_f1_forced"], "accuracy": res["accuracy"], "coverage": res["coverage"],
            "ece": res["ece"]}


def zero_shot(d, emb, clf, splits) -> tuple[list[dict], dict]:
    _, touch = clf.predict(emb, d["text"].tolist())
    rows, details = [], {}
    for split, m in splits.items():
        res = score_task(d["touchpoint"].values[m], touch["label"].values[m], touch["candidate"].values[m],
                         touch["confidence"].values[m], d["text"].values[m])
        rows.append(row("zero-shot", split, res))
        details[split] = res
    return rows, details


def few_shot(d, emb, proto, splits_fn, shots: int, seeds: range, variants: dict) -> list[dict]:
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        train_idx = []
        dev_idx = np.flatnonzero(d["dev"].values)
        for lab in sorted(d["touchpoint"].unique()):
            pool = dev_idx[d["touchpoint"].values[dev_idx] == lab]
            train_idx.extend(rng.choice(pool, size=min(shots, len(pool)), replace=False))
        train_idx = np.asarray(train_idx)
        train_mask = np.zeros(len(d), dtype=bool)
        train_mask[train_idx] = True
        y = d["touchpoint"].values
        for name, kw in variants.items():
            h = train_task(emb[train_idx], y[train_idx], proto if kw.get("taxonomy") else None, c=kw.get("C", 4.0),
                           folds=5, seed=seed)
            prob = softmax(emb @ h["coef"].T + h["intercept"], h["temperature"])
            ids = np.asarray(h["ids"], dtype=object)
            forced = ids[prob.argmax(axis=1)]
            conf = prob.max(axis=1)
            pred = np.where(conf >= kw.get("threshold", 0.25), forced, "unclassified")
            for split, m in splits_fn(train_mask).items():
                res = score_task(y[m], pred[m], forced[m], conf[m])
                out.append({**row(name, split, res), "seed": seed})
    return out


def speed(texts: list[str], cfg, embedder: Embedder, clf) -> dict:
    embedder.encode(texts[:64])  # warm up
    t0 = time.perf_counter()
    emb = embedder.encode(texts)
    t_embed = time.perf_counter() - t0
    clf.predict(emb[:64], texts[:64])
    t0 = time.perf_counter()
    clf.predict(emb, texts)
    t_cls = time.perf_counter() - t0
    return {"texts": len(texts), "embed_s": round(t_embed, 2), "classify_s": round(t_cls, 3),
            "classify_share_of_embed": round(t_cls / t_embed, 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--held-out", action="store_true", help="also score the held-out split (do this once)")
    ap.add_argument("--config", type=Path, default=None)
    ap.add_argument("--shots", type=int, default=20)
    ap.add_argument("--speed-n", type=int, default=1000)
    ap.add_argument("--show-confusion", action="store_true")
    ap.add_argument("--speed", choices=["accurate", "fast"], default="accurate", help="encoder speed mode")
    ap.add_argument("--backend", choices=["torch", "onnx", "static"], default=None,
                    help="encoder backend (default: torch for accurate, static for fast)")
    args = ap.parse_args()

    cfg = load_config(args.config)
    d = load_bitext(args.data)
    embedder = Embedder(speed=args.speed, backend=args.backend)
    print(f"encoder: {embedder.model_id}")
    emb = cached_embed(d["text"].tolist(), embedder)
    dev = d["dev"].values
    splits = {"dev": dev}
    if args.held_out:
        splits["held-out"] = ~dev
    print(f"Bitext: {len(d)} rows, dev {dev.sum()}, held-out {(~dev).sum()}; "
          f"{d['touchpoint'].nunique()} touchpoint classes")

    clf = build_classifier(cfg, embedder)
    print("calibration (touchpoints):", clf.touchpoint.calibration, "| stages:", clf.stage.calibration)
    rows, details = zero_shot(d, emb, clf, splits)
    if args.show_confusion:
        res = details["dev"]
        print(pd.DataFrame(res["per_class"]).to_string(index=False))
        cm = res["confusion"]
        print(pd.DataFrame(cm["matrix"], index=cm["labels"], columns=[p[:8] for p in cm["predicted"]]).to_string())
        print(pd.DataFrame(res["reliability"]).to_string(index=False))

    def fs_splits(train_mask):
        s = {"dev-rest": dev & ~train_mask}
        if args.held_out:
            s["held-out"] = ~dev
        return s

    variants = {"few-shot (LR + taxonomy)": {"taxonomy": True}, "few-shot (LR only)": {"taxonomy": False}}
    fs = pd.DataFrame(few_shot(d, emb, clf.touchpoint, fs_splits, args.shots, range(5), variants))
    agg = fs.groupby(["system", "set"], sort=False).agg(
        n=("n", "first"), macro_f1=("macro_f1", "mean"), macro_f1_min=("macro_f1", "min"),
        macro_f1_max=("macro_f1", "max"), macro_f1_forced=("macro_f1_forced", "mean"),
        accuracy=("accuracy", "mean"), coverage=("coverage", "mean"), ece=("ece", "mean")).reset_index()
    table = pd.concat([pd.DataFrame(rows), agg], ignore_index=True)
    pd.set_option("display.width", 200)
    print(f"\nTouchpoint classification (few-shot: {args.shots} per class from dev, mean of 5 draws)")
    print(table.round(3).to_string(index=False))

    sp_idx = np.random.default_rng(0).choice(len(d), size=min(args.speed_n, len(d)), replace=False)
    sp = speed(d["text"].values[sp_idx].tolist(), cfg, embedder, clf)
    print(f"\nSpeed on {sp['texts']} Bitext texts: embed {sp['embed_s']} s, classify {sp['classify_s']} s "
          f"= {sp['classify_share_of_embed']:.1%} of the embedding time (target <= 10%)")
    zs = {r["set"]: r["macro_f1"] for r in rows}
    few = agg[agg["system"] == "few-shot (LR + taxonomy)"].set_index("set")["macro_f1"].to_dict()
    print("\nTargets: zero-shot touchpoint macro-F1 >= 0.80:",
          ", ".join(f"{k} {v:.3f}" for k, v in zs.items()),
          "| few-shot >= 0.92:", ", ".join(f"{k} {v:.3f}" for k, v in few.items()))


if __name__ == "__main__":
    main()
