"""Few-shot / supervised heads: ``feedback2journey train LABELED.csv --out models/NAME``.

A head is a multinomial logistic regression on the sentence embeddings (all-MiniLM-L6-v2), one per task
(stage, touchpoint) that LABELED.csv labels. The taxonomy's own prototypes (each label's description and
examples) are added as training rows, so every taxonomy label stays predictable even when the labelled file
has no example of it, and a handful of labelled rows per class is enough. The softmax temperature is fitted
on cross-validated predictions (calibration), and the cross-validated metrics are stored with the head.

Saved as two files, never pickles:
  * ``head.npz``  - ``{task}_coef`` (labels x dim), ``{task}_intercept`` (labels) per task;
  * ``head.json`` - labels, temperature, taxonomy hash, embedding model id, training size, CV metrics.

``run --model models/NAME`` / ``eval --model`` load it with :func:`load_head`; a task without a head stays
zero-shot. Stage and touchpoint are still chosen jointly and evidence (keyword, nearest taxonomy example)
is still shown.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from feedback2journey.errors import opt
from feedback2journey import __version__
from feedback2journey.classify.zero_shot import (Evidence, JourneyClassifier, PrototypeClassifier, fit_temperature,
                                                  label_frame, softmax)
from feedback2journey.config import Config, ConfigError, Taxonomy
from feedback2journey.classify.evaluate import TASKS

HEAD_NPZ, HEAD_JSON = "head.npz", "head.json"
DEFAULT_C = 4.0  # inverse L2 strength; embeddings are unit vectors, so weights need room


def taxonomy_hash(taxonomy: Taxonomy) -> str:
    """Hash of the label ids (what a head depends on), not of descriptions or settings."""
    blob = json.dumps({"stages": taxonomy.stage_ids(), "touchpoints": [t.id for t in taxonomy.touchpoints]})
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def fit_logreg(x: np.ndarray, y: np.ndarray, c: float = DEFAULT_C, weight: np.ndarray | None = None):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit(x, y, sample_weight=weight)
    return clf


def train_task(x: np.ndarray, labels: Sequence[str], prototypes: PrototypeClassifier | None, c: float = DEFAULT_C,
               prototype_weight: float = 1.0, folds: int = 5, seed: int = 0) -> dict:
    """Fit one head. Returns ids, coef, intercept, temperature and cross-validated metrics."""
    labels = np.asarray(labels, dtype=object)
    px = np.zeros((0, x.shape[1]), dtype=np.float32)
    py = np.zeros(0, dtype=object)
    if prototypes is not None and prototypes.prototypes is not None:
        px = prototypes.prototypes
        py = np.asarray([prototypes.ids[j] for j in prototypes.prototype_owner], dtype=object)

    def fit(xs, ys):
        xa, ya = np.vstack([xs, px]), np.concatenate([ys, py])
        w = np.concatenate([np.ones(len(xs)), np.full(len(px), prototype_weight)])
        return fit_logreg(xa, ya, c, w)

    # cross-validated logits for calibration and honest metrics
    rng = np.random.default_rng(seed)
    counts = pd.Series(labels).value_counts()
    k = int(min(folds, counts.min())) if len(counts) > 1 else 0
    metrics, temperature = {}, 1.0
    if k >= 2:
        fold = np.empty(len(labels), dtype=int)
        for lab in counts.index:  # stratified folds
            idx = np.flatnonzero(labels == lab)
            fold[rng.permutation(idx)] = np.arange(len(idx)) % k
        all_ids = sorted(set(labels) | set(py))
        logits = np.zeros((len(labels), len(all_ids)))
        for f in range(k):
            tr, te = fold != f, fold == f
            clf = fit(x[tr], labels[tr])
            cols = [all_ids.index(c_) for c_ in clf.classes_]
            logits[np.ix_(np.flatnonzero(te), cols)] = clf.decision_function(x[te]).reshape(te.sum(), -1)
            missing = [j for j in range(len(all_ids)) if j not in cols]
            logits[np.ix_(np.flatnonzero(te), missing)] = -1e3
        truth = np.array([all_ids.index(v) for v in labels])
        temperature = fit_temperature(logits, truth, grid=np.geomspace(0.05, 20, 80))
        from feedback2journey.classify.evaluate import score_task

        prob = softmax(logits, temperature)
        pred = np.asarray(all_ids, dtype=object)[prob.argmax(axis=1)]
        res = score_task(labels, pred, pred, prob.max(axis=1))
        metrics = {"cv_folds": k, "cv_macro_f1": res["macro_f1"], "cv_accuracy": res["accuracy"],
                   "cv_ece": res["ece"]}
    clf = fit(x, labels)
    return {"ids": [str(c_) for c_ in clf.classes_], "coef": clf.coef_.astype(np.float32),
            "intercept": clf.intercept_.astype(np.float32), "temperature": float(temperature),
            "n": int(len(labels)), "class_counts": {str(a): int(b) for a, b in counts.items()}, "metrics": metrics}


def train(labeled: pd.DataFrame, cfg: Config, embedder, out_dir: str | Path | None = None,
          c: float = DEFAULT_C, use_taxonomy: bool = True) -> dict:
    """Train a head per labelled task on ``labeled`` (see ``evaluate.load_labeled``); write it if ``out_dir``."""
    from feedback2journey.text.clean import analysis_text

    texts = [analysis_text(t) or t for t in labeled["text"]]
    emb = embedder.encode(texts)
    s = cfg.settings
    heads = {}
    for task in TASKS:
        mask = labeled[task].notna().values
        if not mask.any():
            continue
        if labeled[task][mask].nunique() < 2 and not use_taxonomy:
            raise ConfigError(f"{task}: need at least two different labels to train a head.")
        labels = cfg.taxonomy.stages if task == "stage" else cfg.taxonomy.touchpoints
        proto = PrototypeClassifier(labels, calibrate=False, keyword_boost=s.keyword_boost).fit(embedder) \
            if use_taxonomy else None
        heads[task] = train_task(emb[mask], labeled[task].values[mask], proto, c=c)
    if not heads:
        raise ConfigError("no labelled task: LABELED.csv needs a 'stage' and/or 'touchpoint' column.")
    meta = {
        "format": "feedback2journey-head/1",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "embedding_model": embedder.model_id,
        "taxonomy_hash": taxonomy_hash(cfg.taxonomy),
        "config_hash": cfg.hash(),
        "C": c,
        "taxonomy_prototypes_in_training": use_taxonomy,
        "tasks": {t: {k: v for k, v in h.items() if k not in ("coef", "intercept")} for t, h in heads.items()},
    }
    if out_dir is not None:
        save_head(heads, meta, out_dir)
    return {"heads": heads, "meta": meta}


def save_head(heads: dict, meta: dict, out_dir: str | Path) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for task, h in heads.items():
        arrays[f"{task}_coef"] = h["coef"]
        arrays[f"{task}_intercept"] = h["intercept"]
    tmp = out / (HEAD_NPZ + ".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(out / HEAD_NPZ)
    tmpj = out / (HEAD_JSON + ".tmp")
    tmpj.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    tmpj.replace(out / HEAD_JSON)
    return out


class HeadClassifier:
    """A trained head with the ``PrototypeClassifier`` interface; evidence comes from the prototypes."""

    def __init__(self, ids, coef, intercept, temperature: float, min_confidence: float,
                 prototypes: PrototypeClassifier):
        self.ids = list(ids)
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.temperature = float(temperature)
        self.min_confidence = min_confidence
        self.prototypes = prototypes
        self._proto_index = {lab: i for i, lab in enumerate(prototypes.ids)}

    def fit(self, embedder) -> HeadClassifier:
        if self.prototypes.prototypes is None:
            self.prototypes.fit(embedder)
        return self

    def proba(self, embeddings: np.ndarray, texts: Sequence[str], rows: np.ndarray | None = None):
        """As ``PrototypeClassifier.proba``; the evidence (keywords, nearest example) comes from the prototypes."""
        _, ev = self.prototypes.proba(embeddings, texts, rows=rows)
        emb = embeddings if rows is None else embeddings[rows]
        logits = emb @ self.coef.T + self.intercept
        return softmax(logits, self.temperature), ev

    def evidence(self, ev: Evidence, i: int, j: int) -> str:
        lab = self.ids[j]
        k = self._proto_index.get(lab)
        if k is None:
            return f"{lab}: head"
        return "head; " + self.prototypes.evidence(ev, i, k)

    def predict(self, embeddings: np.ndarray, texts: Sequence[str]) -> pd.DataFrame:
        prob, ev = self.proba(embeddings, texts)
        win = prob.argmax(axis=1)
        return label_frame(self, ev, win, prob[np.arange(len(win)), win], self.min_confidence)


def load_head(model_dir: str | Path, cfg: Config) -> dict:
    """Read head.npz + head.json; check it fits the taxonomy. Returns {"meta": ..., task: arrays}."""
    d = Path(model_dir)
    if not (d / HEAD_NPZ).exists() or not (d / HEAD_JSON).exists():
        raise ConfigError(f"{d}: not a trained model folder (needs {HEAD_NPZ} and {HEAD_JSON}). "
                          f"Fix: train one on labelled rows (`feedback2journey train`, or classify.train) into {d}.")
    try:
        meta = json.loads((d / HEAD_JSON).read_text(encoding="utf-8"))
        arrays = np.load(d / HEAD_NPZ, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ConfigError(f"{d}: unreadable model files ({exc}). Fix: train it again.") from exc
    tax = cfg.taxonomy
    known = {"stage": set(tax.stage_ids()), "touchpoint": {t.id for t in tax.touchpoints}}
    out = {"meta": meta}
    for task, info in meta.get("tasks", {}).items():
        unknown = sorted(set(info["ids"]) - known.get(task, set()))
        if unknown:
            raise ConfigError(f"{d}: the {task} head predicts {', '.join(unknown)}, which the taxonomy in use does "
                              f"not define. Fix: pass the config the model was trained with ({opt('config', 'FILE')}), or retrain.")
        out[task] = {"ids": info["ids"], "coef": arrays[f"{task}_coef"], "intercept": arrays[f"{task}_intercept"],
                     "temperature": info["temperature"]}
    return out


def build_classifier(cfg: Config, embedder, model: str | Path | None = None, joint: bool = True) -> JourneyClassifier:
    """The pipeline's classifier: zero-shot per task unless ``model`` has a head for it."""
    s, tax = cfg.settings, cfg.taxonomy
    stage = PrototypeClassifier(tax.stages, s.stage_min_confidence, s.keyword_boost, s.temperature,
                                calibrate=s.calibrate)
    touch = PrototypeClassifier(tax.touchpoints, s.touchpoint_min_confidence, s.keyword_boost, s.temperature,
                                calibrate=s.calibrate)
    if model is not None:
        head = load_head(model, cfg)
        if "stage" in head:
            h = head["stage"]
            stage = HeadClassifier(h["ids"], h["coef"], h["intercept"], h["temperature"], s.stage_min_confidence,
                                   stage)
        if "touchpoint" in head:
            h = head["touchpoint"]
            touch = HeadClassifier(h["ids"], h["coef"], h["intercept"], h["temperature"],
                                   s.touchpoint_min_confidence, touch)
    stage.fit(embedder)
    touch.fit(embedder)
    return JourneyClassifier(tax, stage, touch, joint=joint and s.joint_stage_touchpoint)
