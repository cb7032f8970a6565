"""Evaluate the pain point clusterer against labelled query sets, plus determinism and id stability.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/eval_clustering.py [--data ../shared/data] [--sets banking77 bitext]

Sets (read from ``--data``, never copied into the repo; embeddings cached in /tmp/f2j_cluster_cache):

* banking77: ``banking77/train.csv`` (10,003 queries, label ``category``, 77 intents).
* bitext: ``bitext_customer_support/Bitext_Sample_Customer_Support_Training_Dataset.csv`` (column
  ``instruction``, label ``intent``, 27 intents).

* semeval: ``semeval2014_absa/semeval2014_restaurants_train.csv`` (SemEval-2014 Task 4, restaurant review
  sentences): a held-out check of complaint-like text that no parameter was chosen on. Only sentences with
  exactly ONE aspect category of polarity ``negative`` (654 of 3,041; label = that category: food, service,
  price, ambience, anecdotes/miscellaneous); the 90 sentences negative about two or more categories are
  skipped (no single reason), ``conflict`` counts as not negative. Sentences may also praise another
  category ("the food was fine but the staff..."), as real complaints do. ``nmi_no_misc``: NMI over the
  rows of the four concrete categories only (anecdotes/miscellaneous is a catch-all).

The first two are queries, mostly not negative, so every row is clustered (as ``cluster_on: all`` would do).
Figures per set:

* ``nmi``: NMI between the clusters and the labels over ALL rows, unassigned rows counted as one extra
  cluster (the honest figure); ``nmi_assigned``: over assigned rows only; ``unassigned``: share left at -1;
  ``clusters``; ``fit_s``: wall time of one fit on the precomputed embeddings.
* ``deterministic``: a second fit on identical input with the same seed gives identical assignments;
  ``cross_process``: share of rows with the same cluster when the fit runs again in a fresh Python process
  with another ``PYTHONHASHSEED`` (1.0 = identical; ``--no-cross-process`` skips it).
* ``themes``: how many themes the pain points roll up into.
* ``id_retention``: fit on a random 10/11 of the rows, then on all rows (10% more) with the first run's
  state as ``previous``: share of the first run's pain point ids still present; ``row_id_agreement``: share
  of the first run's assigned rows that keep their id.
* ``--drops``: granularity stability. Fit on the whole set and on the set minus its last row, minus 1% of
  rows (seeded: ``default_rng(1)``) and minus 10% (``default_rng(10)``); per variant the chosen minimum cluster
  size, clusters, NMI (over the variant's rows) and unassigned share. Small changes of the data should move
  the cluster count and NMI little.
* ``--scale 500000``: time one fit on that many rows (a set's embeddings repeated with small noise), which
  fits on a 50k sample and assigns the rest.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sklearn.metrics import normalized_mutual_info_score  # noqa: E402

from feedback2journey.text.clean import analysis_text  # noqa: E402
from feedback2journey.painpoints.cluster import PainPointClusterer  # noqa: E402

CACHE = Path("/tmp/f2j_cluster_cache")
SETS = {
    "banking77": ("banking77/train.csv", "text", "category"),
    "bitext": ("bitext_customer_support/Bitext_Sample_Customer_Support_Training_Dataset.csv", "instruction", "intent"),
    "semeval": ("semeval2014_absa/semeval2014_restaurants_train.csv", "text", "aspect_categories"),
}
MISC = "anecdotes/miscellaneous"


def single_negative_category(cats: str) -> str | None:
    """``"food:positive;service:negative"`` -> ``"service"``; None unless exactly one category is negative."""
    neg = [c for c, _, pol in (p.rpartition(":") for p in str(cats).split(";") if p) if pol == "negative"]
    return neg[0] if len(neg) == 1 else None


def check_data(data: Path, names: list[str]) -> None:
    """Exit with a clear message when a set's file is not under ``data`` (the sets are never in the repo)."""
    missing = [f"{name}: {data / SETS[name][0]}" for name in names if not (data / SETS[name][0]).is_file()]
    if missing:
        sys.exit(f"labelled data not found (read from --data {data}, never copied into the repo):\n  "
                 + "\n  ".join(missing) + "\nPoint --data at the shared data folder or pick other --sets.")


def cached_embed(texts: list[str], name: str) -> np.ndarray:
    CACHE.mkdir(parents=True, exist_ok=True)
    # the encoder's batching is part of the key: fixed-shape batches (fixed_batches.py) changed the last bits
    key = hashlib.sha1(("fixed-shape-batches\x1f" + "\x1f".join(texts)).encode()).hexdigest()[:16]
    path = CACHE / f"{name}_{key}.npy"
    if path.exists():
        return np.load(path)
    from feedback2journey.embed.embedder import Embedder

    t0 = time.perf_counter()
    vecs = Embedder().encode(texts)
    print(f"  embedded {len(texts):,} {name} texts in {time.perf_counter() - t0:.0f}s", flush=True)
    np.save(path, vecs)
    return vecs


def load_set(data: Path, name: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    rel, text_col, label_col = SETS[name]
    df = pd.read_csv(data / rel).dropna(subset=[text_col, label_col])
    if name == "semeval":  # negative sentences about one aspect category; the label is that category
        df = df.assign(**{label_col: df[label_col].map(single_negative_category)}).dropna(subset=[label_col])
    texts = [analysis_text(str(x)) or str(x) for x in df[text_col]]  # what the pipeline embeds and clusters
    return texts, df[label_col].astype(str).to_numpy(), cached_embed(texts, name)


def nmi(labels: np.ndarray, assign: np.ndarray) -> float:
    return float(normalized_mutual_info_score(labels, assign))


def print_table(rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    """A fixed-width table of ``rows``: per column its header, key and format spec (width first)."""
    print("\n" + " ".join(f"{head:{spec.split('.')[0].rstrip('sdf%')}}" for head, _, spec in columns))
    for r in rows:
        print(" ".join(f"{r[key]:{spec}}" for _, key, spec in columns))


_ENCODE = []


def encoder():
    """One loaded MiniLM for the process: the pipeline's ``embed`` (labels re-ranked, slot-masked texts encoded)."""
    if not _ENCODE:
        from feedback2journey.embed.embedder import Embedder

        _ENCODE.append(Embedder().encode)
    return _ENCODE[0]


def evaluate(name: str, texts, labels, emb, seed: int, stability: bool) -> dict:
    clusterer = PainPointClusterer(seed=seed, embed=encoder())  # as the pipeline: labels re-ranked, slots masked
    t0 = time.perf_counter()
    res = clusterer.fit(texts, emb)
    fit_s = time.perf_counter() - t0
    a = res.assignments
    ok = a >= 0
    out = {"set": name, "rows": len(texts), "labels": int(len(set(labels))), "clusters": len(res.clusters),
           "nmi": round(nmi(labels, a), 4), "nmi_assigned": round(nmi(labels[ok], a[ok]), 4),
           "unassigned": round(float((~ok).mean()), 4), "fit_s": round(fit_s, 1),
           "slot_values": len(res.params.get("slots") or {}), "slot_rows": res.params.get("slot_rows", 0),
           **({"nmi_no_misc": round(nmi(labels[labels != MISC], a[labels != MISC]), 4)} if name == "semeval" else {}),
           "params": {k: v for k, v in res.params.items() if not isinstance(v, (list, dict))}}
    again = clusterer.fit(texts, emb)
    out["deterministic"] = bool(np.array_equal(a, again.assignments))
    out["themes"] = len(res.themes)
    if stability:
        out.update(id_stability(clusterer, texts, emb, seed))
    out["_assignments"] = a
    sizes = pd.Series(a[ok]).value_counts()
    out["sample_labels"] = [res.clusters[t].label for t in sizes.index[:12]]
    return out


def cross_process(name: str, data: Path, seed: int, assignments: np.ndarray) -> float:
    """Fit again in a fresh process (another hash seed, another memory layout): share of equal assignments."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "a.npy"
        env = {**os.environ, "PYTHONHASHSEED": "12345", "HF_HUB_OFFLINE": "1"}
        subprocess.run([sys.executable, __file__, "--child", name, str(out), "--data", str(data), "--seed", str(seed)],
                       check=True, env=env)
        other = np.load(out)
    return round(float((other == assignments).mean()), 4)


def id_stability(clusterer, texts, emb, seed: int) -> dict:
    from feedback2journey.painpoints.curate import assign_ids

    rng = np.random.default_rng(seed)
    n = len(texts)
    base = np.sort(rng.choice(n, size=round(n * 10 / 11), replace=False))
    first = clusterer.fit([texts[i] for i in base], emb[base])
    ids1, state1 = assign_ids(first, previous=None)
    rerun = PainPointClusterer(seed=seed, embed=clusterer.embed, previous_params=state1.params)  # as the pipeline
    second = rerun.fit(texts, emb)
    ids2, _ = assign_ids(second, previous=state1, embeddings=emb)
    kept = set(ids1.values()) & set(ids2.values())
    row1 = np.array([ids1.get(t) for t in first.assignments], dtype=object)
    row2 = np.array([ids2.get(t) for t in second.assignments[base]], dtype=object)
    was = row1 != None  # noqa: E711
    return {"id_retention": round(len(kept) / max(1, len(set(ids1.values()))), 4),
            "row_id_agreement": round(float((row1[was] == row2[was]).mean()), 4) if was.any() else None}


def drop_rows(n: int) -> dict[str, np.ndarray]:
    """Row subsets of the granularity-stability check (``--drops``)."""
    return {"all rows": np.arange(n), "minus last row": np.arange(n - 1),
            "minus 1% (seed 1)": np.sort(np.random.default_rng(1).choice(n, n - round(n * 0.01), replace=False)),
            "minus 10% (seed 10)": np.sort(np.random.default_rng(10).choice(n, n - round(n * 0.10), replace=False))}


def drop_check(name: str, texts, labels, emb, seed: int) -> list[dict]:
    out = []
    for variant, rows in drop_rows(len(texts)).items():
        t0 = time.perf_counter()
        res = PainPointClusterer(seed=seed, embed=encoder()).fit([texts[i] for i in rows], emb[rows])
        a = res.assignments
        out.append({"set": name, "variant": variant, "rows": len(rows),
                    "min_cluster_size": res.params.get("min_cluster_size"),
                    "clusters": len(res.clusters), "nmi": round(nmi(labels[rows], a), 4),
                    "unassigned": round(float((a < 0).mean()), 4), "fit_s": round(time.perf_counter() - t0, 1),
                    "dbcv_grid": res.params.get("dbcv_grid")})
        print(json.dumps(out[-1]), flush=True)
    return out


def scale_check(texts, emb, n: int, seed: int) -> dict:
    """Time one fit on ``n`` rows made by repeating a set's rows with small noise (fit on a 50k sample)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(texts), size=n)
    big = emb[idx] + rng.normal(scale=0.02, size=(n, emb.shape[1])).astype(np.float32)
    big /= np.linalg.norm(big, axis=1, keepdims=True)
    t0 = time.perf_counter()
    res = PainPointClusterer(seed=seed).fit([texts[i] for i in idx], big)
    return {"scale_rows": n, "scale_fit_s": round(time.perf_counter() - t0, 1), "scale_clusters": len(res.clusters),
            "scale_unassigned": round(res.unassigned / n, 4), "fitted_on": res.params.get("fitted_on")}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-stability", action="store_true", help="skip the 10%%-more-rows id stability check")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--no-cross-process", action="store_true", help="skip the fresh-process determinism check")
    ap.add_argument("--drops", action="store_true", help="only the granularity-stability check: fit on all rows, "
                    "minus 1 row, minus 1%% and minus 10%% of rows")
    ap.add_argument("--child", nargs=2, metavar=("SET", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--scale", type=int, default=0, help="also time one fit on this many rows (first set's rows "
                    "repeated with noise), e.g. 500000")
    args = ap.parse_args(argv)
    check_data(args.data, [args.child[0]] if args.child else args.sets)
    if args.child:  # the fresh process of the cross-process check: fit as evaluate() does, save assignments
        texts, _, emb = load_set(args.data, args.child[0])
        np.save(args.child[1], PainPointClusterer(seed=args.seed, embed=encoder()).fit(texts, emb).assignments)
        return 0
    results = []
    if args.drops:
        for name in args.sets:
            texts, labels, emb = load_set(args.data, name)
            results += drop_check(name, texts, labels, emb, args.seed)
        print_table(results, [("set", "set", "<10"), ("variant", "variant", "<20"), ("rows", "rows", ">6"),
                              ("mcs", "min_cluster_size", ">4"), ("clusters", "clusters", ">8"),
                              ("NMI", "nmi", ">6.3f"), ("unassigned", "unassigned", ">10.1%")])
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))
        return 0
    for name in args.sets:
        texts, labels, emb = load_set(args.data, name)
        r = evaluate(name, texts, labels, emb, args.seed, not args.no_stability)
        if not args.no_cross_process:
            r["cross_process"] = cross_process(name, args.data, args.seed, r.pop("_assignments"))
        r.pop("_assignments", None)
        results.append(r)
        print(json.dumps(r, indent=1), flush=True)
    print("\nset        rows  labels clusters themes  NMI    NMI(assigned) unassigned det  x-proc id_keep row_keep fit_s")
    for r in results:
        print(f"{r['set']:<10} {r['rows']:>6} {r['labels']:>6} {r['clusters']:>8} {r['themes']:>6}  {r['nmi']:.3f}  "
              f"{r['nmi_assigned']:.3f}         {r['unassigned']:>6.1%}    {'yes' if r['deterministic'] else 'NO ':<4} "
              f"{r.get('cross_process', float('nan')):>6.1%} {r.get('id_retention', float('nan')):>6.1%}  "
              f"{r.get('row_id_agreement') or float('nan'):>6.1%}  {r['fit_s']:>5}")
    if args.scale:
        texts, _, emb = load_set(args.data, args.sets[0])
        r = scale_check(texts, emb, args.scale, args.seed)
        print(json.dumps(r), flush=True)
        results.append(r)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
