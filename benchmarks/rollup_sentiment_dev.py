"""Item sentiment roll-up on DEV splits only: how an item's label is made from its segments (issue 20).

Runs the whole pipeline (``analyze``, accurate mode) on GoEmotions dev (3-class, comments with one
non-ambiguous group) and the clothing reviews' dev split (row id % 20 == 1, rating <= 2 vs >= 4, binary), then
recomputes the item label from the same segments several ways:

* ``pipeline``: the shipped roll-up (what ``analyze`` returned);
* ``vote``: ``roll_up_items`` rule (weighted scores, mixed lean), without the one-segment shortcut;
* ``pooled``: the encoder's heads are linear over mean-pooled tokens, so the token-weighted mean of the segments'
  log-probabilities is what the heads would give a text whose tokens are all the item's segments' tokens
  (without attention across segments): ``softmax(sum_i n_i log p_i / sum_i n_i)`` over the non-closer segments;
* ``whole``: the encoder on the whole item (a second pass: the reference, not a candidate).

Nothing here reads a test split. Usage::

    HF_HUB_OFFLINE=1 python benchmarks/rollup_sentiment_dev.py --data ../shared/data --n 2000
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from feedback2journey.feel import encoder as se
from feedback2journey.feel.accurate import SIGNOFF
from feedback2journey.feel.rules import CLOSER

LABELS = np.asarray(se.LABELS, dtype=object)


def goemotions_dev(data: Path, n: int, seed: int) -> pd.DataFrame:
    root = data / "goemotions"
    groups = (root / "group" / "labels.txt").read_text().split()
    rows = [line.rsplit("\t", 2) for line in (root / "group" / "dev.tsv").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    gold = [[groups[int(i)] for i in r[1].split(",")] for r in rows]
    f = pd.DataFrame({"text": [r[0] for r in rows],
                      "gold": [g[0] if len(g) == 1 and g[0] != "ambiguous" else None for g in gold]})
    f = f.dropna().sample(min(n, len(f.dropna())), random_state=seed).reset_index(drop=True)
    return f


def clothing_dev(data: Path, n: int, seed: int) -> pd.DataFrame:
    d = pd.read_csv(data / "womens_clothing_reviews" / "reviews.csv")
    d = d.rename(columns={d.columns[0]: "row_id"})
    d = d[d["Review Text"].notna() & (d["row_id"].astype(int) % 20 == 1) & (d["Rating"] != 3)]
    f = pd.DataFrame({"title": d["Title"].astype(object).fillna(""), "text": d["Review Text"],
                      "gold": ["negative" if r <= 2 else "positive" for r in d["Rating"]]})
    return f.sample(min(n, len(f)), random_state=seed).reset_index(drop=True)


def run(frame: pd.DataFrame, enc) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(items, segments) of one pipeline run, segments with the encoder's probabilities and token counts."""
    from feedback2journey import ColumnMapping, analyze
    from feedback2journey.text.clean import analysis_text

    cols = ["title", "text"] if "title" in frame else ["text"]
    ids = [f"r{i}" for i in range(len(frame))]
    df = pd.DataFrame({"id": ids, **{c: frame[c].astype(str).to_numpy() for c in cols}})
    t = time.perf_counter()
    result = analyze(df, None, columns=ColumnMapping(text=tuple(cols), id="id"))
    print(f"  analyze: {time.perf_counter() - t:.0f} s")
    seg = result.segments.copy()
    seg = seg[seg["sentiment_label"].isin(se.LABELS)]
    texts = [analysis_text(str(x)) or str(x) for x in seg["text"]]
    r = enc.score_texts(texts)
    seg[["p_neg", "p_neu", "p_pos"]] = r["probs"]
    seg["is_closer"] = [bool(CLOSER.match(t.strip()) or SIGNOFF.match(t.strip())) for t in texts]
    seg["tokens"] = [len(x) for x in enc.tokenizer(texts, truncation=True, max_length=se.MAX_SEQ_LENGTH)["input_ids"]]
    items = result.items.set_index(result.items["item_id"].astype(str)).reindex(ids)
    whole = [" ".join(str(v) for v in vals if str(v).strip()) for vals in df[cols].to_numpy()]
    items["whole"] = LABELS[enc.score_texts(whole)["probs"].argmax(axis=1)]
    items["gold"] = frame["gold"].to_numpy()
    return items.reset_index(drop=True), seg


def pooled_labels(seg: pd.DataFrame, weight: str = "tokens") -> pd.Series:
    """Per item: argmax of the token-weighted mean log-probabilities of its non-closer segments."""
    s = seg[~seg["is_closer"].astype(bool)]
    w = s["tokens"].astype(float) if weight == "tokens" else pd.Series(1.0, index=s.index)
    logp = np.log(np.clip(s[["p_neg", "p_neu", "p_pos"]].to_numpy(), 1e-6, 1.0)) * w.to_numpy()[:, None]
    summed = pd.DataFrame(logp, index=s.index).groupby(s["item_id"].astype(str)).sum()
    return pd.Series(LABELS[summed.to_numpy().argmax(axis=1)], index=summed.index)


def rolled(seg: pd.DataFrame, gate: bool) -> pd.Series:
    """``roll_up_items`` on the run's segments, with or without the encoder's neutral mass (the gate)."""
    from feedback2journey.feel.sentiment import SentimentScorer, roll_up_items

    s = seg.copy()
    s["item_id"] = s["item_id"].astype(str)
    raw = LABELS[s[["p_neg", "p_neu", "p_pos"]].to_numpy().argmax(axis=1)]
    # as feel.accurate gives it: a segment whose label a rule made carries no neutral mass; closers none at all
    s["neutral_probability"] = np.where(s["is_closer"], np.nan, np.where(s["sentiment_label"] == raw, s["p_neu"], 0.0))
    if not gate:
        s = s.drop(columns="neutral_probability")
    return roll_up_items(s, SentimentScorer()).set_index("item_id")["sentiment_label"]


def f1(gold, pred, labels) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(gold, pred, labels=list(labels), average="macro", zero_division=0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/rollup_dev"))
    a = ap.parse_args()
    enc = se.load()
    a.cache.mkdir(parents=True, exist_ok=True)
    for name, load in (("goemotions_dev", goemotions_dev), ("clothing_dev", clothing_dev)):
        ip, sp = a.cache / f"{name}_items.pkl", a.cache / f"{name}_segments.pkl"
        if ip.exists():
            items, seg = pd.read_pickle(ip), pd.read_pickle(sp)
            if "is_closer" not in seg:
                seg["is_closer"] = [bool(CLOSER.match(str(t).strip()) or SIGNOFF.match(str(t).strip()))
                                    for t in seg["text"]]
        else:
            print(name)
            items, seg = run(load(a.data, a.n, a.seed), enc)
            items.to_pickle(ip)
            seg.to_pickle(sp)
        ids = items["item_id"].astype(str)
        nseg = seg[~seg["is_closer"].astype(bool)].groupby(seg["item_id"].astype(str)).size().reindex(ids).fillna(0)
        variants = {"pipeline (as run)": items["sentiment_label"].to_numpy(),
                    "roll-up, no neutral gate": rolled(seg, gate=False).reindex(ids).fillna("neutral").to_numpy(),
                    "roll-up, neutral gate": rolled(seg, gate=True).reindex(ids).fillna("neutral").to_numpy(),
                    "pooled (tokens)": pooled_labels(seg).reindex(ids).fillna("neutral").to_numpy(),
                    "pooled (segments)": pooled_labels(seg, "segments").reindex(ids).fillna("neutral").to_numpy(),
                    "whole item (2nd pass)": items["whole"].to_numpy()}
        gold = items["gold"].to_numpy()
        multi = nseg.to_numpy() >= 2
        binary = name.startswith("clothing")
        print(f"{name}: {len(items)} items, {multi.sum()} with 2+ segments")
        for v, pred in variants.items():
            if binary:
                acc = lambda m: float(np.mean(pred[m] == gold[m]))  # noqa: E731
                print(f"  {v:24s} binary acc all {acc(np.ones(len(gold), bool)):.3f}  multi {acc(multi):.3f}")
            else:
                print(f"  {v:24s} 3-class F1 all {f1(gold, pred, se.LABELS):.3f}  multi {f1(gold[multi], pred[multi], se.LABELS):.3f}"
                      f"  single {f1(gold[~multi], pred[~multi], se.LABELS):.3f}")


if __name__ == "__main__":
    main()
