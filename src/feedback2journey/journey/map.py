"""Aggregate analyzed segments into the journey map: stages x touchpoints, emotion curve, pain points,
moments of truth. The result is plain data (``journey.json``), read by the report and by other tools.
"""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd

from feedback2journey.inputs.read import InputError
from feedback2journey.errors import opt
from feedback2journey import __version__
from feedback2journey.config import Config
from feedback2journey.painpoints.table import count_values
from feedback2journey.schema import SCHEMA_VERSION, UNCLASSIFIED


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

    segments = segments[["item_id", "stage", "touchpoint", "sentiment", "sentiment_label", "emotion", "effort"]]
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


def _text_labels(series: pd.Series) -> pd.Series:
    """Values as display strings, missing ones as '' (pandas 3's astype(str) keeps NaN)."""
    return series.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT
                      else str(v)).astype(object)


def check_segment_by(columns, column: str | None) -> None:
    """An InputError naming the fix when ``column`` (a segment_by option) is not among the items' ``columns``."""
    if column is not None and column not in columns:
        raise InputError(f"segment_by: no column {column!r} in the items. Columns: "
                         f"{', '.join(map(str, columns))}. Fix: {opt('segment_by', 'COLUMN')} with one of them.")


def segment_view(items: pd.DataFrame, segments: pd.DataFrame, config: Config, column: str,
                 max_values: int = 8) -> dict:
    """One row of the map per value of an item column (persona, plan, source...), for side-by-side comparison."""
    check_segment_by(items.columns, column)
    values = _text_labels(items[column]).replace("", "(none)")
    per_item = dict(zip(items["item_id"], values))
    seg = segments.assign(_v=segments["item_id"].map(per_item))
    top = values.value_counts().head(max_values).index.tolist()
    rows = []
    for value in top:
        part = seg[seg["_v"] == value]
        stages = []
        for st in config.taxonomy.stages:
            cell = part[part["stage"] == st.id]
            stages.append({"id": st.id, "volume": int(len(cell)),
                           "mean_sentiment": round(float(cell["sentiment"].mean()), 4) if len(cell) else None})
        rows.append({"value": value, "items": int((values == value).sum()), "segments": int(len(part)),
                     "mean_sentiment": round(float(part["sentiment"].mean()), 4) if len(part) else None,
                     "stages": stages})
    return {"column": column, "values": rows, "omitted_values": int(max(0, values.nunique() - len(top)))}


def build_explorer(items: pd.DataFrame, segments: pd.DataFrame, config: Config, filter_column: str | None = None,
                   quotes_per_cell: int = 6, seed: int = 0, text_of=None, block_rows: int = 500_000) -> dict:
    """Compact data for the report's drill-down and filters: aggregates by stage x touchpoint x source x
    month x segment (summed client-side under filters) and a sample of quotes per cell. Size grows with the
    number of distinct groups, not with rows: a 100k-item run stays a few MB.

    Segments are read in blocks of ``block_rows`` (sums and per-cell quote candidates merged), so millions of
    segments never get three more columns at once. ``text_of(rows)`` gives the text of segment rows when
    ``segments`` has no text column (a batch run's finish reads the picked quotes from its parts)."""
    stage_ids = [s.id for s in config.taxonomy.stages] + [UNCLASSIFIED]
    tp_ids = [t.id for t in config.taxonomy.touchpoints] + [UNCLASSIFIED]
    info = items.set_index("item_id")
    month = info["date"].dt.strftime("%Y-%m") if "date" in info and info["date"].notna().any() else None
    col = filter_column or ("segment" if "segment" in info and info["segment"].notna().any() else None)
    labels = {"f_src": _text_labels(info["source"]),  # per item; every analyzed item has segments
              "f_month": _text_labels(month) if month is not None else None,
              "f_seg": _text_labels(info[col]) if col else None}
    dims = {name: sorted(set(labels[c].tolist())) if labels[c] is not None else [""] for name, c in
            (("sources", "f_src"), ("months", "f_month"), ("segments", "f_seg"))}
    index = {name: {v: i for i, v in enumerate(vals)} for name, vals in dims.items()}
    st_i = {s: i for i, s in enumerate(stage_ids)}
    tp_i = {t: i for i, t in enumerate(tp_ids)}
    keys = ["stage", "touchpoint", "f_src", "f_month", "f_seg"]
    used = ["stage", "touchpoint", "sentiment", "sentiment_label", "pain_point_id"] + \
        (["is_closer"] if "is_closer" in segments else [])
    sums, negatives, positives, half = [], [], [], quotes_per_cell // 2
    for lo in range(0, max(len(segments), 1), block_rows):
        part = segments.iloc[lo: lo + block_rows]
        seg = part[used].assign(**{c: (labels[c].reindex(part["item_id"]).to_numpy() if labels[c] is not None else "")
                                   for c in ("f_src", "f_month", "f_seg")})
        seg["_neg"] = (seg["sentiment_label"] == "negative").astype(int)
        sums.append(seg.groupby(keys, sort=True).agg(n=("sentiment", "size"), s=("sentiment", "sum"),
                                                     neg=("_neg", "sum")))
        # Quotes: the most strongly felt segments per cell, both signs, closers left out.
        content = seg[~seg["is_closer"].astype(bool)] if "is_closer" in seg else seg
        ranked = content.assign(strength=content["sentiment"].abs()).sort_values("strength", ascending=False,
                                                                                 kind="stable")
        negatives.append(ranked[ranked["sentiment"] < 0].groupby(["stage", "touchpoint"]).head(half))
        positives.append(ranked[ranked["sentiment"] >= 0].groupby(["stage", "touchpoint"]).head(half))
    agg = (sums[0] if len(sums) == 1 else pd.concat(sums).groupby(level=keys, sort=True).sum()).reset_index()
    groups = [[st_i.get(r.stage, len(stage_ids) - 1), tp_i.get(r.touchpoint, len(tp_ids) - 1),
               index["sources"][r.f_src], index["months"][r.f_month], index["segments"][r.f_seg],
               int(r.n), round(float(r.s), 3), int(r.neg)] for r in agg.itertuples()]

    def best(cands: list[pd.DataFrame]) -> pd.DataFrame:  # blocks in row order: a stable sort keeps ties in it
        merged = pd.concat(cands) if len(cands) > 1 else cands[0]
        return merged.sort_values("strength", ascending=False, kind="stable").groupby(["stage", "touchpoint"]).head(half)

    picks = pd.concat([best(negatives), best(positives)])
    texts = text_of(picks.index.to_numpy()) if text_of is not None else segments.loc[picks.index, "text"].to_numpy()
    picks = picks.assign(text=texts)
    quotes = [[st_i.get(r.stage, len(stage_ids) - 1), tp_i.get(r.touchpoint, len(tp_ids) - 1),
               index["sources"][r.f_src], index["months"][r.f_month], index["segments"][r.f_seg],
               round(float(r.sentiment), 2), r.text, r.pain_point_id if isinstance(r.pain_point_id, str) else ""]
              for r in picks.itertuples()]
    return {"stages": stage_ids, "touchpoints": tp_ids, "filter_column": col, **dims,
            "groups": groups, "quotes": quotes}
