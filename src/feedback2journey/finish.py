"""The corpus-level steps that follow the per-chunk ones: pain point clustering, item roll-up, the journey
aggregates, the report's explorer data and run.json. Used by ``analyze`` (in memory) and ``run_batch``
(chunked, resumable) alike, so both give the same outputs for the same segments.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from feedback2journey import __version__
from feedback2journey.cluster import PainPointClusterer
from feedback2journey.clean import analysis_text
from feedback2journey.config import Config
from feedback2journey.curate import load_curation, load_state
from feedback2journey.feel import roll_up_items
from feedback2journey.ingest import qualify_colliding_ids
from feedback2journey.journey import build_explorer, build_journey, segment_view
from feedback2journey.painpoints import build_pain_points
from feedback2journey.progress import Reporter
from feedback2journey.redact import QuoteRedactor
from feedback2journey.schema import ITEM_EXTRA_COLUMNS, OUTPUT_COLUMNS, SEGMENT_COLUMNS, SEGMENT_EXTRA_COLUMNS


class TargetRows:
    """Embeddings of the clustered rows only, indexed by global segment row (``emb[rows]``), so a run of
    millions of segments never holds a full (segments x dim) matrix."""

    def __init__(self, rows: np.ndarray, matrix: np.ndarray):
        self.rows, self.matrix = np.asarray(rows), matrix

    def __getitem__(self, idx):
        pos = np.searchsorted(self.rows, np.asarray(idx))
        if not np.array_equal(self.rows[np.minimum(pos, len(self.rows) - 1)], np.asarray(idx)):
            raise IndexError("only the clustered rows have embeddings here")
        return self.matrix[pos]


def finish(items: pd.DataFrame, segments: pd.DataFrame, target_embeddings: np.ndarray, models, rejected: pd.DataFrame,
           inputs: list, *, reporter: Reporter | None = None, timings: dict | None = None,
           started: float | None = None, redact: bool = True, segment_by: str | None = None,
           cluster_on: str | None = None, previous=None, curation=None):
    """``segments``: every chunk's segments in order (with ``source`` and ``is_closer``); ``target_embeddings``:
    the embeddings of the rows ``cluster_targets`` selects, in row order."""
    from feedback2journey.pipeline import JourneyResult, cluster_targets

    reporter = reporter or Reporter()
    timings = timings if timings is not None else {}
    started = started or time.perf_counter()
    cfg: Config = models.config
    settings = cfg.settings
    t = time.perf_counter()
    items = items.reset_index(drop=True)
    segments = segments.reset_index(drop=True)
    qualify_colliding_ids(items, segments)  # survey #1 and review #1 become survey:1 and review:1

    # ``previous``: an earlier run's folder (ids stay put); ``curation``: a pain_points.yaml (see curate.py)
    cluster_on = cluster_on or settings.cluster_on
    rows = np.flatnonzero(cluster_targets(segments, cluster_on))
    if len(rows) != len(target_embeddings):
        raise ValueError(f"{len(rows)} clustering rows but {len(target_embeddings)} embeddings")
    analysis = [analysis_text(x) or x for x in segments["text"].to_numpy()[rows]]
    # One vector per text: a text repeated in several chunks takes its first occurrence's vector, so the
    # clustering never sees float noise from different batch-mates (see EmbeddingCache.scope).
    if len(analysis):
        _, first, inverse = np.unique(np.asarray(analysis, dtype=object), return_index=True, return_inverse=True)
        target_embeddings = target_embeddings[first[inverse.reshape(-1)]]
    prev_state = load_state(previous)
    clusterer = PainPointClusterer(settings.min_cluster_size, settings.cluster_seed, settings.min_segments_to_cluster,
                                   sample_size=settings.cluster_sample_size, embed=models.embedder.encode,
                                   previous_params=prev_state.params if prev_state else None)
    with reporter.step(f"Clustering {len(rows):,} segments", total=None):
        clustering = clusterer.fit(analysis, target_embeddings)
    clustering.params["cluster_on"] = cluster_on
    pain_points, seg_pp = build_pain_points(segments, rows, clustering, TargetRows(rows, target_embeddings),
                                            settings.quotes_per_pain_point, redact=redact, items=items,
                                            previous=prev_state, curation=load_curation(curation))
    segments["pain_point_id"] = seg_pp.values
    timings["cluster"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()

    items = _roll_up(items, segments, pain_points, models, cfg)
    segments["stage_group"] = segments["stage"].map(cfg.taxonomy.stage_group)
    journey = build_journey(items, segments, pain_points, cfg, rejected=len(rejected))
    if segment_by:
        journey["segment_view"] = segment_view(items, segments, cfg, segment_by)
    explorer = build_explorer(items, segments, cfg, filter_column=segment_by)
    if redact:
        _redact_quotes(models.quote_redactor, pain_points, journey, explorer)
    timings["journey"] = round(time.perf_counter() - t, 3)

    segments = segments[SEGMENT_COLUMNS + SEGMENT_EXTRA_COLUMNS]
    timings["total"] = round(time.perf_counter() - started, 3)
    run_info = _run_info(cfg, models, inputs, rejected, items, segments, clustering, timings)
    return JourneyResult(items, segments, pain_points, journey, rejected.reset_index(drop=True), run_info, explorer)


def _redact_quotes(redactor: QuoteRedactor, pain_points: pd.DataFrame, journey: dict, explorer: dict) -> None:
    """Names in the quotes that reach the report (the texts were regex-masked at ingest already)."""
    texts = [q for qs in pain_points["quotes"] for q in qs] + [q[6] for q in explorer["quotes"]]
    masked = iter(redactor.redact(texts))
    pain_points["quotes"] = [[next(masked) for _ in qs] for qs in pain_points["quotes"]]
    for q in explorer["quotes"]:
        q[6] = next(masked)
    by_id = dict(zip(pain_points["pain_point_id"], pain_points["quotes"]))
    for p in journey["pain_points"]:
        p["quotes"] = by_id.get(p["pain_point_id"], p["quotes"])


def _roll_up(items: pd.DataFrame, segments: pd.DataFrame, pain_points: pd.DataFrame, models,
             cfg: Config) -> pd.DataFrame:
    """Item-level columns from segments (documented in the README)."""
    feel = roll_up_items(segments, models.scorer).set_index("item_id")
    # Stage/touchpoint of an item: its most telling segment = highest confidence x (0.5 + |sentiment|),
    # preferring classified segments. A ticket about a late parcel with a "thanks" closer is a delivery item.
    seg = segments[~segments["is_closer"]] if (~segments["is_closer"]).any() else segments
    weight = seg["stage_confidence"] * (0.5 + seg["sentiment"].abs()) + (seg["stage"] != "unclassified") * 1.0
    lead = seg.assign(_w=weight).sort_values("_w", ascending=False, kind="stable").drop_duplicates("item_id")
    lead = lead.set_index("item_id")
    # Pain point of an item: that of its most negative clustered segment.
    clustered = segments.dropna(subset=["pain_point_id"]).sort_values("sentiment", kind="stable")
    item_pp = clustered.drop_duplicates("item_id").set_index("item_id")["pain_point_id"]
    labels = dict(zip(pain_points["pain_point_id"], pain_points["label"]))
    ids = items["item_id"]
    out = pd.DataFrame({
        "item_id": ids,
        "source": items["source"],
        "text": items["text"],
        "stage": ids.map(lead["stage"]).fillna("unclassified").values,
        "touchpoint": ids.map(lead["touchpoint"]).fillna("unclassified").values,
        "channel": ids.map(segments.drop_duplicates("item_id").set_index("item_id")["channel"]).values,
        "sentiment": ids.map(feel["sentiment"]).values,
        "sentiment_label": ids.map(feel["sentiment_label"]).values,
        "emotion": ids.map(feel["emotion"]).values,
        "pain_point_id": ids.map(item_pp).astype(object).where(ids.map(item_pp).notna(), None).values,
    })
    out["pain_point"] = out["pain_point_id"].map(labels).astype(object)
    out["row_number"] = items["row_number"].values
    out["stage_group"] = out["stage"].map(cfg.taxonomy.stage_group)
    out["effort"] = ids.map(feel["effort"]).values
    for col in ("date", "score", "score_kind", "segment", "truncated"):
        out[col] = items[col]  # same index as items
    extras = items.drop(columns=[c for c in items.columns if c in set(OUTPUT_COLUMNS) | set(ITEM_EXTRA_COLUMNS)
                                 | {"channel_raw", "input_kind"}])
    return pd.concat([out, extras.reset_index(drop=True)], axis=1)


def _run_info(cfg: Config, models, inputs: list, rejected, items, segments, clustering, timings) -> dict:
    rows_read = sum(i.rows_read for i in inputs)
    return {
        "tool": "feedback2journey",
        "version": __version__,
        "config_hash": cfg.hash(),
        "config_path": cfg.path,
        "models": models.ids(),
        "inputs": [vars(i) for i in inputs],
        "rows_read": int(rows_read),
        "analyzed": int(len(items)),
        "rejected": int(len(rejected)),
        "segments": int(len(segments)),
        "clustering": {**clustering.params, "clusters": len(clustering.clusters),
                       "clustered_segments": int(len(clustering.assignments)), "unassigned": clustering.unassigned},
        "timings_s": timings,
        "embedding_cache": ({"path": str(models.embedder.cache.path), "hits": models.embedder.cache.hits,
                             "misses": models.embedder.cache.misses} if models.embedder.cache is not None else None),
    }
