"""Aggregate analyzed segments into the journey map: stages x touchpoints, emotion curve, pain points,
moments of truth. The result is plain data (``journey.json``), read by the report and by other tools.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from feedback2journey import __version__
from feedback2journey.cluster import Clustering
from feedback2journey.config import Config
from feedback2journey.redact import mask_pii
from feedback2journey.schema import PAIN_POINT_COLUMNS, SCHEMA_VERSION, UNCLASSIFIED


def _counts(series: pd.Series) -> dict:
    vc = series.value_counts()
    return {str(k): int(v) for k, v in vc.items()}


def _mode(series: pd.Series) -> str | None:
    vals = series[series != UNCLASSIFIED]
    vals = vals if not vals.empty else series
    return str(vals.value_counts().index[0]) if not vals.empty else None


def build_pain_points(segments: pd.DataFrame, rows: np.ndarray, clustering: Clustering,
                      embeddings: np.ndarray, quotes_per_pain_point: int = 5,
                      redact: bool = True) -> tuple[pd.DataFrame, pd.Series]:
    """Pain point table (ids PP01.. by size) and each segment's pain_point_id (None when unassigned).

    ``rows`` are the positions in ``segments`` that were clustered, aligned with ``clustering.assignments``.
    """
    seg_pp = pd.Series([None] * len(segments), index=segments.index, dtype=object)
    assigned = clustering.assignments
    topics = [t for t in clustering.clusters if (assigned == t).any()]
    topics.sort(key=lambda t: (-int((assigned == t).sum()), t))
    n_negative = int((segments["sentiment_label"] == "negative").sum()) or 1
    records = []
    for rank, t in enumerate(topics, start=1):
        pp_id = f"PP{rank:02d}"
        member_rows = rows[assigned == t]
        seg_pp.iloc[member_rows] = pp_id
        members = segments.iloc[member_rows]
        sims = embeddings[member_rows] @ clustering.clusters[t].centroid
        quotes, seen = [], set()
        for pos in np.argsort(-sims):
            text = members["text"].iloc[pos]
            key = text.lower().strip(" .!?")
            if key in seen:
                continue
            seen.add(key)
            quotes.append(mask_pii(text) if redact else text)
            if len(quotes) >= quotes_per_pain_point:
                break
        mean_sent = float(members["sentiment"].mean())
        size = len(members)
        records.append({
            "pain_point_id": pp_id,
            "label": clustering.clusters[t].label,
            "keywords": clustering.clusters[t].keywords,
            "size": size,
            "items": int(members["item_id"].nunique()),
            "share_of_negative": round(int((members["sentiment_label"] == "negative").sum()) / n_negative, 4),
            "mean_sentiment": round(mean_sent, 4),
            # volume x negativity: a big, mildly negative cluster can outrank a small, angry one
            "priority": round(size * max(0.05, -mean_sent), 2),
            "top_stage": _mode(members["stage"]),
            "top_touchpoint": _mode(members["touchpoint"]),
            "stages": _counts(members["stage"]),
            "touchpoints": _counts(members["touchpoint"]),
            "quotes": quotes,
        })
    table = pd.DataFrame(records, columns=PAIN_POINT_COLUMNS)
    return table, seg_pp


def pain_points_for_csv(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for col in ("keywords", "stages", "touchpoints", "quotes"):
        out[col] = out[col].map(lambda v: json.dumps(v, ensure_ascii=False))
    return out


def _score_kpi(items: pd.DataFrame) -> dict | None:
    scored = items.dropna(subset=["score"])
    if scored.empty:
        return None
    out = {}
    for kind, grp in scored.groupby("score_kind"):
        entry = {"n": int(len(grp)), "mean": round(float(grp["score"].mean()), 3)}
        if kind == "nps":
            entry["nps"] = round(100 * ((grp["score"] >= 9).mean() - (grp["score"] <= 6).mean()), 1)
        out[str(kind)] = entry
    return out


def build_journey(items: pd.DataFrame, segments: pd.DataFrame, pain_points: pd.DataFrame, config: Config,
                  rejected: int = 0) -> dict:
    tax = config.taxonomy
    stage_order = [s.id for s in tax.stages] + [UNCLASSIFIED]
    names = {s.id: s.name for s in tax.stages} | {UNCLASSIFIED: "Unclassified"}
    tp_names = {t.id: t.name for t in tax.touchpoints} | {UNCLASSIFIED: "Unclassified"}
    pp_by_stage = {}
    for rec in pain_points.itertuples():
        pp_by_stage.setdefault(rec.top_stage, []).append(rec.pain_point_id)

    stages = []
    for sid in stage_order:
        seg = segments[segments["stage"] == sid]
        if sid == UNCLASSIFIED and seg.empty:
            continue
        its = items[items["stage"] == sid]
        parent = next((s.parent for s in tax.stages if s.id == sid), None)
        stages.append({
            "id": sid, "name": names[sid], "parent": parent, "group": tax.stage_group(sid),
            "volume": int(len(seg)), "items": int(seg["item_id"].nunique()),
            "mean_sentiment": round(float(seg["sentiment"].mean()), 4) if len(seg) else None,
            "sentiment_mix": {lab: int((seg["sentiment_label"] == lab).sum()) for lab in ("negative", "neutral", "positive")},
            "emotions": _counts(seg["emotion"]),
            "effort_share": round(float((seg["effort"] > 0).mean()), 4) if len(seg) else 0.0,
            "kpi": _score_kpi(its),
            "pain_points": pp_by_stage.get(sid, []),
        })
    cells = []
    for (sid, tid), grp in segments.groupby(["stage", "touchpoint"], sort=False):
        mean = float(grp["sentiment"].mean())
        cells.append({"stage": sid, "touchpoint": tid, "volume": int(len(grp)), "mean_sentiment": round(mean, 4),
                      "negative_share": round(float((grp["sentiment_label"] == "negative").mean()), 4),
                      "impact": round(len(grp) * max(0.0, -mean), 2)})
    touchpoints = []
    for tid in [t.id for t in tax.touchpoints] + [UNCLASSIFIED]:
        seg = segments[segments["touchpoint"] == tid]
        if len(seg):
            touchpoints.append({"id": tid, "name": tp_names[tid], "volume": int(len(seg)),
                                "mean_sentiment": round(float(seg["sentiment"].mean()), 4)})
    channels = [{"id": str(cid), "volume": int(len(grp)), "mean_sentiment": round(float(grp["sentiment"].mean()), 4)}
                for cid, grp in items.groupby("channel")]
    curve = [{"stage": s["id"], "name": s["name"], "mean_sentiment": s["mean_sentiment"], "volume": s["volume"]}
             for s in stages if s["volume"] and s["id"] != UNCLASSIFIED]
    # Drops between consecutive steps. A parent with sub-stages (post-purchase) is a catch-all column,
    # not a step customers pass through before its first sub-stage, so it takes no part in drops.
    parents = {s.parent for s in tax.stages if s.parent}
    steps = [c for c in curve if c["stage"] not in parents]
    drops = []
    for a, b in zip(steps, steps[1:]):
        delta = round(b["mean_sentiment"] - a["mean_sentiment"], 4)
        if delta < 0:
            drops.append({"kind": "drop", "from": a["stage"], "to": b["stage"], "delta": delta})
    hotspots = sorted((c for c in cells if c["impact"] > 0 and c["stage"] != UNCLASSIFIED), key=lambda c: -c["impact"])[:5]
    moments = sorted(drops, key=lambda d: d["delta"])[:3] + [{"kind": "hotspot", **c} for c in hotspots]
    dates = items["date"].dropna() if "date" in items else pd.Series([], dtype=object)
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tool": {"name": "feedback2journey", "version": __version__},
        "config_hash": config.hash(),
        "totals": {"items": int(len(items)), "segments": int(len(segments)), "rejected": int(rejected),
                   "pain_points": int(len(pain_points)),
                   "mean_sentiment": round(float(items["sentiment"].mean()), 4) if len(items) else None,
                   "negative_share": round(float((items["sentiment_label"] == "negative").mean()), 4) if len(items) else None,
                   "date_min": dates.min().isoformat() if len(dates) else None,
                   "date_max": dates.max().isoformat() if len(dates) else None,
                   "kpi": _score_kpi(items)},
        "stages": stages,
        "touchpoints": touchpoints,
        "channels": channels,
        "cells": cells,
        "emotion_curve": curve,
        "moments_of_truth": moments,
        "pain_points": [{k: (v if not isinstance(v, (np.integer, np.floating)) else v.item()) for k, v in rec.items()}
                        for rec in pain_points.to_dict(orient="records")],
    }
