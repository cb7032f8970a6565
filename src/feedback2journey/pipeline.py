"""The Python API: ``analyze(inputs, config) -> JourneyResult``; ``result.write(out_dir)``.

Steps, each its own module: read/ingest -> segment -> embed -> classify -> feel -> cluster -> journey
-> report/write. Models are held by ``Models`` (built once, reusable across calls), never in globals.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from feedback2journey import __version__
from feedback2journey.classify import ChannelResolver, JourneyClassifier, PrototypeClassifier
from feedback2journey.clean import analysis_text
from feedback2journey.cluster import PainPointClusterer
from feedback2journey.curate import load_curation, load_state
from feedback2journey.columns import ColumnMapping
from feedback2journey.config import Config, load_config
from feedback2journey.embed import Embedder
from feedback2journey.feel import SentimentScorer, roll_up_items
from feedback2journey.ingest import Ingested, ingest_frame, ingest_paths
from feedback2journey.journey import build_explorer, build_journey, segment_view
from feedback2journey.painpoints import build_pain_points
from feedback2journey.progress import Reporter
from feedback2journey.redact import QuoteRedactor
from feedback2journey.resources import sample_paths
from feedback2journey.schema import ITEM_EXTRA_COLUMNS, OUTPUT_COLUMNS, SEGMENT_COLUMNS, SEGMENT_EXTRA_COLUMNS
from feedback2journey.segment import SPACY_MODEL, Segmenter
from feedback2journey.train import build_classifier, load_head


@dataclass
class Models:
    """Everything that is expensive to load. Share one instance across runs to load once."""

    config: Config
    embedder: Embedder = field(default_factory=Embedder)
    segmenter: Segmenter | None = None
    stage_classifier: PrototypeClassifier | None = None
    touchpoint_classifier: PrototypeClassifier | None = None
    scorer: SentimentScorer | None = None
    model: str | Path | None = None  # a trained head folder (`feedback2journey train`); None = zero-shot
    journey_classifier: JourneyClassifier | None = None
    quote_redactor: QuoteRedactor = field(default_factory=QuoteRedactor)

    def __post_init__(self):
        s = self.config.settings
        tax = self.config.taxonomy
        self.segmenter = self.segmenter or Segmenter(s.sentence_splitter, s.split_contrast, s.min_clause_words)
        # Stage/touchpoint: zero-shot prototypes, or trained heads from `model`; built in ensure_fitted().
        if self.model is not None:
            load_head(self.model, self.config)  # a wrong folder or taxonomy fails here, before any work
        self.scorer = self.scorer or SentimentScorer(s.negative_threshold, s.positive_threshold)
        self.channels = ChannelResolver(tax.channels)
        self._fitted = False

    def ensure_fitted(self) -> None:
        if not self._fitted:
            if self.journey_classifier is None and (self.stage_classifier or self.touchpoint_classifier):
                built = build_classifier(self.config, self.embedder)
                stage = self.stage_classifier.fit(self.embedder) if self.stage_classifier else built.stage
                touch = self.touchpoint_classifier.fit(self.embedder) if self.touchpoint_classifier else built.touchpoint
                self.journey_classifier = JourneyClassifier(self.config.taxonomy, stage, touch,
                                                            self.config.settings.joint_stage_touchpoint)
            if self.journey_classifier is None:
                self.journey_classifier = build_classifier(self.config, self.embedder, self.model)
            self.stage_classifier = self.journey_classifier.stage
            self.touchpoint_classifier = self.journey_classifier.touchpoint
            self._fitted = True

    def ids(self) -> dict:
        return {"embedding": self.embedder.model_id, "sentence_splitter": f"{SPACY_MODEL}:{self.segmenter.method}",
                "classifier": (f"head:{Path(self.model).name}" if self.model is not None else
                               "prototype-zero-shot") + ("+joint" if self.config.settings.joint_stage_touchpoint else ""), "sentiment": self.scorer.method_id}


@dataclass
class JourneyResult:
    items: pd.DataFrame
    segments: pd.DataFrame
    pain_points: pd.DataFrame
    journey: dict
    rejected: pd.DataFrame
    run_info: dict
    explorer: dict = field(default_factory=dict)  # the report's drill-down/filter data

    def write(self, out_dir: str | Path, xlsx: bool = False) -> dict[str, Path]:
        from feedback2journey.write import write_outputs

        return write_outputs(self, Path(out_dir), xlsx=xlsx)


def analyze(data=None, config: Config | str | Path | None = None, *, columns: ColumnMapping | None = None,
            encoding: str | None = None, models: Models | None = None, reporter: Reporter | None = None,
            redact: bool = True, segment_by: str | None = None, model: str | Path | None = None,
            cache_dir: str | Path | None = None, cluster_on: str | None = None,
            previous: str | Path | None = None, curation: str | Path | None = None) -> JourneyResult:
    """Analyze feedback: a DataFrame, one path, a list of paths, or None for the bundled sample.

    ``redact`` masks personal data (e-mails, phones, cards, IBANs, addresses; names in quotes) everywhere.
    ``segment_by`` names an item column (persona, plan...) for the report's side-by-side maps and filter.
    ``model`` is a trained head folder (``feedback2journey train``) used instead of zero-shot classification.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    reporter = reporter or Reporter()
    cfg = config if isinstance(config, Config) else load_config(config)
    # cache_dir: embeddings kept on disk across runs (the CLI's default); None = no cache
    models = models or Models(cfg, model=model, embedder=Embedder(cache_dir=cache_dir))
    settings = cfg.settings

    def lap(name: str, t0: float) -> float:
        timings[name] = round(time.perf_counter() - t0, 3)
        return time.perf_counter()

    t = time.perf_counter()
    if isinstance(data, pd.DataFrame):
        ingested = ingest_frame(data, columns, settings, redact=redact)
    else:
        paths = sample_paths() if data is None else [data] if isinstance(data, (str, Path)) else list(data)
        ingested = ingest_paths(paths, columns, settings, encoding=encoding, redact=redact)
    items = ingested.items
    t = lap("read", t)

    with reporter.step("Segmenting", total=len(items)) as advance:
        segments = models.segmenter.segment(items, advance=advance)
    # Every kept item has text with letters, so it has at least one segment.
    t = lap("segment", t)

    analysis = [analysis_text(x) or x for x in segments["text"]]
    with reporter.step("Embedding", total=len(set(analysis))) as advance:
        embeddings = models.embedder.encode(analysis, advance=advance)
    t = lap("embed", t)

    models.ensure_fitted()
    with reporter.step("Classifying", total=1) as advance:
        stage, touch = models.journey_classifier.predict(embeddings, analysis)  # joint stage x touchpoint
        advance(1)
    item_channel = models.channels.resolve(items).set_axis(items["item_id"])
    segments = segments.assign(
        stage=stage["label"].values, stage_confidence=stage["confidence"].values, stage_evidence=stage["evidence"].values,
        touchpoint=touch["label"].values, touchpoint_confidence=touch["confidence"].values,
        touchpoint_evidence=touch["evidence"].values,
        channel=segments["item_id"].map(item_channel).values,
    )
    t = lap("classify", t)

    with reporter.step("Scoring sentiment", total=len(segments)) as advance:
        feelings = models.scorer.score(segments["text"], embeddings=embeddings)
        advance(len(segments))
    segments = pd.concat([segments, feelings], axis=1)
    t = lap("feel", t)

    # ``previous``: an earlier run's folder (ids stay put); ``curation``: a pain_points.yaml (see curate.py)
    cluster_on = cluster_on or settings.cluster_on
    target = segments["sentiment_label"] == "negative" if cluster_on == "negative" else \
        pd.Series(True, index=segments.index)
    target &= ~segments["is_closer"]
    rows = np.flatnonzero(target.values)
    prev_state = load_state(previous)
    clusterer = PainPointClusterer(settings.min_cluster_size, settings.cluster_seed, settings.min_segments_to_cluster,
                                   sample_size=settings.cluster_sample_size, embed=models.embedder.encode,
                                   previous_params=prev_state.params if prev_state else None)
    with reporter.step(f"Clustering {len(rows):,} segments", total=None):
        clustering = clusterer.fit([analysis[i] for i in rows], embeddings[rows])
    clustering.params["cluster_on"] = cluster_on
    pain_points, seg_pp = build_pain_points(segments, rows, clustering, embeddings,
                                            settings.quotes_per_pain_point, redact=redact, items=items,
                                            previous=prev_state, curation=load_curation(curation))
    segments["pain_point_id"] = seg_pp.values
    t = lap("cluster", t)

    items = _roll_up(items, segments, pain_points, models, cfg)
    segments["stage_group"] = segments["stage"].map(cfg.taxonomy.stage_group)
    segments["source"] = segments["item_id"].map(items.set_index("item_id")["source"])
    journey = build_journey(items, segments, pain_points, cfg, rejected=len(ingested.rejected))
    if segment_by:
        journey["segment_view"] = segment_view(items, segments, cfg, segment_by)
    explorer = build_explorer(items, segments, cfg, filter_column=segment_by)
    if redact:
        _redact_quotes(models.quote_redactor, pain_points, journey, explorer)
    lap("journey", t)

    segments = segments[SEGMENT_COLUMNS + SEGMENT_EXTRA_COLUMNS]
    timings["total"] = round(time.perf_counter() - started, 3)
    run_info = _run_info(cfg, models, ingested, items, segments, clustering, timings)
    return JourneyResult(items, segments, pain_points, journey, ingested.rejected, run_info, explorer)


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


def _roll_up(items: pd.DataFrame, segments: pd.DataFrame, pain_points: pd.DataFrame, models: Models,
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


def _run_info(cfg: Config, models: Models, ingested: Ingested, items, segments, clustering, timings) -> dict:
    rows_read = sum(i.rows_read for i in ingested.inputs)
    return {
        "tool": "feedback2journey",
        "version": __version__,
        "config_hash": cfg.hash(),
        "config_path": cfg.path,
        "models": models.ids(),
        "inputs": [vars(i) for i in ingested.inputs],
        "rows_read": int(rows_read),
        "analyzed": int(len(items)),
        "rejected": int(len(ingested.rejected)),
        "segments": int(len(segments)),
        "clustering": {**clustering.params, "clusters": len(clustering.clusters),
                       "clustered_segments": int(len(clustering.assignments)), "unassigned": clustering.unassigned},
        "timings_s": timings,
        "embedding_cache": ({"path": str(models.embedder.cache.path), "hits": models.embedder.cache.hits,
                             "misses": models.embedder.cache.misses} if models.embedder.cache is not None else None),
    }
