"""Item roll-up on short multi-sentence texts (issue 21): does the item keep its topic when the request is
wrapped in sentences that carry none?

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/rollup_check.py [--data ../shared/data]
        [--sets bitext,hwu64,clinc150,banking77] [--n 800] [--seed 19] [--segments-dir DIR]

For each classification set (loaders of benchmarks/scoreboard_sets.py, frozen taxonomies of
benchmarks/taxonomies/) it draws ``--n`` labelled utterances and builds, from the same rows, **padded items**:
the utterance with one or two context sentences before it (a greeting, a time or history statement, sometimes
a feeling with no topic) and sometimes a closer after it. Every context sentence is written here, by the
project, and names no topic of any set ("I've been a customer for years.", "This is really frustrating.",
"Thanks in advance."); nothing of the sets' text is stored. Then ``feedback2journey.analyze`` runs on the bare
utterances and on the padded items (same rows, same models, clustering switched off: it plays no part in
stage/touchpoint), and the script prints item touchpoint macro-F1 (``unclassified`` is a miss) of

* ``bare``: the utterance alone (one segment, mostly): what the roll-up cannot spoil;
* ``padded``: the same utterance wrapped: the pipeline's item roll-up at work;
* ``topical seg``: on the padded items, the label of the segment holding the utterance: a perfect roll-up;
* ``cosine``: the notebook baseline, cosine of the whole item text to "name: description" (bare and padded);

plus how often the item's lead segment is the topical one, and the figure each candidate lead rule
(``RULES``, worked out from the same segments) would give. ``--segments-dir`` keeps the analyzed segments
as parquet (segment texts of the public sets: write them outside the repository).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import scoreboard_metrics as M  # noqa: E402
import scoreboard_sets as S  # noqa: E402

# Context sentences, all written for this script: no topic of any set's taxonomy, only who is writing, when,
# how they feel, and how they sign off.
GREETINGS = ["Hi team,", "Hello,", "Hi there.", "Good morning.", "Hey,", "Dear support,"]
CONTEXT = ["I've been a customer for years.", "This is the second time I'm writing.", "Quick question.",
           "I hope someone can help me.", "I tried to sort this out myself first.", "It's been three days now.",
           "I was told to ask here.", "I'm writing for my husband.", "Sorry if this was asked before.",
           "Landed at 7 this morning."]
FEELINGS = ["This is really frustrating.", "I'm honestly fed up.", "I'm so disappointed right now.",
            "I'm a bit confused.", "You have always been great.", "I'm really worried."]
CLOSERS = ["Thanks in advance.", "Thank you!", "Cheers.", "Please get back to me soon.",
           "Any help is appreciated.", "Looking forward to your reply."]
CONTEXT_SET = {s.lower().strip(" ,.!") for s in GREETINGS + CONTEXT + FEELINGS + CLOSERS}

SETS = {"bitext": S.bitext, "hwu64": S.hwu64, "clinc150": S.clinc150, "banking77": S.banking77}
DEV = ("bitext", "hwu64")  # the sets any roll-up choice was made on; clinc150 and banking77 are held out


def pad(texts: list[str], seed: int) -> list[str]:
    """Each utterance with 1-2 sentences before it (a greeting and/or a context statement, a feeling in 40% of
    items) and a closer after it in half of them. The utterance gets a capital and a full stop if it has none,
    as it would inside a message."""
    rng = np.random.default_rng(seed)
    out = []
    for t in texts:
        t = t.strip()
        core = t[:1].upper() + t[1:]
        if core[-1:] not in ".!?":
            core += "."
        before = []
        if rng.random() < 0.6:
            before.append(GREETINGS[rng.integers(len(GREETINGS))])
        if rng.random() < 0.4:
            before.append(FEELINGS[rng.integers(len(FEELINGS))])
        if not before or rng.random() < 0.5:
            before.append(CONTEXT[rng.integers(len(CONTEXT))])
        after = [CLOSERS[rng.integers(len(CLOSERS))]] if rng.random() < 0.5 else []
        out.append(" ".join(before + [core] + after))
    return out


def is_context(text: str) -> bool:
    """A segment made only of the script's context sentences (the segmenter may join a greeting to the
    utterance: that segment is topical)."""
    rest = text.lower()
    for s in sorted(CONTEXT_SET, key=len, reverse=True):
        rest = rest.replace(s, " ")
    return not any(ch.isalnum() for ch in rest)


# Candidate lead rules, scored on the same segments. "old" is the rule run/finish.py had before this check;
# "stage x touchpoint conf" is what ``finish.lead_segments`` does now (chosen on bitext + hwu64), so its column
# equals the pipeline's own ``padded`` figure.
def _w_old(seg):
    return seg["stage_confidence"] * (0.5 + seg["sentiment"].abs()) + (seg["stage"] != "unclassified") * 1.0


def _w_tp(seg):
    return (seg["stage_confidence"] * seg["touchpoint_confidence"] * (0.5 + seg["sentiment"].abs())
            + (seg["stage"] != "unclassified") * 1.0 + (seg["touchpoint"] != "unclassified") * 1.0)


def _w_tp_tie(seg):
    return (seg["stage_confidence"] * seg["touchpoint_confidence"] * (1 + 0.25 * seg["sentiment"].abs())
            + (seg["stage"] != "unclassified") * 1.0 + (seg["touchpoint"] != "unclassified") * 1.0)


def _w_conf(seg):
    return (seg["stage_confidence"] * seg["touchpoint_confidence"]
            + (seg["stage"] != "unclassified") * 1.0 + (seg["touchpoint"] != "unclassified") * 1.0)


RULES = {"old: stage conf x (0.5+|feeling|)": _w_old, "stage x tp conf x (0.5+|feeling|)": _w_tp,
         "stage x tp conf x (1+0.25|feeling|)": _w_tp_tie, "stage x tp conf (now)": _w_conf}


def lead_of(seg: pd.DataFrame, weight) -> pd.DataFrame:
    """The lead segment of each item under ``weight`` (closers excluded, as the pipeline does)."""
    s = seg[~seg["is_closer"].astype(bool)] if (~seg["is_closer"].astype(bool)).any() else seg
    w = weight(s)
    return s.assign(_w=w.to_numpy()).sort_values("_w", ascending=False, kind="stable").drop_duplicates("item_id") \
        .set_index("item_id")


def run(name: str, loaded: S.Loaded, enc, seed: int, seg_dir: Path | None) -> dict:
    from feedback2journey import ColumnMapping, analyze, load_config
    from feedback2journey.run.pipeline import Models

    cfg = load_config(loaded.info["taxonomy"])
    # clustering off: it does not touch stage/touchpoint, and costs most of the time on these sets
    cfg = dataclasses.replace(cfg, settings=dataclasses.replace(cfg.settings, min_segments_to_cluster=10**9))
    models = Models(cfg)
    f = loaded.frame
    ids = [f"r{i}" for i in range(len(f))]
    bare = f["text"].astype(str).tolist()
    padded = pad(bare, seed)
    gold = f["label"].to_numpy(dtype=object)
    present = sorted(set(gold))
    tax_ids, prompts = _touchpoints(loaded.info["taxonomy"])
    proto = enc.encode(prompts)
    out = {"set": name, "n": len(f), "classes": len(present)}
    for kind, texts in (("bare", bare), ("padded", padded)):
        t = time.perf_counter()
        res = analyze(pd.DataFrame({"id": ids, "text": texts}), cfg, columns=ColumnMapping(text=("text",), id="id"),
                      models=models)
        out[f"{kind}_s"] = time.perf_counter() - t
        items = res.items.set_index(res.items["item_id"].astype(str)).reindex(ids)
        out[kind] = M.macro_f1(gold, items["touchpoint"].fillna("rejected"), present)
        base = np.asarray(tax_ids, dtype=object)[M.nearest(enc.encode(texts), proto)]
        out[f"cosine {kind}"] = M.macro_f1(gold, base, present)
        seg = res.rows.parts.segments(0).copy()  # the pipeline's own segment rows, with is_closer
        seg["item_id"] = seg["item_id"].astype(str)
        out[f"{kind}_segments"] = len(seg)
        if kind == "padded":
            seg = seg[seg["sentiment_label"] != "not_analyzed"]
            seg["context"] = [is_context(x) for x in seg["text"].astype(str)]
            topical = seg[~seg["context"]].drop_duplicates("item_id").set_index("item_id").reindex(ids)
            out["topical seg"] = M.macro_f1(gold, topical["touchpoint"].fillna("rejected"), present)
            out["lead topical"] = float(np.mean([
                not c for c in _pipeline_lead_context(seg, items)]))
            out["rules"] = {}
            for rule, weight in RULES.items():
                chosen = lead_of(seg, weight).reindex(ids)
                out["rules"][rule] = (M.macro_f1(gold, chosen["touchpoint"].fillna("rejected"), present),
                                      float((~chosen["context"].fillna(True).astype(bool)).mean()))
            out["context_segments_classified"] = float((seg.loc[seg["context"], "touchpoint"] != "unclassified").mean())
            if seg_dir is not None:
                seg_dir.mkdir(parents=True, exist_ok=True)
                seg.assign(gold=seg["item_id"].map(dict(zip(ids, gold)))).to_parquet(seg_dir / f"{name}.parquet")
    return out


def _pipeline_lead_context(seg: pd.DataFrame, items: pd.DataFrame) -> list[bool]:
    """Whether the segment the pipeline's item took its labels from is a context sentence: the first
    non-closer segment with the item's (stage, touchpoint), context first when both kinds match."""
    out = []
    by_item = {k: g for k, g in seg[~seg["is_closer"].astype(bool)].groupby("item_id", sort=False)}
    for item_id, row in items.iterrows():
        g = by_item.get(item_id)
        if g is None:
            out.append(True)
            continue
        same = g[(g["touchpoint"] == row["touchpoint"]) & (g["stage"] == row["stage"])]
        # ambiguous only if a context and the topical segment share the labels; then the item is right anyway
        out.append(bool(len(same)) and bool(same["context"].all()))
    return out


def _touchpoints(path) -> tuple[list[str], list[str]]:
    import yaml

    tps = yaml.safe_load(Path(path).read_text())["touchpoints"]
    return [t["id"] for t in tps], [f"{t['name']}: {t.get('description', '')}" for t in tps]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--n", type=int, default=800)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--segments-dir", default=None, help="keep the padded items' segments here (outside the repo)")
    args = ap.parse_args(argv)
    from scoreboard import Encoder

    enc, rows = None, []
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        try:
            loaded = SETS[name](Path(args.data), args.n, args.seed)
        except S.Absent as exc:
            print(f"absent: {name} ({exc} not found): skipped", flush=True)
            continue
        enc = enc or Encoder()
        print(f"running {name}: {loaded.sample}", flush=True)
        rows.append(run(name, loaded, enc, args.seed, Path(args.segments_dir) if args.segments_dir else None))
    if not rows:
        print("no set found under --data")
        return 0
    print("\nItem touchpoint macro-F1 (unclassified = miss), same rows bare and padded")
    print(f"{'set':<10} {'role':<9} {'n':>5} {'bare':>6} {'padded':>7} {'topical seg':>12} {'cos bare':>9} "
          f"{'cos padded':>11} {'lead topical':>13} {'segs/item':>10}")
    for r in rows:
        role = "dev" if r["set"] in DEV else "held-out"
        print(f"{r['set']:<10} {role:<9} {r['n']:>5} {r['bare']:>6.3f} {r['padded']:>7.3f} {r['topical seg']:>12.3f} "
              f"{r['cosine bare']:>9.3f} {r['cosine padded']:>11.3f} {r['lead topical']:>13.1%} "
              f"{r['padded_segments'] / r['n']:>10.2f}")
    print("\nLead rules on the same padded segments: item macro-F1 (share of items led by the topical segment)")
    for rule in RULES:
        cells = "  ".join(f"{r['set']} {r['rules'][rule][0]:.3f} ({r['rules'][rule][1]:.0%})" for r in rows)
        print(f"  {rule:<36} {cells}")
    print("\ncontext segments given a touchpoint: " +
          ", ".join(f"{r['set']} {r['context_segments_classified']:.0%}" for r in rows))
    print("seconds (bare, padded analyze): " + ", ".join(f"{r['set']} {r['bare_s']:.0f}/{r['padded_s']:.0f}" for r in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
