"""Measures, baselines and the table of the quality scoreboard (benchmarks/scoreboard.py).

No model is loaded at import: VADER, scikit-learn's KMeans and BERTopic are imported where they are used, so the
metric, table and compare functions can be tested without the encoder (tests/test_scoreboard.py).
"""
from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np

RED, GREEN, DIM, RESET = "\033[31m", "\033[32m", "\033[2m", "\033[0m"

# The pipeline's own emotions (emotions.EMOTIONS) -> the nearest GoEmotions label, decided from the names alone
# before measuring. A name that already is a GoEmotions label maps to itself; any other name counts as wrong.
PIPELINE_TO_GOEMOTIONS = {"frustration": "annoyance", "disappointment": "disappointment", "confusion": "confusion",
                          "worry": "nervousness", "satisfaction": "approval", "delight": "joy",
                          "gratitude": "gratitude", "neutral": "neutral"}


# ----------------------------------------------------------------------------------------------- metrics
def macro_f1(gold, pred, labels) -> float:
    """Macro-F1 over ``labels`` (the gold classes): a prediction outside them (``unclassified``) is a miss."""
    from sklearn.metrics import f1_score

    return float(f1_score(list(gold), list(pred), labels=list(labels), average="macro", zero_division=0))


def accuracy(gold, pred) -> float:
    gold, pred = np.asarray(gold, dtype=object), np.asarray(pred, dtype=object)
    return float((gold == pred).mean()) if len(gold) else float("nan")


def multilabel_macro_f1(gold_sets, pred_sets, labels) -> float:
    """Macro-F1 over those of ``labels`` that some row carries, with multi-label gold (a tuple per row) and
    predicted label sets; a predicted label outside them is simply wrong."""
    from sklearn.metrics import f1_score

    labels = [lab for lab in labels if any(lab in gs for gs in gold_sets)]
    index = {lab: i for i, lab in enumerate(labels)}
    g = np.zeros((len(gold_sets), len(labels)), dtype=int)
    p = np.zeros_like(g)
    for r, (gs, ps) in enumerate(zip(gold_sets, pred_sets)):
        for lab in gs:
            g[r, index[lab]] = 1
        for lab in ps:
            if lab in index:  # a label outside the set is simply wrong
                p[r, index[lab]] = 1
    return float(f1_score(g, p, average="macro", zero_division=0))


def nmi(gold, clusters) -> float:
    """NMI (arithmetic mean) of gold classes vs cluster ids; unassigned rows carry their own label -1."""
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score([str(x) for x in gold], [str(x) for x in clusters]))


def vader_compound(texts) -> np.ndarray:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    v = SentimentIntensityAnalyzer()
    return np.array([v.polarity_scores(str(t))["compound"] for t in texts])


def polarity_labels(scores, threshold: float = 0.05) -> np.ndarray:
    """VADER's standard thresholds: compound >= 0.05 positive, <= -0.05 negative, else neutral."""
    s = np.asarray(scores, dtype=float)
    return np.where(s >= threshold, "positive", np.where(s <= -threshold, "negative", "neutral"))


def to_goemotions(emotion: str) -> str:
    return PIPELINE_TO_GOEMOTIONS.get(emotion, emotion)


def normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def nearest(query: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Index of the most cosine-similar row of ``keys`` for each row of ``query``."""
    return (normalize(query) @ normalize(keys).T).argmax(axis=1)


def majority(values) -> object:
    return Counter(values).most_common(1)[0][0]


def faithfulness(label_of: dict, members: dict, label_vecs: dict, class_names: list, class_vecs: np.ndarray) -> float:
    """Share of clusters whose label's embedding is nearest, among all class names, to the class most of the
    cluster's rows carry. ``label_of``/``label_vecs``: cluster -> label text / vector; ``members``: cluster ->
    gold classes of its rows."""
    keys = [k for k in label_of if members.get(k)]
    if not keys:
        return float("nan")
    hit = nearest(np.stack([label_vecs[k] for k in keys]), class_vecs)
    return float(np.mean([class_names[h] == majority(members[k]) for k, h in zip(keys, hit)]))


def kmeans(emb: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    k = max(1, min(k, len(emb)))
    return KMeans(n_clusters=k, random_state=seed, n_init=10).fit_predict(normalize(emb))


def bertopic(texts: list[str], emb: np.ndarray, seed: int) -> tuple[np.ndarray, dict]:
    """BERTopic with its default settings on the given embeddings (UMAP seeded, so a re-run is the same).
    Returns (topic per row, -1 = outlier; topic -> label made of its top words)."""
    from bertopic import BERTopic
    from umap import UMAP

    umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    model = BERTopic(umap_model=umap_model)
    topics, _ = model.fit_transform(texts, embeddings=np.asarray(emb))
    labels = {}
    for t in set(topics) - {-1}:
        words = [w for w, _ in (model.get_topic(t) or [])[:4] if w]
        labels[t] = " ".join(words) or str(t)
    return np.asarray(topics), labels


# ----------------------------------------------------------------------------------------------- rows
def make_row(measure: str, set_name: str, sample: str, ours, baselines: dict | None = None,
             higher_is_better: bool | None = True, note: str = "") -> dict:
    """One scoreboard row. ``margin`` is ours minus the best baseline (sign flipped when lower is better, so a
    positive margin always means we beat every baseline); ``beats`` is None for rows without a direction."""
    baselines = {k: _num(v) for k, v in (baselines or {}).items()}
    ours = _num(ours)
    margin = beats = None
    vals = [v for v in baselines.values() if v is not None and not _nan(v)]
    if higher_is_better is not None and vals and ours is not None and not _nan(ours):
        best = max(vals) if higher_is_better else min(vals)
        margin = round(ours - best if higher_is_better else best - ours, 4)
        beats = bool(margin > 0)
    return {"measure": measure, "set": set_name, "sample": sample, "ours": ours, "baselines": baselines,
            "margin": margin, "beats": beats, "higher_is_better": higher_is_better, "note": note}


def _num(v):
    if v is None:
        return None
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    v = float(v)
    return None if math.isnan(v) else round(v, 4)


def _nan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


def fmt(v) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:.3f}" if abs(v) < 10 else f"{v:,.1f}"


def flag(row: dict) -> str:
    return {True: "ok", False: "BELOW", None: "info" if row["ours"] is not None else "n/a"}[row["beats"]]


def table_lines(rows: list[dict], color: bool = True) -> list[str]:
    """The console table: one line per row, red where we do not beat the baseline."""
    head = ["measure", "set", "sample", "ours", "baseline(s)", "margin", "flag"]
    body = [[r["measure"], r["set"], r["sample"], fmt(r["ours"]),
             " / ".join(f"{k} {fmt(v)}" for k, v in r["baselines"].items()) or "-",
             "-" if r["margin"] is None else f"{r['margin']:+.3f}", flag(r)] for r in rows]
    widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(len(head))]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths)), "  ".join("-" * w for w in widths)]
    for r, cells in zip(rows, body):
        line = "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
        if color and r["beats"] is not None:
            line = (GREEN if r["beats"] else RED) + line + RESET
        elif color and r["ours"] is None:
            line = DIM + line + RESET
        out.append(line)
    return out


def markdown(board: dict) -> str:
    lines = [f"Scoreboard of {board['date']}, commit `{board['commit']}`{' (uncommitted changes)' if board.get('dirty') else ''}; "
             f"total {board['total_s']:.0f} s on this machine. **below** = does not beat the best baseline.", "",
             "| measure | set | sample | ours | baseline(s) | margin | |", "|---|---|---|---|---|---|---|"]
    for r in board["rows"]:
        base = "<br>".join(f"{k} {fmt(v)}" for k, v in r["baselines"].items()) or "-"
        margin = "-" if r["margin"] is None else f"{r['margin']:+.3f}"
        mark = {True: "", False: "**below**", None: ""}[r["beats"]]
        ours = fmt(r["ours"]) if r["beats"] is not False else f"**{fmt(r['ours'])}**"
        note = f" ({r['note']})" if r["note"] else ""
        lines.append(f"| {r['measure']} | {r['set']} | {r['sample']} | {ours} | {base} | {margin} | {mark}{note} |")
    if board.get("absent"):
        lines += ["", "Absent sets (skipped): " + ", ".join(f"`{a}`" for a in board["absent"]) + "."]
    notes = [f"- `{name}`: " + "; ".join(s["notes"]) for name, s in board.get("sets", {}).items() if s.get("notes")]
    if notes:
        lines += ["", "What was tuned where (rule: nothing reported on a set is tuned on it):", *notes]
    return "\n".join(lines) + "\n"


def compare(old: dict, new: dict) -> list[str]:
    """Deltas of ``ours`` and of the margin per (measure, set) between two scoreboard json files."""
    before = {(r["measure"], r["set"]): r for r in old.get("rows", [])}
    out = [f"compare: {old.get('date')} {old.get('commit')} -> {new.get('date')} {new.get('commit')}"]
    for r in new["rows"]:
        o = before.pop((r["measure"], r["set"]), None)
        if o is None:
            out.append(f"  new      {r['measure']} / {r['set']}: {fmt(r['ours'])}")
            continue
        d = None if o["ours"] is None or r["ours"] is None else r["ours"] - o["ours"]
        dm = None if o["margin"] is None or r["margin"] is None else r["margin"] - o["margin"]
        turn = " (now below baseline)" if o["beats"] and r["beats"] is False else \
            " (now beats baseline)" if o["beats"] is False and r["beats"] else ""
        out.append(f"  {r['measure']} / {r['set']}: {fmt(o['ours'])} -> {fmt(r['ours'])}"
                   f" ({'n/a' if d is None else f'{d:+.3f}'}; margin {'n/a' if dm is None else f'{dm:+.3f}'}){turn}")
    ran = set(new.get("sets", {})) | {r["set"] for r in new["rows"]}
    out += [f"  gone     {m} / {s}" for m, s in before if s in ran]  # sets not run this time are not "gone"
    return out


def merge(boards: list[dict]) -> dict:
    """One board from runs over disjoint sets that ran side by side: rows and sets joined, a set absent from
    every run stays absent, total_s is the longest run (the wall clock of the whole), run_s lists each."""
    first = boards[0]
    rows = [r for b in boards for r in b["rows"]]
    order = ["sentiment", "emotions", "classification", "pain points", "themes", "cost"]
    rows.sort(key=lambda r: next((i for i, p in enumerate(order) if r["measure"].startswith(p)), len(order)))
    sets = {k: v for b in boards for k, v in b.get("sets", {}).items()}
    absent = sorted({a for b in boards for a in b.get("absent", [])} - set(sets))
    return {**first, "rows": rows, "sets": sets, "absent": absent,
            "complete": all(b.get("complete", True) for b in boards),
            "commits": sorted({b.get("commit") for b in boards}), "total_s": max(b["total_s"] for b in boards),
            "run_s": [b["total_s"] for b in boards], "merged_from": len(boards)}


def write_json(board: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(board, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
