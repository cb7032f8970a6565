"""The pain point table: clusters of (negative) segments turned into named, sized, quotable records.

Two steps, so a run of millions of segments never holds them all with their embeddings:

* ``define_pain_points`` on the clustered sample: ids matched to the previous run's (``curate.assign_ids``),
  the curation file applied (``curate.apply_curation``), names, keywords, themes, centroids and quotes. It
  returns a ``PainPointModel`` whose ``assign`` gives every other row its id, chunk by chunk.
* ``pain_point_table`` over every segment's id: size, negativity, priority, stages, trend, impact, changes.

When every clustered row is in the sample (up to ``cluster_sample_size``), this is exactly one in-memory
pass. The state for the next run (ids, centroids, sizes) is ``PainPointModel.state``, completed by
``pain_point_table``; the run returns it as ``JourneyResult.pain_point_state`` and ``curate.save_state`` writes it
beside the outputs.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from feedback2journey.painpoints.cluster import Clustering
from feedback2journey.painpoints.curate import (Curation, PainPointState, apply_curation, assign_ids, changes,
                                                split_back)
from feedback2journey.painpoints.ids import reroute
from feedback2journey.text.redact import mask_pii
from feedback2journey.schema import PAIN_POINT_COLUMNS, PAIN_POINT_JSON_COLUMNS, UNCLASSIFIED



def _mode(series: pd.Series) -> str | None:
    vals = series[series != UNCLASSIFIED]
    vals = vals if not vals.empty else series
    return str(vals.value_counts().index[0]) if not vals.empty else None


def _period(dates: pd.Series, span_of: pd.Series | None = None) -> tuple[pd.Series, str] | tuple[None, None]:
    """Dates -> period labels: weeks when the data (``span_of``, default ``dates``) spans < 13 weeks, months
    up to 3 years, else quarters."""
    d = pd.to_datetime(dates, errors="coerce", utc=True)
    whole = d if span_of is None else pd.to_datetime(span_of, errors="coerce", utc=True)
    if whole.notna().sum() == 0:
        return None, None
    span = (whole.max() - whole.min()).days
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



def count_values(series: pd.Series) -> dict:
    """Value -> count, most frequent first (the stages and touchpoints of a pain point, of a journey cell)."""
    vc = series.value_counts()
    return {str(k): int(v) for k, v in vc.items()}


@dataclass(eq=False)
class PainPointModel:
    """Pain points as defined on the clustered sample (ids, names, quotes, centroids), and the rules that
    give any other row its id: nearest fitted cluster, the sample's split-backs, then the curation file."""

    clustering: Clustering
    mapping: dict[int, str]
    state: PainPointState
    curation: Curation
    previous: PainPointState | None
    present: set[str]  # ids the sample had before curation (pins are re-created only when absent)
    notes: dict
    definitions: dict[str, dict] = field(default_factory=dict)  # id -> name, keywords, quotes, theme...
    auto: dict = field(default_factory=dict)  # id -> the Cluster it was named after
    reroutes: dict = field(default_factory=dict)  # pieces split back out of a cluster (ids.split_absorbed)

    def assign(self, embeddings: np.ndarray, texts: list[str], analysis: list[str]) -> np.ndarray:
        """Pain point id (or None) of rows that were not in the fitted sample; row by row, so any chunking
        gives the same ids. ``texts``: the segments' text (curation keywords); ``analysis``: as clustered."""
        if not len(texts):
            return np.zeros(0, dtype=object)
        # the clustering's vectors: rows naming a slot value of the fit are re-encoded masked (slots.py)
        embeddings = self.clustering.masked(embeddings, analysis)
        topics = self.clustering.assign(embeddings, analysis, masked=True) if self.clustering.clusters else \
            np.full(len(texts), -1)
        if self.reroutes:
            topics = reroute(topics, embeddings, self.previous, self.reroutes)
        ids = np.array([self.mapping.get(t) if t >= 0 else None for t in topics.tolist()], dtype=object)
        ids, notes = apply_curation(ids, texts, embeddings, self.curation, self.state, self.previous,
                                    present=self.present)
        _add_counts(self.notes, notes)
        return ids


def _add_counts(into: dict, more: dict) -> None:
    """Curation notes of another batch of rows: segment counts add up."""
    for key in ("split", "merged"):
        for pp, info in more[key].items():
            if pp in into[key]:
                into[key][pp]["segments"] += info["segments"]
            else:
                into[key][pp] = info
    counts = {e["id"]: e for e in into["ignored"]}
    for entry in more["ignored"]:
        if entry["id"] in counts:
            counts[entry["id"]]["segments"] += entry["segments"]
        else:
            into["ignored"].append(entry)
    into["pinned_recreated"] += [p for p in more["pinned_recreated"] if p not in into["pinned_recreated"]]


def define_pain_points(texts: list[str], clustering: Clustering, embeddings: np.ndarray,
                       quotes_per_pain_point: int = 5, redact: bool = True, *,
                       previous: PainPointState | None = None, curation: Curation | None = None
                       ) -> tuple[PainPointModel, np.ndarray]:
    """Ids, names, keywords, themes, centroids and quotes of the pain points of a clustered sample (rows
    aligned with ``clustering.assignments``; ``texts`` are the segments' own text). Returns the model and
    each sample row's id (None when unassigned).

    ``previous`` keeps ids stable; ``curation`` applies a researcher's renames, merges, splits, pins and ignores.
    """
    curation = curation or Curation()
    embeddings = np.asarray(embeddings, dtype=np.float32)
    vectors = clustering.vectors(embeddings)  # as clustered: slot fillers masked; compared with centroids
    reroutes = split_back(clustering, previous, vectors, curation.pin) if previous is not None and len(texts) else {}
    mapping, state = assign_ids(clustering, previous, pinned=curation.pin)
    row_ids = np.array([mapping.get(t) if t >= 0 else None for t in clustering.assignments.tolist()], dtype=object)
    present = set(x for x in row_ids if x is not None)
    row_ids, notes = apply_curation(row_ids, texts, vectors, curation, state, previous)
    model = PainPointModel(clustering, mapping, state, curation, previous, present, notes, reroutes=reroutes)
    auto = model.auto  # id -> Cluster of its largest raw cluster (labels, keywords)
    for t in sorted(clustering.clusters, key=lambda t: -clustering.clusters[t].size):
        auto.setdefault(mapping[t], clustering.clusters[t])
    for src, info in notes["merged"].items():
        if src in auto and info["into"] not in auto:
            auto[info["into"]] = auto[src]
    for pp in dict.fromkeys(x for x in row_ids if x is not None):
        member_rows = np.flatnonzero(row_ids == pp)
        centroid = embeddings[member_rows].mean(axis=0)
        centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        quotes, seen = [], set()
        for pos in np.argsort(-(embeddings[member_rows] @ centroid), kind="stable"):
            text = texts[member_rows[pos]]
            key = text.lower().strip(" .!?")
            if key in seen:
                continue
            seen.add(key)
            quotes.append(mask_pii(text) if redact else text)
            if len(quotes) >= quotes_per_pain_point:
                break
        model.definitions[pp] = _definition(pp, auto, notes, curation, previous, clustering, quotes, centroid)
    return model, row_ids


def _definition(pp, auto, notes, curation, previous, clustering, quotes, centroid) -> dict:
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
    return {"pain_point_id": pp,
            "label": curation.rename.get(pp) or (split or {}).get("name") or _split_name(curation, pp) or auto_label,
            "keywords": keywords, "quotes": quotes, "auto_label": auto_label, "pinned": pp in curation.pin,
            "theme_id": f"T{theme + 1:02d}" if theme >= 0 else None,
            "theme": clustering.themes.get(theme) if theme >= 0 else None, "_centroid": centroid}


def pain_point_table(model: PainPointModel, segments: pd.DataFrame, seg_ids: np.ndarray,
                     items: pd.DataFrame | None = None, quotes: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """The pain point table (largest first) over every segment: ``seg_ids`` is each segment's pain point id
    (None when unassigned). ``items`` (with date/score/score_kind) adds trend and impact. ``quotes``: for ids
    the sample did not define (a keyword split that matched only later rows), quotes found elsewhere."""
    previous, clustering, state = model.previous, model.clustering, model.state
    seg_ids = np.asarray(seg_ids, dtype=object)
    assigned = np.flatnonzero(pd.notna(seg_ids))
    members_all = segments[["item_id", "sentiment", "sentiment_label", "stage", "touchpoint"]].iloc[assigned]
    members_all = members_all.assign(_pp=seg_ids[assigned])
    n_negative = int((segments["sentiment_label"] == "negative").sum()) or 1
    # the period (week, month, quarter) follows the span of all items' dates, as every item has segments
    periods, period_kind = _period(members_all["item_id"].map(items.set_index("item_id")["date"]), items["date"]) \
        if items is not None and len(members_all) and "date" in items and items["item_id"].is_unique else (None, None)
    groups = {pp: grp for pp, grp in members_all.groupby("_pp", sort=False)}
    pp_items = {pp: set(grp["item_id"]) for pp, grp in groups.items()}
    impact, impact_kind = _impact(set().union(*pp_items.values()) if pp_items else set(), items, pp_items)
    sizes = {pp: len(grp) for pp, grp in groups.items()}
    change, gone = changes(sizes, previous)
    records = []
    for pp, members in groups.items():
        definition = model.definitions.get(pp) or _definition(pp, model.auto, model.notes, model.curation, previous,
                                                               clustering, (quotes or {}).get(pp, []), None)
        mean_sent = float(members["sentiment"].mean())
        size = len(members)
        trend = {}
        if periods is not None:
            per = periods.loc[members.index].dropna()
            trend = {str(k): int(v) for k, v in per.value_counts().sort_index().items()}
        records.append({
            **definition,
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
            "change": change.get(pp, "new"),
            "impact": impact.get(pp) if impact_kind else None,
            "impact_kind": impact_kind,
            "trend": trend,
        })
    records.sort(key=lambda r: (-r["size"], r["pain_point_id"]))  # largest first (the listing sorts by priority)
    table = pd.DataFrame(records, columns=PAIN_POINT_COLUMNS + ["_centroid"])
    total = sum(sizes.values()) or 1
    state.final = {r["pain_point_id"]: {"size": r["size"], "share": round(r["size"] / total, 6), "label": r["label"]}
                   for r in records}
    table = table.drop(columns="_centroid")
    clustering.params["theme_list"] = theme_summary(table)
    clustering.params["pain_point_ids"] = {
        "matched_previous": previous is not None, "gone": gone,
        "changes": {k: sorted(p for p, c in change.items() if c == k) for k in ("new", "grown", "shrunk", "stable")},
        "trend_period": period_kind, "impact_kind": impact_kind,
        "curation": {k: v for k, v in model.notes.items() if v} |
                    ({"file": model.curation.path} if model.curation.path else {}),
    }
    return table


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
    for col in PAIN_POINT_JSON_COLUMNS:
        if col in out:
            out[col] = out[col].map(lambda v: json.dumps(v, ensure_ascii=False))
    return out
