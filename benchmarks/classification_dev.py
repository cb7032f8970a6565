"""Choose how the classifier uses the unlabelled corpus, on some sets, and show it on the others.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/classification_dev.py [--data ../shared/data] [--n 1500]

For each zero-shot set of the scoreboard (same rows: its loaders, sample sizes and seed; the frozen taxonomies
in benchmarks/taxonomies/), every text is embedded once and classified into the set's classes (the
taxonomy's touchpoints) by:

* ``cosine``: the notebook baseline (cosine to "name: description", argmax);
* ``zero-shot``: the taxonomy's prototypes as the pipeline had them (threshold -> unclassified);
* ``zero-shot argmax``: the same without the threshold;
* ``corpus``: ``classify.corpus.CorpusAdapter`` (self-training on the run's own texts) over the zero-shot
  probabilities, with each setting of the grid.

Macro-F1 over the set's classes (an unclassified text counts as wrong). The grid is scored on the DEV sets
only and the best setting is then reported on the others; ``--dev`` names the dev sets (default: bitext and
hwu64, whose texts are short requests; the held-out ones add long-ish review sentences (MAMS), another
assistant set (CLINC150) and banking (Banking77)).
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SETS = {"bitext": 1500, "clinc150": 1500, "hwu64": None, "mams": None, "banking77": 1500}
SEED = 19


def macro_f1(gold, pred, labels) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--dev", default="bitext,hwu64")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/f2j-classification-dev"))
    args = ap.parse_args()

    import scoreboard_sets as S

    from feedback2journey.config import load_config
    from corpus_adapter import CorpusAdapter  # the experiment, kept beside this script (not adopted)
    from feedback2journey.classify.train import build_classifier
    from feedback2journey.embed import Embedder
    from feedback2journey.text.clean import analysis_text

    embedder = Embedder(cache_dir=args.cache)
    dev = set(args.dev.split(","))
    grid = [dict(share=s, rounds=r, prior=p) for s, r, p in itertools.product((0.1, 0.2, 0.4), (1, 2, 3), (0.0, 0.5))]
    results: dict[str, dict] = {}
    for name, n in SETS.items():
        try:
            loaded = getattr(S, name)(args.data, n, SEED)
        except S.Absent:
            print(f"{name}: absent")
            continue
        frame = loaded.frame[loaded.frame["label"].notna()].reset_index(drop=True)
        if frame.empty:
            print(f"{name}: no row with a single class in this sample ({loaded.sample})")
            continue
        cfg = load_config(loaded.info["taxonomy"])
        texts = [analysis_text(t) or t for t in frame["text"]]
        t0 = time.perf_counter()
        emb = embedder.encode(texts)
        t_embed = time.perf_counter() - t0
        clf = build_classifier(cfg, embedder).touchpoint
        labels = list(clf.ids)
        gold = frame["label"].str.lower().tolist()
        names = {t.id: f"{t.name}: {t.description}" for t in cfg.taxonomy.touchpoints}
        lab_emb = embedder.encode([names[i] for i in labels])
        cosine = [labels[j] for j in (emb @ lab_emb.T).argmax(axis=1)]
        t0 = time.perf_counter()
        prob, _ = clf.proba(emb, texts)
        zs = clf.predict(emb, texts)["label"].tolist()
        arg = [labels[j] for j in prob.argmax(axis=1)]
        row = {"n": len(frame), "cosine": macro_f1(gold, cosine, labels), "zero-shot": macro_f1(gold, zs, labels),
               "zero-shot argmax": macro_f1(gold, arg, labels), "unclassified": float(np.mean([z == "unclassified" for z in zs]))}
        t_zero = time.perf_counter() - t0
        for g in grid:
            t0 = time.perf_counter()
            adapted = CorpusAdapter(**g).fit_predict(emb, prob)
            row[tuple(sorted(g.items()))] = macro_f1(gold, [labels[j] for j in adapted.argmax(axis=1)], labels)
            row.setdefault("corpus seconds", []).append(time.perf_counter() - t0)
        row["embed seconds"], row["zero-shot seconds"] = t_embed, t_zero
        results[name] = row
        print(f"{name}: n={len(frame)} cosine {row['cosine']:.3f} zero-shot {row['zero-shot']:.3f} "
              f"(argmax {row['zero-shot argmax']:.3f}, unclassified {row['unclassified']:.1%})", flush=True)

    keys = [tuple(sorted(g.items())) for g in grid]
    dev_sets = [s for s in results if s in dev]
    best = max(keys, key=lambda k: np.mean([results[s][k] for s in dev_sets])) if dev_sets else keys[0]
    print(f"\nchosen on {', '.join(dev_sets)}: {dict(best)}\n")
    print(f"{'set':10s} {'role':8s} {'n':>5s} {'cosine':>7s} {'zero-shot':>9s} {'argmax':>7s} {'corpus':>7s} "
          f"{'margin':>7s} {'corpus s':>8s} {'embed s':>8s}")
    for s, r in results.items():
        print(f"{s:10s} {'dev' if s in dev else 'held-out':8s} {r['n']:5d} {r['cosine']:7.3f} {r['zero-shot']:9.3f} "
              f"{r['zero-shot argmax']:7.3f} {r[best]:7.3f} {r[best] - r['cosine']:+7.3f} "
              f"{np.mean(r['corpus seconds']):8.2f} {r['embed seconds']:8.1f}")
    print("\nevery setting, mean over dev / held-out sets:")
    for k in keys:
        d = np.mean([results[s][k] for s in results if s in dev]) if dev_sets else float("nan")
        h = np.mean([results[s][k] for s in results if s not in dev])
        print(f"  {dict(k)}  dev {d:.3f}  held-out {h:.3f}")


if __name__ == "__main__":
    main()
