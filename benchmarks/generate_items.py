"""Write N synthetic help-desk tickets for benchmarks, with the bundled sample's generator (project-written
fragments composed at random: openers, themes, closers, HTML, quoted replies, typos...).

    .venv/bin/python benchmarks/generate_items.py 100000 /tmp/tickets-100k.csv [--format csv|jsonl|parquet]

Seeded: the same N and seed give the same file.
"""
from __future__ import annotations

import argparse
import importlib.util
import random
from pathlib import Path

import pandas as pd

GENERATOR = Path(__file__).resolve().parents[1] / "data" / "generate_sample.py"


def tickets(n: int, seed: int = 7) -> pd.DataFrame:
    spec = importlib.util.spec_from_file_location("f2j_sample_generator", GENERATOR)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.R = random.Random(seed)  # every fragment choice goes through this generator
    gen.N_TICKETS = n
    rows = gen.make_tickets()
    return pd.DataFrame(rows).head(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--format", choices=("csv", "jsonl", "parquet"), default=None)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    frame = tickets(args.n, args.seed)
    fmt = args.format or args.out.suffix.lstrip(".") or "csv"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        frame.to_parquet(args.out, index=False)
    elif fmt == "jsonl":
        frame.to_json(args.out, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_csv(args.out, index=False)
    print(f"{len(frame):,} tickets -> {args.out}")


if __name__ == "__main__":
    main()
