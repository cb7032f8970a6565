"""The pain point table: clusters of (negative) segments turned into named, sized, quotable records.

Ids are matched to the previous run's (``curate.assign_ids``) and the curation file is applied
(``curate.apply_curation``) before the table is built, so ids, names, merges, pins and ignores persist.
The state for the next run is attached as ``table.attrs["pain_point_state"]`` (``curate.save_state``
writes it beside the outputs).
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from feedback2journey.cluster import Clustering
from feedback2journey.curate import Curation, PainPointState, apply_curation, assign_ids, changes
from feedback2journey.journey import count_values
from feedback2journey.redact import mask_pii
from feedback2journey.schema import PAIN_POINT_COLUMNS, UNCLASSIFIED

JSON_COLUMNS = ("keywords", "stages", "touchpoints", "quotes", "trend")


def _mode(series: pd.Series) -> str | None:
    vals = series[series != UNCLASSIFIED]
    vals = vals if not vals.empty else series
    return str(vals.value_counts().index[0]) if not vals.empty else None


def _period(dates: pd.Series) -> tuple[pd.Series, str] | tuple[None, None]:
    """Dates -> period labels: weeks when the data spans < 13 weeks, months up to 3 years, else quarters."""
    d = pd.to_datetime(dates, errors="coerce", utc=True)
    if d.notna().sum() == 0:
        return None, None
    span = (d.max() - d.min()).days
    naive = d.dt.tz_convert(None)
    if span < 91:
        return naive.dt.to_period("W").astype(str).where(d.notna()), "week"
    if span < 3 * 366:
        return naive.dt.to_period("M").astype(str).where(d.notna()), "month"
    return naive.dt.to_period("Q").astype(str).where(d.notna()), "quarter"


def _impact(item_ids: set, items: pd.DataFrame | None, pp_items: dict[str, set]) -> tuple[dict, str | None]:
    """How much the average score (NPS points for NPS) would rise if this pain point's items scored like
    items with no pain point: share of scored items x (baseline - their score), floored at 0."""
    if items is None or "score" not in items or items["score"].notna().sum() == 0:
        return {}, None
    scored = items.dropna(subset=["score"])
    kind = str(scored["score_kind"].mode().iloc[0]) if scored["score_kind"].notna().any() else "score"
    scored = scored[scored["score_kind"].astype(str) == kind] if scored["score_kind"].notna().any() else scored
    if scored.empty:
        return {}, None

    def level(s: pd.Series) -> float:
        return float(100 * ((s >= 9).mean() - (s <= 6).mean())) if kind == "nps" else float(s.mean())

    any_pp = scored["item_id"].isin(item_ids)
    base = scored.loc[~any_pp, "score"]
    if base.empty:
        return {}, kind
    out = {}
    for pp, members in pp_items.items():
        mine = scored["item_id"].isin(members)
        if not mine.any():
            out[pp] = 0.0
            continue
        out[pp] = round(max(0.0, float(mine.mean()) * (level(base) - level(scored.loc[mine, "score"]))), 3)
    return out, kind


def build_pain_points(segments: pd.DataFrame, rows: np.ndarray, clustering: Clustering,
                      embeddings: np.ndarray, quotes_per_pain_point: int = 5, redact: bool = True, *,
                      items: pd.DataFrame | None = None, previous: PainPointState | None = None,
                      curation: Curation | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """Pain point table (largest first) and each segment's pain_point_id (None when unassigned).

    ``rows`` are the positions in ``segments`` that were clustered, aligned with ``clustering.assignments``.
    ``items`` (with date/score/score_kind) adds trend and impact; ``previous`` keeps ids stable;
    ``curation`` applies a researcher's renames, merges, splits, pins and ignores.
    """
    curation = curation or Curation()
    rows = np.asarray(rows, dtype=int)
    seg_pp = pd.Series([None] * len(segments), index=segments.index, dtype=object)
    mapping, state = assign_ids(clustering, previous, pinned=curation.pin,
                                embeddings=embeddings[rows] if previous is not None and len(rows) else None)
    row_ids = np.array([mapping.get(t) if t >= 0 else None for t in clustering.assignments.tolist()], dtype=object)
    texts = segments["text"].iloc[rows].tolist() if len(rows) else []
    row_ids, notes = apply_curation(row_ids, texts, embeddings[rows], curation, state, previous)
    auto = {}  # id -> Cluster of its largest raw cluster (labels, keywords)
    for t in sorted(clustering.clusters, key=lambda t: -clustering.clusters[t].size):
        auto.setdefault(mapping[t], clustering.clusters[t])
    for src, info in notes["merged"].items():
        if src in auto and info["into"] not in auto:
            auto[info["into"]] = auto[src]

    present = [pp for pp in dict.fromkeys(x for x in row_ids if x is not None)]
    n_negative = int((segments["sentiment_label"] == "negative").sum()) or 1
    periods, period_kind = _period(segments["item_id"].map(items.set_index("item_id")["date"])) \
        if items is not None and "date" in items and items["item_id"].is_unique else (None, None)
    seg_item = segments["item_id"].to_numpy()
    pp_items = {pp: set(seg_item[rows[row_ids == pp]]) for pp in present}
    impact, impact_kind = _impact(set().union(*pp_items.values()) if pp_items else set(), items, pp_items)
    sizes = {pp: int((row_ids == pp).sum()) for pp in present}
    change, gone = changes(sizes, previous)
    records = []
    for pp in present:
        member_rows = rows[row_ids == pp]
        seg_pp.iloc[member_rows] = pp
        members = segments.iloc[member_rows]
        centroid = embeddings[member_rows].mean(axis=0)
        centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        sims = embeddings[member_rows] @ centroid
        quotes, seen = [], set()
        for pos in np.argsort(-sims, kind="stable"):
            text = members["text"].iloc[pos]
            key = text.lower().strip(" .!?")
            if key in seen:
                continue
            seen.add(key)
            quotes.append(mask_pii(text) if redact else text)
            if len(quotes) >= quotes_per_pain_point:
                break
        cl = auto.get(pp)
        split = notes["split"].get(pp)
        # theme: the roll-up of close clusters; a split-off pain point stays in its source's theme
        theme = getattr(cl if cl is not None else auto.get((split or {}).get("from")), "theme", -1)
        keywords = list(cl.keywords) if cl is not None else []
        auto_label = cl.label if cl is not None else pp
        if split:  # split off by keyword: its keywords lead, the label says so
            keywords = list(split["keywords"]) + [k for k in keywords if k not in split["keywords"]]
            auto_label = f"{', '.join(split['keywords'])} ({auto_label})"
        elif cl is None and previous is not None and pp in previous.ids:  # a pinned one re-created
            auto_label = previous.labels[previous.ids.index(pp)]
        mean_sent = float(members["sentiment"].mean())
        size = len(members)
        trend = {}
        if periods is not None:
            per = periods.iloc[member_rows].dropna()
            trend = {str(k): int(v) for k, v in per.value_counts().sort_index().items()}
        records.append({
            "pain_point_id": pp,
            "label": curation.rename.get(pp) or (split or {}).get("name") or _split_name(curation, pp) or auto_label,
            "keywords": keywords,
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
            "auto_label": auto_label,
            "pinned": pp in curation.pin,
            "change": change.get(pp, "new"),
            "impact": impact.get(pp) if impact_kind else None,
            "impact_kind": impact_kind,
            "trend": trend,
            "theme_id": f"T{theme + 1:02d}" if theme >= 0 else None,
            "theme": clustering.themes.get(theme) if theme >= 0 else None,
            "_centroid": centroid,
        })
    records.sort(key=lambda r: (-r["size"], r["pain_point_id"]))  # largest first (the listing sorts by priority)
    table = pd.DataFrame(records, columns=PAIN_POINT_COLUMNS + ["_centroid"])
    total = sum(sizes.values()) or 1
    state.final = {r["pain_point_id"]: {"size": r["size"], "share": round(r["size"] / total, 6), "label": r["label"]}
                   for r in records}
    table = table.drop(columns="_centroid")
    table.attrs["pain_point_state"] = state
    clustering.params["theme_list"] = theme_summary(table)
    clustering.params["pain_point_ids"] = {
        "matched_previous": previous is not None, "gone": gone,
        "changes": {k: sorted(p for p, c in change.items() if c == k) for k in ("new", "grown", "shrunk", "stable")},
        "trend_period": period_kind, "impact_kind": impact_kind,
        "curation": {k: v for k, v in notes.items() if v} | ({"file": curation.path} if curation.path else {}),
    }
    return table, seg_pp


def theme_summary(table: pd.DataFrame) -> list[dict]:
    """Themes (largest first) with their pain points: the short list a researcher reads first."""
    out = []
    if "theme_id" not in table or table.empty:
        return out
    for tid, grp in table.dropna(subset=["theme_id"]).groupby("theme_id", sort=True):
        out.append({"theme_id": tid, "theme": grp["theme"].iloc[0], "size": int(grp["size"].sum()),
                    "priority": round(float(grp["priority"].sum()), 2),
                    "pain_points": grp.sort_values("size", ascending=False, kind="stable")["pain_point_id"].tolist()})
    return sorted(out, key=lambda t: (-t["size"], t["theme_id"]))


def _split_name(curation: Curation, pp: str) -> str | None:
    return next((s.name for s in curation.splits if s.id == pp and s.name), None)


def stage_view(table: pd.DataFrame) -> dict[str, list[str]]:
    """Within-stage view: every stage with the pain points that occur in it (by segment count, largest first)."""
    out: dict[str, list[tuple[int, str]]] = {}
    for rec in table.itertuples():
        stages = rec.stages if isinstance(rec.stages, dict) else json.loads(rec.stages)
        for st, n in stages.items():
            out.setdefault(st, []).append((-int(n), rec.pain_point_id))
    return {st: [pp for _, pp in sorted(v)] for st, v in out.items()}


def pain_points_for_csv(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    out.attrs = {}
    for col in JSON_COLUMNS:
        if col in out:
            out[col] = out[col].map(lambda v: json.dumps(v, ensure_ascii=False))
    return out
