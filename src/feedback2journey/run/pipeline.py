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

from feedback2journey.journey.map import check_segment_by
from feedback2journey.classify.zero_shot import ChannelResolver, JourneyClassifier, PrototypeClassifier
from feedback2journey.text.clean import analysis_text
from feedback2journey.inputs.columns import ColumnMapping
from feedback2journey.config import Config, ConfigError, check_cluster_on, load_config
from feedback2journey.embed.embedder import Embedder
from feedback2journey.feel.sentiment import SentimentScorer
from feedback2journey.inputs.ingest import ingest_frame, ingest_paths
from feedback2journey.run.finish import finish
from feedback2journey.run.parts import MemoryParts
from feedback2journey.run.result import ChunkResult, JourneyResult, cluster_targets
from feedback2journey.painpoints.cluster import PainPointClusterer
from feedback2journey.progress import Reporter
from feedback2journey.text.redact import QuoteRedactor
from feedback2journey.resources import SPACY_MODEL, sample_paths
from feedback2journey.text.segment import Segmenter
from feedback2journey.text.language import NOT_ANALYZED, FastTextLite, judge_languages
from feedback2journey.classify.train import build_classifier, load_head


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
    language_detector: FastTextLite = field(default_factory=FastTextLite)  # loads on first use (0.9 MB)

    def __post_init__(self):
        s = self.config.settings
        tax = self.config.taxonomy
        # fast mode: spaCy's rule sentencizer (~4x the statistical senter's speed), or it would be the bottleneck
        splitter = "sentencizer" if getattr(self.embedder, "speed", "accurate") == "fast" else s.sentence_splitter
        self.segmenter = self.segmenter or Segmenter(splitter, s.split_contrast, s.min_clause_words)
        # Stage/touchpoint: zero-shot prototypes, or trained heads from `model`; built in ensure_fitted().
        if self.model is not None:
            load_head(self.model, self.config)  # a wrong folder or taxonomy fails here, before any work
        self.scorer = self.scorer or SentimentScorer(s.negative_threshold, s.positive_threshold,
                                                     emotion_set=s.emotion_set)
        if s.emotion_set != "customer" and self.scorer.encoder_for(self.embedder.model_id) is None:
            raise ConfigError(f"settings.emotion_set: {s.emotion_set} needs accurate mode's fine-tuned sentiment "
                              f"encoder, which this run does not have (fast mode, the ONNX backend or another "
                              f"model). Fix: run with --speed accurate, or set emotion_set: customer.")
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

    def clusterer(self, previous_params: dict | None = None) -> PainPointClusterer:
        """The pain point clusterer of this config. ``previous_params``: the previous run's size choice (so the
        granularity stays put as data grows). With the embedding cache on, a fit on identical input is read
        back from beside it (``painpoints.cache``)."""
        s = self.config.settings
        emb_cache = self.embedder.cache_dir
        return PainPointClusterer(s.min_cluster_size, s.cluster_seed, s.min_segments_to_cluster,
                                  sample_size=s.cluster_sample_size, embed=self.embedder.encode,
                                  previous_params=previous_params,
                                  cache_dir=None if emb_cache is None else Path(emb_cache) / "clusterings",
                                  cache_tag=self.embedder.model_id)

    def row_steps(self) -> RowSteps:
        """The fitted per-row steps without the encoder: segment, then classify and feel given embeddings."""
        self.ensure_fitted()
        return RowSteps(self.segmenter, self.journey_classifier, self.channels, self.scorer, self.embedder.model_id)

    def ids(self) -> dict:
        """The models as run.json names them. The sentiment method follows the embedder's model (fast mode's
        static model has its own head), whoever did the scoring: this process or its workers."""
        joint = "+joint" if self.config.settings.joint_stage_touchpoint else ""
        classifier = f"head:{Path(self.model).name}" if self.model is not None else "prototype-zero-shot"
        return {"embedding": self.embedder.model_id, "sentence_splitter": f"{SPACY_MODEL}:{self.segmenter.method}",
                "classifier": classifier + joint, "sentiment": self.scorer.method_for(self.embedder.model_id)}


def analyze(data=None, config: Config | str | Path | None = None, *, columns: ColumnMapping | None = None,
            encoding: str | None = None, models: Models | None = None, reporter: Reporter | None = None,
            redact: bool = True, segment_by: str | None = None, model: str | Path | None = None,
            cache_dir: str | Path | None = None, cluster_on: str | None = None,
            previous: str | Path | None = None, curation: str | Path | None = None) -> JourneyResult:
    """Analyze feedback in memory: a DataFrame, one path, a list of paths, or None for the bundled sample.

    ``redact`` masks personal data (e-mails, phones, cards, IBANs, addresses; names in quotes) everywhere.
    ``segment_by`` names an item column (persona, plan...) for the report's side-by-side maps and filter.
    ``model`` is a trained head folder (``feedback2journey train``) used instead of zero-shot classification.
    For exports too large for memory, or runs that must survive a crash, use ``feedback2journey.run.batch.run_batch``
    (the CLI's path): the same steps per chunk, then the same ``finish``.
    """
    started = time.perf_counter()
    reporter = reporter or Reporter()
    cfg = config if isinstance(config, Config) else load_config(config)
    check_cluster_on(cluster_on)
    # cache_dir: embeddings kept on disk across runs (the CLI's default); None = no cache
    models = models or Models(cfg, model=model, embedder=Embedder(cache_dir=cache_dir))
    t = time.perf_counter()
    if isinstance(data, pd.DataFrame):
        ingested = ingest_frame(data, columns, cfg.settings, redact=redact)
    else:
        paths = sample_paths() if data is None else [data] if isinstance(data, (str, Path)) else list(data)
        ingested = ingest_paths(paths, columns, cfg.settings, encoding=encoding, redact=redact)
    timings = {"read": round(time.perf_counter() - t, 3)}
    check_segment_by(ingested.items.columns, segment_by)  # a typo fails before any work
    chunk = analyze_chunk(ingested.items, models, reporter, timings)
    targets = cluster_targets(chunk.segments, cluster_on or cfg.settings.cluster_on)
    parts = MemoryParts(chunk.items_with_language(ingested.items), chunk.segments, chunk.embeddings[targets], ingested.rejected)
    return finish(parts, models, ingested.inputs, reporter=reporter, timings=timings, started=started,
                  redact=redact, segment_by=segment_by, cluster_on=cluster_on, previous=previous, curation=curation)


def evaluate_labeled(labeled: pd.DataFrame, models: Models, reporter: Reporter | None = None) -> dict:
    """``feedback2journey eval``: ``classify.evaluate.evaluate`` (each row classified whole, the cosine baseline
    on the same rows) plus the item-level figures of each row run as ``analyze`` runs an item (segments, each
    classified, the lead segment's label; ``classify.evaluate.add_item_level``). ``labeled``: ``load_labeled``."""
    from feedback2journey.classify.evaluate import add_item_level, evaluate

    models.ensure_fitted()
    report = evaluate(labeled, models.journey_classifier, models.embedder, taxonomy=models.config.taxonomy)
    ids = [f"row{i}" for i in range(len(labeled))]
    frame = pd.DataFrame({"id": ids, "text": labeled["text"].astype(str).to_numpy()})
    result = analyze(frame, models.config, columns=ColumnMapping(text=("text",), id="id"), models=models,
                     reporter=reporter)
    items = result.items.set_index(result.items["item_id"].astype(str)).reindex(ids)
    counts = result.segments.groupby(result.segments["item_id"].astype(str)).size()
    items["segments"] = counts.reindex(ids).fillna(0).to_numpy()
    return add_item_level(report, labeled, items.reset_index(drop=True))


@dataclass
class RowSteps:
    """The per-row steps without the encoder: segment, and classify + feel given the embeddings. Row by row:
    a chunk labelled in parts gives the same rows as labelled whole."""

    segmenter: Segmenter
    classifier: JourneyClassifier
    channels: ChannelResolver
    scorer: SentimentScorer
    model_id: str

    def segment(self, items: pd.DataFrame) -> pd.DataFrame:
        return self.segmenter.segment(items)

    def sentiment_tap(self, embedder: Embedder):
        """The fine-tuned sentiment top to run on the embedding pass (accurate mode: the packaged MiniLM on
        torch), or None (the scorer then uses its head + rules on the vectors)."""
        if getattr(embedder, "backend", None) != "torch":
            return None
        return self.scorer.encoder_for(self.model_id)

    def label(self, items: pd.DataFrame, segments: pd.DataFrame, embeddings: np.ndarray,
              analysis: list[str], encoded: np.ndarray | None = None) -> tuple[pd.DataFrame, dict]:
        """Stage, touchpoint, channel and feelings for ``segments`` (all of them from ``items``). Row by row:
        a chunk labelled in parts gives the same rows as labelled whole. ``encoded``: the sentiment encoder's
        rows for ``analysis`` from the embedding pass (``sentiment_tap``). Returns (segments, seconds per step)."""
        t = time.perf_counter()
        stage, touch = self.classifier.predict(embeddings, analysis)  # joint stage x touchpoint
        item_channel = self.channels.resolve(items).set_axis(items["item_id"])
        item_source = items.set_index("item_id")["source"]
        segments = segments.assign(
            stage=stage["label"].values, stage_confidence=stage["confidence"].values,
            stage_evidence=stage["evidence"].values, touchpoint=touch["label"].values,
            touchpoint_confidence=touch["confidence"].values, touchpoint_evidence=touch["evidence"].values,
            channel=segments["item_id"].map(item_channel).values,
            source=segments["item_id"].map(item_source).values,
        )
        seconds = {"classify": time.perf_counter() - t}
        t = time.perf_counter()
        feelings = self.scorer.score(segments["text"], embeddings=embeddings, model_id=self.model_id, encoded=encoded)
        segments = pd.concat([segments, feelings.set_axis(segments.index)], axis=1)
        seconds["feel"] = time.perf_counter() - t
        return segments, seconds


def analyze_chunk(items: pd.DataFrame, models: Models, reporter: Reporter | None = None,
                  timings: dict | None = None) -> ChunkResult:
    """Segment, embed, classify and score one chunk of items (the per-row steps; no state across chunks)."""
    reporter = reporter or Reporter()
    timings = timings if timings is not None else {}

    def lap(name: str, t0: float) -> float:
        timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - t0, 3)
        return time.perf_counter()

    t = time.perf_counter()
    steps = models.row_steps()  # the first call fits the zero-shot prototypes
    t = lap("classify", t)
    with reporter.step("Segmenting", total=len(items)) as advance:
        segments = steps.segment(items)
        advance(len(items))
    # Every kept item has text with letters, so it has at least one segment.
    t = lap("segment", t)

    # Languages: only segments in settings.languages (and with any language at all) are embedded and labelled
    languages = list(models.config.settings.languages)
    item_lang, seg_lang = judge_languages(items, segments, models.language_detector, languages[0])
    segments = segments.assign(language=seg_lang)
    keep = np.isin(seg_lang.astype(str), languages)
    t = lap("language", t)

    read = segments[keep] if not keep.all() else segments
    analysis = [analysis_text(x) or x for x in read["text"]]
    tap = steps.sentiment_tap(models.embedder)  # accurate mode: sentiment from the same forward pass
    with reporter.step("Embedding", total=len(set(analysis))) as advance:
        vectors, encoded = None, None
        if analysis and tap is None:
            vectors = models.embedder.encode(analysis, advance=advance)
        elif analysis:
            vectors, encoded = models.embedder.encode_with(analysis, tap, advance=advance)
    t = lap("embed", t)

    with reporter.step("Classifying and scoring", total=len(segments)) as advance:
        seconds = {"classify": 0.0, "feel": 0.0}
        if len(read):
            read, seconds = steps.label(items, read, vectors, analysis, encoded)
        if not keep.all() or not len(segments):  # (an empty chunk still gets every column)
            read = pd.concat([read, not_analyzed_rows(items, segments[~keep], steps.channels)]).sort_index()
        advance(len(segments))
    for name in ("classify", "feel"):
        timings[name] = round(timings.get(name, 0.0) + seconds[name], 3)
    embeddings = vectors if keep.all() and vectors is not None else _spread(vectors, keep, models.embedder)
    return ChunkResult(read, embeddings, item_lang)


def not_analyzed_rows(items: pd.DataFrame, segments: pd.DataFrame, channels: ChannelResolver) -> pd.DataFrame:
    """Segments left out of the analysis (another language, or no language): their labels say so
    (``NOT_ANALYZED``), their numbers are empty. Same columns as ``RowSteps.label`` gives."""
    item_channel = channels.resolve(items).set_axis(items["item_id"])
    item_source = items.set_index("item_id")["source"]
    nan = np.full(len(segments), np.nan)
    return segments.assign(
        stage=NOT_ANALYZED, stage_confidence=nan, stage_evidence="", touchpoint=NOT_ANALYZED,
        touchpoint_confidence=nan, touchpoint_evidence="",
        channel=segments["item_id"].map(item_channel).values, source=segments["item_id"].map(item_source).values,
        sentiment=nan, sentiment_label=NOT_ANALYZED, emotion=NOT_ANALYZED, emotion_intensity=nan, effort=nan,
        is_closer=False, emotions="", mixed=False, neutral_probability=nan)


def _spread(vectors: np.ndarray | None, keep: np.ndarray, embedder) -> np.ndarray:
    """Row-aligned embeddings: the analyzed rows' vectors, zeros for the rest (never clustered)."""
    dim = vectors.shape[1] if vectors is not None else embedder.dim
    out = np.zeros((len(keep), dim), dtype=np.float32)
    if vectors is not None:
        out[keep] = vectors
    return out
