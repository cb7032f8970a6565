"""What pain point clustering costs on a first run and on re-runs (numba compile cache, clustering cache).

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/cluster_cost.py [--data ../shared/data] [--set banking77] [--rows N]

Each scenario is a fresh Python process fitting ``PainPointClusterer`` as the pipeline does (labels re-ranked
with MiniLM, ``cache_tag`` = its model id) on one set's precomputed embeddings (``eval_clustering.load_set``;
the data is read from ``--data``, never copied into the repo). Figures per process: ``fit_s`` = wall time of
``fit`` (it imports UMAP/BERTopic lazily, so that is included), ``compile_s`` = numba compilation inside it,
``compiles`` = numba compile events, ``cache`` = the clustering cache's verdict.

1. ``no numba cache``: numba caches nothing (an empty NUMBA_CACHE_DIR hides pynndescent's own
   ``cache=True`` files in site-packages too; ``F2J_NUMBA_CACHE=0``) - every process pays this without caches.
2. ``first run``: empty feedback2journey cache folder: numba compiles and stores, the clustering is stored.
3. ``warm numba``: the same input, clustering cache off: the fit again, with compiled code loaded from disk.
4. ``changed data``: one row fewer (a new export): the clustering cache misses, numba's cache is warm.
5. ``unchanged re-run``: the same input as 2: the clustering is read back (UMAP/BERTopic not imported).

The machine is shared: run it when it is otherwise idle, or the wall times mostly measure the neighbours.

``--sizes 4514 10003 50000``: instead, CPU seconds of one ``fit`` per size (user + system time of all the
process's threads, ``resource.getrusage``: robust to a loaded machine), each in a fresh process with a warm
numba cache (a first process fills it: a 2,000-row fit plus pynndescent on random data), no clustering
cache, labels not re-ranked (``embed=None``: the clustering alone). Sizes up to 4,514 use bitext's first rows, up to 10,003 banking77's, larger ones
banking77's rows repeated with small noise (as ``eval_clustering.py --scale``). ``compile_cpu_s`` = numba
compilation inside the fit (what is left once the disk cache is warm).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def compile_timer(clock) -> tuple[list[float], list[int]]:
    """Sum numba's top-level compilations (nested ones run inside them) on ``clock`` from now on. Returns
    ([seconds], [number of compilations, nested included]), filled in as the process runs."""
    from numba.core import event as ev

    compile_s, depth, starts, count = [0.0], [0], [], [0]

    class Timer(ev.Listener):
        def on_start(self, event):
            depth[0] += 1
            starts.append(clock())

        def on_end(self, event):
            took = clock() - starts.pop()
            depth[0] -= 1
            count[0] += 1
            if depth[0] == 0:
                compile_s[0] += took

    ev.register("numba:compile", Timer())
    return compile_s, count


def child(args) -> None:
    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(REPO / "benchmarks"))
    compile_s, count = compile_timer(time.perf_counter)
    from eval_clustering import load_set

    from feedback2journey.painpoints.cluster import PainPointClusterer
    from feedback2journey.embed.embedder import Embedder

    texts, _, emb = load_set(args.data, args.set)
    n = min(args.rows or len(texts), len(texts)) - args.drop
    texts, emb = texts[:n], emb[:n]
    embedder = Embedder()
    t0 = time.perf_counter()
    res = PainPointClusterer(seed=42, embed=embedder.encode, cache_tag=embedder.model_id,
                             cache_dir=args.cache_dir).fit(texts, emb)
    fit_s = time.perf_counter() - t0
    print(json.dumps({"rows": n, "fit_s": round(fit_s, 2), "compile_s": round(compile_s[0], 1),
                      "compiles": count[0], "cache": res.params.get("cache"), "clusters": len(res.clusters),
                      "umap_imported": "umap" in sys.modules}), flush=True)


def size_child(args) -> None:
    """One fit of ``args.size`` rows: CPU seconds of the fit and of numba compilation in it."""
    import resource

    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(REPO / "benchmarks"))
    compile_s, _ = compile_timer(time.process_time)
    import numpy as np
    from eval_clustering import load_set

    from feedback2journey.painpoints.cluster import PainPointClusterer

    n = args.size
    texts, _, emb = load_set(args.data, "bitext" if n <= 4514 else "banking77")
    if n > len(texts):
        rng = np.random.default_rng(42)
        idx = rng.integers(0, len(texts), size=n)
        emb = emb[idx] + rng.normal(scale=0.02, size=(n, emb.shape[1])).astype(np.float32)
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
        texts = [texts[i] for i in idx]
    texts, emb = texts[:n], emb[:n]

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    c0, w0 = cpu(), time.perf_counter()
    res = PainPointClusterer(seed=42).fit(texts, emb)
    if args.warm:  # fits above cluster_knn.EXACT_KNN_MAX use pynndescent: compile (and cache) it too
        from umap.umap_ import nearest_neighbors

        x = np.random.default_rng(0).normal(size=(5000, emb.shape[1])).astype(np.float32)
        nearest_neighbors(x, 15, "cosine", {}, False, np.random.RandomState(0), low_memory=True)
    print(json.dumps({"rows": n, "fit_cpu_s": round(cpu() - c0, 1), "fit_wall_s": round(time.perf_counter() - w0, 1),
                      "compile_cpu_s": round(compile_s[0], 1), "knn": res.params.get("knn"),
                      "clusters": len(res.clusters), "min_cluster_size": res.params.get("min_cluster_size"),
                      "unassigned": round(res.unassigned / n, 4), "load_1min": round(os.getloadavg()[0], 1)}),
          flush=True)


def sizes(args) -> int:
    with tempfile.TemporaryDirectory(prefix="f2j-cost-") as tmp:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "F2J_CACHE_DIR": str(Path(tmp) / "f2j")}
        env.pop("F2J_NUMBA_CACHE", None)
        rows = []
        # the first process only warms the numba cache: a small fit, plus pynndescent's cacheable functions
        for i, n in enumerate([2000] + list(args.sizes)):
            out = subprocess.run([sys.executable, __file__, "--size-child", str(n), "--data", str(args.data)]
                                 + ([] if i else ["--warm"]), env=env, check=True, capture_output=True, text=True)
            if i:
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(json.dumps(rows[-1]), flush=True)
    print(f"\n{'rows':>7} {'fit CPU s':>10} {'numba compile CPU s':>20} {'knn':>10} {'clusters':>9} {'load':>5}")
    for r in rows:
        print(f"{r['rows']:>7} {r['fit_cpu_s']:>10} {r['compile_cpu_s']:>20} {str(r['knn']):>10} {r['clusters']:>9} "
              f"{r['load_1min']:>5}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--set", default="banking77", choices=["banking77", "bitext"])
    ap.add_argument("--rows", type=int, default=0, help="first N rows only (0 = all)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--drop", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--cache-dir", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--sizes", type=int, nargs="+", help="CPU seconds of one fit per size instead (see above)")
    ap.add_argument("--size-child", type=int, dest="size", help=argparse.SUPPRESS)
    ap.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.size:
        size_child(args)
        return 0
    if args.sizes:
        return sizes(args)
    if args.child:
        child(args)
        return 0
    with tempfile.TemporaryDirectory(prefix="f2j-cost-") as tmp:
        home, empty = Path(tmp) / "f2j", Path(tmp) / "numba-empty"
        base = [sys.executable, __file__, "--child", "--data", str(args.data), "--set", args.set,
                "--rows", str(args.rows)]
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "F2J_CACHE_DIR": str(home), "NUMBA_CACHE_DIR": str(empty)}
        env.pop("F2J_NUMBA_CACHE", None)
        scenarios = [
            ("no numba cache", {"F2J_NUMBA_CACHE": "0", "NUMBA_CACHE_DIR": str(Path(tmp) / "numba-off")}, []),
            ("first run", {}, ["--cache-dir", str(home / "clusterings")]),
            ("warm numba", {}, []),
            ("changed data", {}, ["--cache-dir", str(home / "clusterings"), "--drop", "1"]),
            ("unchanged re-run", {}, ["--cache-dir", str(home / "clusterings")]),
        ]
        rows = []
        for name, extra, flags in scenarios:
            t0 = time.perf_counter()
            out = subprocess.run(base + flags, env={**env, **extra}, check=True, capture_output=True, text=True)
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            figures.update(scenario=name, process_s=round(time.perf_counter() - t0, 1))
            rows.append(figures)
            print(json.dumps(figures), flush=True)
    print(f"\n{args.set}: clustering cost per fresh process (2-core CPU)")
    print(f"{'scenario':<18} {'rows':>6} {'fit_s':>7} {'numba compile_s':>16} {'compiles':>9} {'cache':>6} {'process_s':>10}")
    for r in rows:
        print(f"{r['scenario']:<18} {r['rows']:>6} {r['fit_s']:>7} {r['compile_s']:>16} {r['compiles']:>9} "
              f"{str(r['cache']):>6} {r['process_s']:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
