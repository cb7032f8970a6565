"""The pain point table: clusters of negative segments turned into named, sized, quotable records."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from feedback2journey.cluster import Clustering
from feedback2journey.journey import count_values
from feedback2journey.redact import mask_pii
from feedback2journey.schema import PAIN_POINT_COLUMNS, UNCLASSIFIED


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
            "stages": count_values(members["stage"]),
            "touchpoints": count_values(members["touchpoint"]),
            "quotes": quotes,
        })
    table = pd.DataFrame(records, columns=PAIN_POINT_COLUMNS)
    return table, seg_pp


def pain_points_for_csv(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for col in ("keywords", "stages", "touchpoints", "quotes"):
        out[col] = out[col].map(lambda v: json.dumps(v, ensure_ascii=False))
    return out
