"""Write a benchmark file of real, mostly distinct feedback texts assembled from ../shared/data (never copied into
the repository): GoEmotions comments (all splits), the clothing reviews (title + text), Banking77 queries,
CLINC150 queries, Bitext requests, shuffled with a fixed seed. Real text repeats far less than the generated
tickets of generate_items.py, so the per-row steps weigh against the encoder as they would on a real export.

    .venv/bin/python benchmarks/real_corpus.py --data ../shared/data --n 100000 --out /tmp/real100k.csv
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/scale.py /tmp/real100k.csv --modes accurate --no-rerun --chunk-rows 20000
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd


def texts(data: Path) -> pd.DataFrame:
    parts = []
    for split in ("train", "dev", "test"):
        g = pd.read_csv(data / "goemotions" / f"{split}.tsv", sep="\t", header=None, usecols=[0], names=["text"],
                        quoting=3, dtype=str, keep_default_na=False)
        parts.append(g.assign(source="goemotions"))
    c = pd.read_csv(data / "womens_clothing_reviews" / "reviews.csv")
    c = c[c["Review Text"].notna()]
    title = c["Title"].fillna("").astype(str).str.strip()
    body = c["Review Text"].astype(str).str.strip()
    parts.append(pd.DataFrame({"text": [f"{t}. {b}" if t else b for t, b in zip(title, body)], "source": "clothing"}))
    b = pd.read_csv(data / "banking77" / "train.csv")
    parts.append(pd.DataFrame({"text": b["text"].astype(str), "source": "banking77"}))
    clinc = json.loads((data / "clinc150" / "data_full.json").read_text())
    parts.append(pd.DataFrame({"text": [t for k in ("train", "val", "test") for t, _ in clinc[k]], "source": "clinc150"}))
    bt = pd.read_csv(data / "bitext_customer_support" / "Bitext_Sample_Customer_Support_Training_Dataset.csv")
    parts.append(pd.DataFrame({"text": bt["instruction"].astype(str), "source": "bitext"}))
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    t = texts(args.data)
    t = t[t["text"].str.strip().str.len() > 0]
    t = t.sample(n=min(args.n, len(t)), random_state=args.seed).reset_index(drop=True)
    t.insert(0, "id", [f"t{i}" for i in range(len(t))])
    t[["id", "text"]].to_csv(args.out, index=False)
    print(f"{len(t):,} texts -> {args.out}  ({t['text'].nunique():,} distinct)")
    print(t["source"].value_counts().to_string())


if __name__ == "__main__":
    main()
