"""Choose the pain point clustering on some sets and show it on the others (issue 22).

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/painpoints_dev.py [--data ../shared/data] [--dev bitext,banking77]

The scoreboard's four intent sets (same loaders, samples and seed), each text embedded once with MiniLM, and
clustered by every variant below straight from ``painpoints`` (no sentiment or classification: these are the
``--cluster all`` runs). For each: NMI against the gold intents (unassigned = -1), clusters found against the
true number, unassigned share, label faithfulness. A variant's free parameter is chosen on the DEV sets (by
mean NMI) and reported on the others; the table also gives leave-one-set-out picks so no figure is reported
on a set its setting was chosen on.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SETS = {"bitext": None, "banking77": 3000, "clinc150": 2000, "hwu64": None}  # as in the scoreboard
SEED = 19


def load(data: Path):
    import scoreboard_sets as S

    out = {}
    for name, n in SETS.items():
        try:
            out[name] = getattr(S, name)(data, n, SEED).frame
        except S.Absent:
            print(f"{name}: absent")
    return out


def evaluate(name, frame, clustering, enc, class_vecs, names) -> dict:
    import scoreboard_metrics as M

    gold = frame["intent"].to_numpy()
    a = np.asarray(clustering.assignments)
    labels = {t: c.label for t, c in clustering.clusters.items()}
    members: dict = {}
    for t, g in zip(a.tolist(), gold):
        members.setdefault(t, []).append(g)
    faith = M.faithfulness(labels, members, dict(zip(labels, enc(list(labels.values())))), names, class_vecs) \
        if labels else float("nan")
    return {"nmi": M.nmi(gold, a), "k": len(set(a.tolist()) - {-1}), "true_k": len(set(gold)),
            "unassigned": float(np.mean(a == -1)), "faith": faith, "themes": clustering.themes,
            "labels": labels}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--dev", default="bitext,banking77")
    ap.add_argument("--variants", default="current")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/f2j-pp-dev"))
    ap.add_argument("--show-labels", type=int, default=0)
    args = ap.parse_args()

    import painpoints_variants as V  # the candidates, next to this script while they are compared

    from feedback2journey.embed import Embedder
    from feedback2journey.text.clean import analysis_text

    embedder = Embedder(cache_dir=args.cache)
    sets = load(args.data)
    rows = []
    for name, frame in sets.items():
        texts = [analysis_text(t) or t for t in frame["text"]]
        emb = embedder.encode(texts)
        names = sorted(set(frame["intent"]))
        class_vecs = embedder.encode([n.replace("_", " ").strip("?") for n in names])
        for variant in args.variants.split(","):
            for setting, fit in V.VARIANTS[variant](embedder.encode):
                t0 = time.perf_counter()
                clustering = fit(texts, emb)
                sec = time.perf_counter() - t0
                r = evaluate(name, frame, clustering, embedder.encode, class_vecs, names)
                r.update(set=name, variant=variant, setting=setting, seconds=sec)
                rows.append(r)
                print(f"{name:10s} {variant:12s} {str(setting):24s} NMI {r['nmi']:.3f} k {r['k']:4d}/{r['true_k']:<4d} "
                      f"unassigned {r['unassigned']:.3f} faith {r['faith']:.3f} ({sec:.1f} s)", flush=True)
                for t, lab in list(r["labels"].items())[: args.show_labels]:
                    print(f"      {t:3d} {lab}")
    dev = set(args.dev.split(","))
    print(f"\nchosen on {sorted(dev)} (mean NMI); leave-one-set-out pick in brackets")
    for variant in args.variants.split(","):
        vr = [r for r in rows if r["variant"] == variant]
        settings = list(dict.fromkeys(str(r["setting"]) for r in vr))

        def mean_nmi(on):
            return {s: np.mean([r["nmi"] for r in vr if str(r["setting"]) == s and r["set"] in on] or [np.nan])
                    for s in settings}
        scores = mean_nmi(dev)
        best = max(settings, key=lambda s: scores[s])
        for name in sets:
            loso = mean_nmi(set(sets) - {name})
            pick = max(settings, key=lambda s: loso[s])
            r = next(r for r in vr if r["set"] == name and str(r["setting"]) == best)
            q = next(r for r in vr if r["set"] == name and str(r["setting"]) == pick)
            print(f"{variant:12s} {name:10s} {'dev' if name in dev else 'held-out':8s} {best:24s} NMI {r['nmi']:.3f} "
                  f"k {r['k']}/{r['true_k']} unassigned {r['unassigned']:.3f} faith {r['faith']:.3f}   "
                  f"[{pick}: NMI {q['nmi']:.3f} k {q['k']}]")


if __name__ == "__main__":
    main()
