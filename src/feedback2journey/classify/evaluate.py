"""Check a taxonomy (and optionally a trained head) against labelled examples before trusting a map.

``feedback2journey eval LABELED.csv [--model models/NAME] [--config my-journey.yaml] [--json report.json]``

LABELED.csv: a ``text`` column (or ``--text-column``) and a ``stage`` and/or ``touchpoint`` column holding
taxonomy ids; an empty cell means "not labelled for this task". Each row's text is classified as ONE
segment (it is not split into sentences), exactly as the pipeline classifies a segment: zero-shot or the
head, with the joint stage/touchpoint choice and the confidence thresholds of the config.

Beside each figure: the notebook baseline on the same rows (cosine between the row and each label's
"name: description", argmax; ``baseline_macro_f1`` and a per-class ``baseline_f1``), and, when the caller adds
it (``add_item_level``; the CLI does, through ``run.pipeline.evaluate_labeled``), the item-level figure: each
row run as an item is run, split into segments, each segment classified, the item taking its lead segment's
label (``run.finish.lead_segments``).

Per task the report has: per-class precision, recall, F1 and support; macro-F1 (over the classes present in
the labels) and accuracy, both with the thresholds applied (``unclassified`` counts as a miss) and forced
(argmax, no threshold); coverage (share not ``unclassified``); the confusion matrix; the worst-confused
examples (wrong with the highest confidence); and reliability bins with the expected calibration error
(ECE: |accuracy - mean confidence| per confidence bin, weighted by bin size, on the forced predictions).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from feedback2journey.errors import opt
from feedback2journey.config import Config
from feedback2journey.inputs.read import InputError, read_table
from feedback2journey.schema import UNCLASSIFIED

TASKS = ("stage", "touchpoint")


def load_labeled(path: str | Path, cfg: Config, text_column: str | None = None) -> pd.DataFrame:
    """Read LABELED.csv (any format ``run`` reads) into columns text, stage, touchpoint (None = unlabelled).

    Raises InputError naming the fix for a missing text/label column or labels that are not taxonomy ids."""
    frame = read_table(path).frame
    cols = {str(c).strip().lower(): c for c in frame.columns}
    tcol = text_column or next((cols[c] for c in ("text", "sentence", "segment", "feedback", "comment")
                                if c in cols), None)
    if tcol is None or tcol not in frame.columns:
        raise InputError(f"{path}: no text column (columns: {', '.join(map(str, frame.columns))}). "
                         f"Fix: name it 'text' or pass the text column ({opt('text_column', 'COLUMN')}).")
    out = pd.DataFrame({"text": frame[tcol].astype(str).str.strip()})
    found = False
    tax = cfg.taxonomy
    for task, known in (("stage", tax.stage_ids()), ("touchpoint", [t.id for t in tax.touchpoints])):
        if task not in cols:
            out[task] = None
            continue
        found = True
        values = frame[cols[task]].astype(object).where(frame[cols[task]].notna(), None)
        values = values.map(lambda v: None if v is None or not str(v).strip() else str(v).strip())
        unknown = sorted({v for v in values.dropna() if v not in known})
        if unknown:
            raise InputError(f"{path}: column '{task}' has label(s) that are not {task} ids of the taxonomy: "
                             f"{', '.join(unknown[:10])}. Fix: use ids from the config ({', '.join(known)}), "
                             f"or pass the config that defines them ({opt('config', 'FILE')}).")
        out[task] = values.values
    if not found:
        raise InputError(f"{path}: needs a 'stage' and/or a 'touchpoint' column with taxonomy ids.")
    out = out[out["text"].str.len() > 0].reset_index(drop=True)
    if out.empty:
        raise InputError(f"{path}: no rows with text.")
    return out


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> tuple[list[dict], float]:
    """Equal-width confidence bins: count, mean confidence, accuracy; and the ECE."""
    edges = np.linspace(0, 1, bins + 1)
    rows, ece, n = [], 0.0, len(confidence)
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (confidence >= lo) & ((confidence < hi) if hi < 1 else (confidence <= hi))
        if not m.any():
            continue
        conf, acc = float(confidence[m].mean()), float(correct[m].mean())
        ece += m.sum() / n * abs(acc - conf)
        rows.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(m.sum()), "confidence": round(conf, 3),
                     "accuracy": round(acc, 3)})
    return rows, round(float(ece), 4)


def _class_f1(truth: np.ndarray, pred: np.ndarray, c: str) -> float:
    tp, fp, fn = ((pred == c) & (truth == c)).sum(), ((pred == c) & (truth != c)).sum(), ((pred != c) & (truth == c)).sum()
    return float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else 0.0


def score_task(truth, predicted, forced, confidence, texts=None, worst: int = 10) -> dict:
    """Metrics for one task. ``predicted`` may contain ``unclassified``; ``forced`` is the argmax label."""
    truth = np.asarray(truth, dtype=object)
    predicted = np.asarray(predicted, dtype=object)
    forced = np.asarray(forced, dtype=object)
    confidence = np.asarray(confidence, dtype=float)
    classes = sorted(set(truth))
    per_class = []
    for c in classes:
        tp = int(((predicted == c) & (truth == c)).sum())
        fp = int(((predicted == c) & (truth != c)).sum())
        fn = int(((predicted != c) & (truth == c)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per_class.append({"label": c, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                          "support": int((truth == c).sum())})

    def macro(pred):
        return round(float(np.mean([_class_f1(truth, pred, c) for c in classes])), 4)

    pred_labels = classes + sorted(set(predicted) - set(classes), key=lambda x: (x == UNCLASSIFIED, x))
    cm = pd.crosstab(pd.Series(truth, name="truth"), pd.Series(predicted, name="predicted"))
    cm = cm.reindex(index=classes, columns=pred_labels, fill_value=0)
    rel, ece = reliability(confidence, forced == truth)
    wrong = np.flatnonzero(predicted != truth)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")][:worst]
    return {
        "n": int(len(truth)),
        "macro_f1": macro(predicted),
        "accuracy": round(float((predicted == truth).mean()), 4),
        "macro_f1_forced": macro(forced),
        "accuracy_forced": round(float((forced == truth).mean()), 4),
        "coverage": round(float((predicted != UNCLASSIFIED).mean()), 4),
        "ece": ece,
        "per_class": per_class,
        "confusion": {"labels": classes, "predicted": pred_labels, "matrix": cm.values.tolist()},
        "reliability": rel,
        "worst": [{"row": int(i), "text": None if texts is None else str(texts[i]), "truth": str(truth[i]),
                   "predicted": str(predicted[i]), "confidence": round(float(confidence[i]), 3)} for i in wrong],
    }


def cosine_baseline(embeddings: np.ndarray, labels, embedder) -> np.ndarray:
    """The ten-line notebook: each row's label = the one whose "name: description" is most cosine-similar."""
    prompts = embedder.encode([f"{lab.name}: {lab.description}" for lab in labels])
    return np.asarray([lab.id for lab in labels], dtype=object)[(embeddings @ prompts.T).argmax(axis=1)]


def evaluate(labeled: pd.DataFrame, classifier, embedder, evidence: bool = True, taxonomy=None) -> dict:
    """Classify ``labeled.text`` with a ``JourneyClassifier`` and score every labelled task; with ``taxonomy``,
    the cosine baseline (``cosine_baseline``) on the same rows beside each figure."""
    from feedback2journey.text.clean import analysis_text

    texts = labeled["text"].tolist()
    analysis = [analysis_text(x) or x for x in texts]
    emb = embedder.encode(analysis)
    stage, touch = classifier.predict(emb, analysis)
    report: dict = {"n_rows": len(labeled), "tasks": {}}
    for task, pred in (("stage", stage), ("touchpoint", touch)):
        mask = labeled[task].notna().values
        if not mask.any():
            continue
        truth = labeled[task].values[mask]
        res = score_task(truth, pred["label"].values[mask], pred["candidate"].values[mask],
                         pred["confidence"].values[mask], np.asarray(texts, dtype=object)[mask])
        if taxonomy is not None:
            labels = taxonomy.stages if task == "stage" else taxonomy.touchpoints
            base = cosine_baseline(emb[mask], labels, embedder)
            truth = np.asarray(truth, dtype=object)
            res["baseline_macro_f1"] = round(float(np.mean([_class_f1(truth, base, r["label"]) for r in res["per_class"]])), 4)
            for r in res["per_class"]:
                r["baseline_f1"] = round(_class_f1(truth, base, r["label"]), 4)
        rows = np.flatnonzero(mask)
        for w in res["worst"]:
            w["row"] = int(rows[w["row"]])  # row of LABELED.csv's data (0-based)
            if evidence:
                w["evidence"] = str(pred["evidence"].values[w["row"]])
        report["tasks"][task] = res
    return report


def add_item_level(report: dict, labeled: pd.DataFrame, items: pd.DataFrame) -> dict:
    """Add each task's item-level figures to ``report``: ``items`` holds the run's ``stage`` and ``touchpoint``
    per labelled row (same order as ``labeled``); a row the run did not analyze counts as a miss."""
    for task, res in report["tasks"].items():
        mask = labeled[task].notna().to_numpy()
        truth = np.asarray(labeled[task].to_numpy()[mask], dtype=object)
        pred = np.asarray(items[task].fillna(UNCLASSIFIED).to_numpy()[mask], dtype=object)
        classes = [r["label"] for r in res["per_class"]]
        res["item_level"] = {
            "macro_f1": round(float(np.mean([_class_f1(truth, pred, c) for c in classes])), 4),
            "accuracy": round(float((pred == truth).mean()), 4),
            "coverage": round(float((pred != UNCLASSIFIED).mean()), 4),
            "segments_per_item": round(float(items["segments"].mean()), 2) if "segments" in items else None,
        }
        for r in res["per_class"]:
            r["item_f1"] = round(_class_f1(truth, pred, r["label"]), 4)
    return report


def write_json(report: dict, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return p


def render(report: dict, console) -> None:
    """Rich tables: summary, per-class metrics, confusion matrix, worst-confused examples, reliability."""
    from rich.table import Table

    for task, res in report["tasks"].items():
        console.print(f"\n[bold]{task}[/bold]: {res['n']} labelled rows · macro-F1 [bold]{res['macro_f1']:.3f}"
                      f"[/bold] · accuracy {res['accuracy']:.3f} · coverage {res['coverage']:.1%} · forced "
                      f"(no threshold) macro-F1 {res['macro_f1_forced']:.3f} · ECE {res['ece']:.3f}",
                      highlight=False)
        item, base = res.get("item_level"), res.get("baseline_macro_f1")
        if item is not None or base is not None:
            parts = ["  each row classified whole (one segment): macro-F1 " + f"{res['macro_f1']:.3f}"]
            if item is not None:
                parts.append(f"as run labels the item (segments, lead segment): macro-F1 {item['macro_f1']:.3f}, "
                             f"coverage {item['coverage']:.1%}")
            if base is not None:
                parts.append(f"baseline (cosine to 'name: description', same rows): macro-F1 {base:.3f}")
            console.print(" · ".join(parts), highlight=False)
        t = Table(title=f"{task}: per class", title_justify="left")
        extra = [(c, key) for c, key in (("item F1", "item_f1"), ("baseline F1", "baseline_f1"))
                 if res["per_class"] and key in res["per_class"][0]]
        for col in ("label", "precision", "recall", "F1", *(c for c, _ in extra), "support"):
            t.add_column(col, justify="left" if col == "label" else "right")
        for row in res["per_class"]:
            style = "red" if row["f1"] < 0.6 or row["f1"] < row.get("baseline_f1", 0.0) else None
            cells = [f"{row[key]:.2f}" for _, key in extra]
            t.add_row(row["label"], f"{row['precision']:.2f}", f"{row['recall']:.2f}", f"{row['f1']:.2f}",
                      *cells, str(row["support"]), style=style)
        console.print(t)
        cm = res["confusion"]
        t = Table(title=f"{task}: confusion (rows = truth, columns = predicted)", title_justify="left")
        t.add_column("truth \\ predicted")
        short = [p[:10] for p in cm["predicted"]]
        for s in short:
            t.add_column(s, justify="right")
        for lab, row in zip(cm["labels"], cm["matrix"]):
            cells = [(f"[bold]{v}[/bold]" if cm["predicted"][k] == lab else (str(v) if v else "·"))
                     for k, v in enumerate(row)]
            t.add_row(lab, *cells)
        console.print(t)
        if res["worst"]:
            t = Table(title=f"{task}: worst-confused examples (wrong, most confident first)", title_justify="left")
            for col in ("text", "truth", "predicted", "conf", "evidence"):
                t.add_column(col, overflow="fold")
            for w in res["worst"]:
                t.add_row((w["text"] or "")[:120], w["truth"], w["predicted"], f"{w['confidence']:.2f}",
                          (w.get("evidence") or "")[:120])
            console.print(t)
        t = Table(title=f"{task}: reliability (forced predictions)", title_justify="left")
        for col in ("confidence bin", "n", "mean confidence", "accuracy"):
            t.add_column(col, justify="right")
        for b in res["reliability"]:
            t.add_row(b["bin"], str(b["n"]), f"{b['confidence']:.2f}", f"{b['accuracy']:.2f}")
        console.print(t)
