"""Aggregate analyzed segments into the journey map: stages x touchpoints, emotion curve, pain points,
moments of truth. The result is plain data (``journey.json``), read by the report and by other tools.
"""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd

from feedback2journey import __version__
from feedback2journey.config import Config
from feedback2journey.schema import SCHEMA_VERSION, UNCLASSIFIED


def count_values(series: pd.Series) -> dict:
    vc = series.value_counts()
    return {str(k): int(v) for k, v in vc.items()}


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
            "emotions": count_values(seg["emotion"]),
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
