"""Try general changes of the pain point clusterer on every labelled set and several seeds (fit only: no
stability or cross-process checks). Used to decide what to adopt; see docs/pain_points.md "Evaluation".

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/cluster_variants.py --variants base ms5 ep200 --seeds 42 7

A variant patches one thing for the run (in this process only):

* ``base``: the clusterer as it is.
* ``msN``: HDBSCAN ``min_samples`` = N for every minimum cluster size (base: mcs // 3 clipped to 3-10).
* ``msmcs``: ``min_samples`` = the minimum cluster size (HDBSCAN's default).
* ``nocap``: no ``max_cluster_size`` (base: half the rows, ``cluster_select.MAX_CLUSTER_SHARE``).
* ``epN``: UMAP ``n_epochs`` = N at every size (base: UMAP's default, 500 up to 10,000 rows, 200 above).
* ``noslots``: no slot masking (base: slot fillers masked and re-encoded, ``slots.py``, as the pipeline does
  with its ``embed`` function; every variant gets MiniLM as ``embed``).
* ``noexpand``: slot values only from capitalised candidates (base also masks lowercase words that fill
  the same frames, ``slots.find_slots(expand=True)``).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from eval_clustering import MISC, SETS, check_data, encoder, load_set, nmi, print_table  # noqa: E402

import feedback2journey.painpoints.cluster as cluster  # noqa: E402
import feedback2journey.painpoints.select as select  # noqa: E402


@contextmanager
def variant(name: str):
    saved = (select.MAX_CLUSTER_SHARE, select.min_samples_for, cluster.PainPointClusterer.params_for, cluster.find_slots)
    try:
        if m := re.fullmatch(r"ms(\d+|mcs)", name):
            f = (lambda mcs: int(mcs)) if m.group(1) == "mcs" else (lambda mcs, k=int(m.group(1)): min(k, mcs))
            select.min_samples_for = f
        elif name == "nocap":
            select.MAX_CLUSTER_SHARE = 0
        elif m := re.fullmatch(r"ep(\d+)", name):
            base = saved[2]
            cluster.PainPointClusterer.params_for = lambda self, n: {**base(self, n), "n_epochs": int(m.group(1))}
        elif name == "noexpand":
            cluster.find_slots = partial(saved[3], expand=False)
        elif name != "base" and name != "noslots":
            raise SystemExit(f"unknown variant {name}")
        yield
    finally:
        select.MAX_CLUSTER_SHARE, select.min_samples_for, cluster.PainPointClusterer.params_for, cluster.find_slots = saved


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    ap.add_argument("--variants", nargs="+", default=["base"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[42])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    check_data(args.data, args.sets)
    rows = []
    for name in args.sets:
        texts, labels, emb = load_set(args.data, name)
        for v in args.variants:
            for seed in args.seeds:
                with variant(v):
                    t0 = time.process_time()
                    res = cluster.PainPointClusterer(seed=seed, embed=encoder(), mask_slots=v != "noslots").fit(texts, emb)
                a = res.assignments
                r = {"set": name, "variant": v, "seed": seed, "clusters": len(res.clusters),
                     "mcs": res.params.get("min_cluster_size"), "nmi": round(nmi(labels, a), 4),
                     "unassigned": round(float((a < 0).mean()), 4), "cpu_s": round(time.process_time() - t0, 1),
                     "slot_rows": res.params.get("slot_rows", 0)}
                if name == "semeval":
                    keep = labels != MISC
                    r["nmi_no_misc"] = round(nmi(labels[keep], a[keep]), 4)
                rows.append(r)
                print(json.dumps(r), flush=True)
    print_table(rows, [("set", "set", "<10"), ("variant", "variant", "<8"), ("seed", "seed", ">4"),
                       ("clusters", "clusters", ">8"), ("mcs", "mcs", ">4"), ("NMI", "nmi", ">6.3f"),
                       ("unassigned", "unassigned", ">10.1%")])
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
