"""The corpus-level steps that follow the per-chunk ones: pain point clustering, item roll-up, the journey
aggregates, the report's explorer data and run.json. Used by ``analyze`` (one chunk in memory) and
``run_batch`` (part files on disk) alike, so both give the same outputs for the same segments.

Memory stays bounded by the slim tables (``parts.SEGMENT_FINISH_COLUMNS``) plus the clustering sample:
embeddings are read chunk by chunk, only the sample's are held (``cluster_sample_size``), and every other
clustered row gets its pain point from ``PainPointModel.assign`` as its chunk goes by.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from feedback2journey import __version__
from feedback2journey.text.clean import analysis_text
from feedback2journey.painpoints.labels import topical_mask
from feedback2journey.config import Config
from feedback2journey.painpoints.curate import load_curation, load_state
from feedback2journey.feel.sentiment import roll_up_items
from feedback2journey.inputs.ingest import qualify_colliding_ids
from feedback2journey.journey.map import build_explorer, build_journey, segment_view
from feedback2journey.painpoints.table import define_pain_points, pain_point_table
from feedback2journey.painpoints.units import Units
from feedback2journey.run.parts import SEGMENT_FINISH_COLUMNS, assemble_items, assemble_segments, item_finish_columns
from feedback2journey.progress import Reporter
from feedback2journey.run.result import JourneyResult, cluster_targets
from feedback2journey.text.redact import QuoteRedactor, mask_pii
from feedback2journey.schema import ITEM_EXTRA_COLUMNS, OUTPUT_COLUMNS
from feedback2journey.text.language import NOT_ANALYZED
from feedback2journey.journey.languages import language_counts, not_analyzed_summary


class OutputRows:
    """The full output rows, chunk by chunk: each part's own columns joined with finish's (by position)."""

    def __init__(self, parts, items: pd.DataFrame, segments: pd.DataFrame, item_offsets: np.ndarray,
                 seg_offsets: np.ndarray):
        self.parts, self.items, self.segments = parts, items, segments
        self.item_offsets, self.seg_offsets = item_offsets, seg_offsets

    def chunks(self):
        """(items, segments) output frames of each chunk, in order."""
        for i, n in enumerate(self.parts.chunks):
            a, b = self.item_offsets[i], self.item_offsets[i + 1]
            c, d = self.seg_offsets[i], self.seg_offsets[i + 1]
            seg = self.segments.iloc[c:d]
            yield (assemble_items(self.parts.items(n), self.items.iloc[a:b]),
                   assemble_segments(self.parts.segments(n), seg["item_id"], seg["pain_point_id"], seg["stage_group"]))


def finish(parts, models, inputs: list, *, reporter: Reporter | None = None, timings: dict | None = None,
           started: float | None = None, redact: bool = True, segment_by: str | None = None,
           cluster_on: str | None = None, previous=None, curation=None):
    """``parts``: ``parts.MemoryParts`` or ``parts.PartStore`` (each chunk's items, segments with ``source``
    and ``is_closer``, and the embeddings of the rows ``cluster_targets`` selects, in row order).

    Returns a ``JourneyResult``; with one chunk in memory its tables are the full output tables, otherwise
    the slim ones (``result.rows.chunks()`` gives the full rows chunk by chunk, as ``write_outputs`` does)."""
    reporter = reporter or Reporter()
    timings = timings if timings is not None else {}
    started = started or time.perf_counter()
    cfg: Config = models.config
    t = time.perf_counter()
    segments, seg_counts = parts.table("segments", SEGMENT_FINISH_COLUMNS)
    items, item_counts = parts.table("items", item_finish_columns(parts.item_columns(parts.chunks[0]), segment_by))
    if segments.empty:  # every row rejected: the empty chunks may lack columns, the outputs must not
        segments = segments.reindex(columns=SEGMENT_FINISH_COLUMNS).astype({"is_closer": bool, "sentiment": float})
    # chunk i's items are rows item_at[i] .. item_at[i + 1] - 1 of ``items``; the same for segments
    item_at, seg_at = _offsets(item_counts), _offsets(seg_counts)
    rejected = parts.rejected()
    qualify_colliding_ids(items, segments)  # survey #1 and review #1 become survey:1 and review:1

    # ``previous``: an earlier run's folder (ids stay put); ``curation``: a pain_points.yaml (see curate.py)
    cluster_on = cluster_on or cfg.settings.cluster_on
    with reporter.step("Clustering pain points", total=None):
        pain_points, seg_ids, clustering, state, notes = _pain_points(parts, segments, seg_at, items, models, cluster_on,
                                                               redact, load_state(previous), load_curation(curation))
    segments["pain_point_id"] = seg_ids
    timings["cluster"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()

    # item columns chunk by chunk (an item never spans chunks): bounded copies of the segment table
    # segments in other languages (or none) are kept in the outputs, and left out of every aggregate
    read = (segments["sentiment_label"] != NOT_ANALYZED).to_numpy()
    content = bool((~segments["is_closer"] & read).any())
    items = pd.concat([_roll_up(items.iloc[item_at[i]:item_at[i + 1]], segments.iloc[seg_at[i]:seg_at[i + 1]],
                                pain_points, models, cfg, content, notes) for i in range(len(parts.chunks))]
                      or [_roll_up(items, segments, pain_points, models, cfg, content, notes)], ignore_index=True)
    segments["stage_group"] = _stage_groups(segments["stage"], cfg)
    read_items = (items["stage"] != NOT_ANALYZED).to_numpy()
    a_items, a_segments = (items, segments) if read.all() else (items[read_items], segments[read])
    journey = build_journey(a_items, a_segments, pain_points, cfg, rejected=len(rejected))
    journey["not_analyzed"] = not_analyzed_summary(items, segments, cfg, lambda rows: _texts(parts, seg_at, rows))
    if segment_by:
        journey["segment_view"] = segment_view(a_items, a_segments, cfg, segment_by)
    explorer = build_explorer(a_items, a_segments, cfg, filter_column=segment_by,
                              text_of=lambda rows: _texts(parts, seg_at, rows))
    if redact:
        _redact_quotes(models.quote_redactor, pain_points, journey, explorer)
    timings["journey"] = round(time.perf_counter() - t, 3)

    timings["total"] = round(time.perf_counter() - started, 3)
    run_info = _run_info(cfg, models, inputs, rejected, items, segments, clustering, timings)
    rows = OutputRows(parts, items, segments, item_at, seg_at)
    if parts.in_memory:  # one chunk in memory: the full tables are at hand
        items, segments = next(rows.chunks())
    return JourneyResult(items, segments, pain_points, journey, rejected, run_info, explorer, rows=rows,
                         pain_point_state=state)


def _offsets(counts: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts)]).astype(int)


def _pain_points(parts, segments: pd.DataFrame, bounds: np.ndarray, items: pd.DataFrame, models,
                 cluster_on: str, redact: bool, prev_state, curation):
    """Fit on a sample of the clustered units, define the pain points there, then give every other unit its id
    chunk by chunk. A unit is an item seen through its clustered segments (``painpoints.units``): its text is
    theirs joined, its vector their mean, and each of those segments takes the item's pain point. Returns the
    pain point table, each segment's id, the clustering and the state the next run matches its ids against.

    Only the sample's texts and embeddings are held. The others are read chunk by chunk (``bounds``: where
    each chunk's segments start): once to hash and filter them, once for the sample, once to assign them."""
    target = cluster_targets(segments, cluster_on)
    rows = np.flatnonzero(target)
    item_ids = segments["item_id"].to_numpy(dtype=object)
    units = [Units.of(item_ids[a:b][target[a:b]]) for a, b in zip(bounds[:-1], bounds[1:])]
    # the units of chunk i are run-wide units start[i] .. start[i + 1] - 1, in order
    start = _offsets([u.count for u in units])
    unit_of_row = np.concatenate([u.of_row + start[i] for i, u in enumerate(units)] or [np.zeros(0, dtype=int)])

    last: dict[int, tuple] = {}  # the chunk read last: its texts serve chunk_texts and chunk_vectors alike

    def chunk_rows(i: int) -> tuple[np.ndarray, list[str]]:
        """The clustered segments of chunk i: their text, and the text as clustered (no URLs, handles...),
        worked out once per distinct text."""
        if i not in last:
            own = parts.segments(parts.chunks[i], ["text"])["text"].to_numpy(dtype=object)
            texts = own[target[bounds[i]:bounds[i + 1]]]
            codes, distinct = pd.factorize(texts)
            analysis = np.array([analysis_text(x) or x for x in distinct] + [""], dtype=object)  # "": never indexed
            last.clear()
            last[i] = (texts, analysis[codes].tolist())
        return last[i]

    def chunk_texts(i: int, need: np.ndarray | None = None) -> tuple[list[str], list[str]]:
        """The units of chunk i (``need``: only these of them): their text and their text as clustered."""
        if start[i + 1] == start[i]:
            return [], []
        texts, analysis = chunk_rows(i)
        own, clean = units[i].texts(texts), units[i].texts(analysis)
        if need is not None:
            own, clean = [own[j] for j in need], [clean[j] for j in need]
        return own, clean

    def chunk_vectors(i: int) -> np.ndarray:
        return units[i].vectors(parts.targets(parts.chunks[i]), chunk_rows(i)[1])

    # One vector per text: a unit text repeated anywhere in the run takes its first occurrence's vector (and
    # id), so the clustering never sees float noise from different batch-mates (see EmbeddingCache.scope).
    hashes = np.zeros(start[-1], dtype=np.uint64)
    topical = np.zeros(start[-1], dtype=bool)
    for i in range(len(parts.chunks)):
        _, analysis = chunk_texts(i)
        if analysis:
            codes, distinct = pd.factorize(np.asarray(analysis, dtype=object))  # once per distinct text
            hashes[start[i]:start[i + 1]] = pd.util.hash_array(np.asarray(distinct, dtype=object))[codes]
            topical[start[i]:start[i + 1]] = topical_mask(list(distinct))[codes]
    _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    rep = first[inverse.reshape(-1)]
    clusterer = models.clusterer(prev_state.params if prev_state else None)
    sample = clusterer.fit_rows(topical)
    sample_emb, sample_texts, sample_analysis = _gather(parts, start, sample, rep[sample], chunk_texts, chunk_vectors)
    clustering = clusterer.fit(sample_analysis, sample_emb)
    clustering.params.update(rows=int(start[-1]), segments=int(len(rows)), non_topical=int((~topical).sum()))
    model, sample_ids = define_pain_points(sample_texts, clustering, sample_emb,
                                           models.config.settings.quotes_per_pain_point, redact=redact,
                                           previous=prev_state, curation=curation)
    del sample_emb, sample_texts, sample_analysis
    if redact:  # a label quotes a customer: names are masked as in quotes (the regex masking ran at ingest)
        _redact_labels(models.quote_redactor, model.definitions)
    ids = np.full(start[-1], None, dtype=object)
    ids[sample] = sample_ids
    in_sample = np.zeros(start[-1], dtype=bool)
    in_sample[sample] = True
    extra_quotes: dict[str, list[str]] = {}
    for i, n in enumerate(parts.chunks):
        lo, hi = start[i], start[i + 1]
        todo = np.flatnonzero(~in_sample[lo:hi] & (rep[lo:hi] == np.arange(lo, hi)))  # first occurrences
        if len(todo):
            texts, analysis = chunk_texts(i, todo)
            found = model.assign(chunk_vectors(i)[todo], texts, analysis)
            ids[todo + lo] = found
            for text, pp in zip(texts, found):  # ids the sample never defined (a split matching later rows only)
                if pp is not None and pp not in model.definitions and len(extra_quotes.setdefault(pp, [])) < 5:
                    extra_quotes[pp].append(mask_pii(text) if redact else text)
        dup = np.flatnonzero(~in_sample[lo:hi] & (rep[lo:hi] < np.arange(lo, hi))) + lo
        ids[dup] = ids[rep[dup]]
    seg_ids = np.full(len(segments), None, dtype=object)
    seg_ids[rows] = ids[unit_of_row]
    clustering.params["unassigned"] = int(sum(x is None for x in ids))
    table = pain_point_table(model, segments, seg_ids, items=items, quotes=extra_quotes)
    unit_items = item_ids[rows][np.unique(unit_of_row, return_index=True)[1]] if len(rows) else item_ids[:0]
    return table, seg_ids, clustering, model.state, _unassigned_notes(unit_items, ids, topical, clustering.params)


# why an item that clustering looked at has no pain point (items.pain_point_note); see docs/pain_points.md
NOTE_TOO_FEW = "too few to cluster"
NOTE_NO_TOPIC = "no topic: feeling only"
NOTE_NOT_CLOSE = "no pain point close enough"
NOTE_NOT_CLUSTERED = "no clustered segment"


def _unassigned_notes(unit_items: np.ndarray, ids: np.ndarray, topical: np.ndarray, params: dict) -> dict:
    """Item id -> the reason its unit got no pain point: clustering skipped (too few rows), nothing topical in
    it ("Awful."), or no pain point close enough (an outlier of the fit, and below ``outlier_threshold``)."""
    skipped = "skipped" in params or not params.get("clusters_found", 1)
    return {item: NOTE_TOO_FEW if skipped else NOTE_NOT_CLOSE if top else NOTE_NO_TOPIC
            for item, pp, top in zip(unit_items.tolist(), ids.tolist(), topical.tolist()) if pp is None}


def _gather(parts, start: np.ndarray, rows: np.ndarray, vector_rows: np.ndarray, chunk_texts, chunk_vectors):
    """For the clustered units ``rows`` (run-wide numbers, sorted): the vectors of ``vector_rows`` (their
    first occurrences), their texts and their texts as clustered, read chunk by chunk."""
    emb, texts, analysis = [None] * len(rows), [None] * len(rows), [None] * len(rows)
    dim = 0
    for i, n in enumerate(parts.chunks):
        lo, hi = start[i], start[i + 1]
        need_vec = np.flatnonzero((vector_rows >= lo) & (vector_rows < hi))
        need_txt = np.flatnonzero((rows >= lo) & (rows < hi))
        if len(need_vec):
            vectors = chunk_vectors(i)
            dim = vectors.shape[1]
            picked = vectors[vector_rows[need_vec] - lo]  # a copy: a row view would keep the chunk's matrix alive
            for pos, vec in zip(need_vec, picked):
                emb[pos] = vec
        if len(need_txt):
            own, clustered = chunk_texts(i, rows[need_txt] - lo)
            for pos, text, clean in zip(need_txt, own, clustered):
                texts[pos], analysis[pos] = text, clean
    matrix = np.stack(emb).astype(np.float32) if len(rows) else np.zeros((0, dim), dtype=np.float32)
    return matrix, texts, analysis


def _texts(parts, bounds: np.ndarray, rows) -> list[str]:
    """Segment texts of run-wide segment rows ``rows`` (a few hundred quotes), read from their chunks."""
    rows = np.asarray(rows, dtype=int)
    out = [None] * len(rows)
    owner = np.searchsorted(bounds, rows, side="right") - 1
    for i in np.unique(owner):
        own = parts.segments(parts.chunks[i], ["text"])["text"].to_numpy(dtype=object)
        for pos in np.flatnonzero(owner == i):
            out[pos] = own[rows[pos] - bounds[i]]
    return out


def _redact_labels(redactor: QuoteRedactor, definitions: dict) -> None:
    """People's names in the automatic labels (a researcher's own name for a pain point is left as written)."""
    keys = list(definitions)
    masked = redactor.redact([str(definitions[k]["auto_label"]) for k in keys])
    for k, label in zip(keys, masked):
        d = definitions[k]
        if d["label"] == d["auto_label"]:
            d["label"] = label
        d["auto_label"] = label


def _redact_quotes(redactor: QuoteRedactor, pain_points: pd.DataFrame, journey: dict, explorer: dict) -> None:
    """Names in the quotes that reach the report (the texts were regex-masked at ingest already)."""
    examples = [e for lang in journey.get("not_analyzed", {}).get("languages", []) for e in lang["examples"]]
    texts = [q for qs in pain_points["quotes"] for q in qs] + [q[6] for q in explorer["quotes"]] + examples
    masked = iter(redactor.redact(texts))
    pain_points["quotes"] = [[next(masked) for _ in qs] for qs in pain_points["quotes"]]
    for q in explorer["quotes"]:
        q[6] = next(masked)
    for lang in journey.get("not_analyzed", {}).get("languages", []):
        lang["examples"] = [next(masked) for _ in lang["examples"]]
    by_id = dict(zip(pain_points["pain_point_id"], pain_points["quotes"]))
    for p in journey["pain_points"]:
        p["quotes"] = by_id.get(p["pain_point_id"], p["quotes"])


def _roll_up(items: pd.DataFrame, segments: pd.DataFrame, pain_points: pd.DataFrame, models,
             cfg: Config, content: bool = True, notes: dict | None = None) -> pd.DataFrame:
    """Item-level columns from segments (documented in the README), without the text and input columns
    (``parts.assemble_items`` adds those when the rows are written). ``content``: whether the run has any
    segment that is not a closer (then closers never lead)."""
    items = items.reset_index(drop=True)
    segments = segments[segments["sentiment_label"] != NOT_ANALYZED]  # the items' analyzed segments only
    feel = roll_up_items(segments, models.scorer).set_index("item_id")
    lead = lead_segments(segments, content)
    # Pain point of an item: that of its most negative clustered segment.
    clustered = segments.loc[segments["pain_point_id"].notna(), ["item_id", "sentiment", "pain_point_id"]]
    item_pp = clustered.sort_values("sentiment", kind="stable").drop_duplicates("item_id").set_index("item_id")["pain_point_id"]
    labels = dict(zip(pain_points["pain_point_id"], pain_points["label"]))
    ids = items["item_id"]
    out = pd.DataFrame({
        "item_id": ids,
        "source": items["source"],
        "stage": ids.map(lead["stage"]).fillna("unclassified").values,
        "touchpoint": ids.map(lead["touchpoint"]).fillna("unclassified").values,
        "channel": ids.map(segments[["item_id", "channel"]].drop_duplicates("item_id").set_index("item_id")["channel"]).values,
        "sentiment": ids.map(feel["sentiment"]).values,
        "sentiment_label": ids.map(feel["sentiment_label"]).values,
        "emotion": ids.map(feel["emotion"]).values,
        "pain_point_id": ids.map(item_pp).astype(object).where(ids.map(item_pp).notna(), None).values,
    })
    out["pain_point"] = out["pain_point_id"].map(labels).astype(object)
    out["row_number"] = items["row_number"].values
    out["stage_group"] = _stage_groups(out["stage"], cfg)
    out["effort"] = ids.map(feel["effort"]).values
    for col in ("date", "score", "score_kind", "segment", "truncated"):
        out[col] = items[col]  # same index as items
    out["language"] = items["language"].values if "language" in items else None
    out["mixed"] = ids.map(feel["mixed"]).fillna(False).astype(bool).values
    # every negative item has a pain point or says why not (issue 22): ``_unassigned_notes``, or none of its
    # segments was clustered (its negative reading comes from the roll-up, not from a negative segment)
    note = ids.map(notes or {}).astype(object)
    note[(out["sentiment_label"] == "negative").to_numpy() & out["pain_point_id"].isna().to_numpy() & note.isna().to_numpy()] = NOTE_NOT_CLUSTERED
    out["pain_point_note"] = note.where(note.notna(), None).values
    left_out = ~ids.isin(segments["item_id"]).to_numpy()  # no segment analyzed: another language, or none
    if left_out.any():
        out.loc[left_out, ["stage", "touchpoint", "sentiment_label", "emotion", "stage_group"]] = NOT_ANALYZED
        out.loc[left_out, ["sentiment", "effort"]] = np.nan
        out.loc[left_out, "pain_point_note"] = "not analyzed: " + out.loc[left_out, "language"].fillna("zxx").astype(str)
    extras = items.drop(columns=[c for c in items.columns if c in set(OUTPUT_COLUMNS) | set(ITEM_EXTRA_COLUMNS)
                                 | {"channel_raw", "input_kind"}])
    return pd.concat([out, extras.reset_index(drop=True)], axis=1)


def lead_segments(segments: pd.DataFrame, content: bool = True) -> pd.DataFrame:
    """Each item's lead segment (indexed by item id), whose stage and touchpoint the item takes: closers left
    out (when ``content``: the run has a segment that is not one), then classified stage and touchpoint first,
    then the highest stage x touchpoint confidence; the first such segment on a tie.

    Strength of feeling plays no part (it did until issue 21's roll-up check, benchmarks/rollup_check.py): a
    topic-less "This is really frustrating." or "Landed at 7." before the request is confidently nothing, but
    it is loud, and with a one-stage taxonomy it led 42-73% of such items (Bitext item macro-F1 0.35 against
    0.91 for the request's own segment; docs/classification.md). A ticket about a late parcel with a "thanks" closer is a
    delivery item."""
    seg = segments[["item_id", "stage", "touchpoint", "stage_confidence", "touchpoint_confidence"]]
    seg = seg[~segments["is_closer"].astype(bool)] if content else seg
    weight = (seg["stage_confidence"].fillna(0.0) * seg["touchpoint_confidence"].fillna(0.0)
              + (seg["stage"] != "unclassified") * 1.0 + (seg["touchpoint"] != "unclassified") * 1.0)
    lead = seg.assign(_w=weight.to_numpy()).sort_values("_w", ascending=False, kind="stable")
    return lead.drop_duplicates("item_id").set_index("item_id").drop(columns="_w")


def _stage_groups(stages: pd.Series, cfg: Config) -> pd.Series:
    """Each row's stage group, looked up once per distinct stage (millions of rows, a dozen stages)."""
    groups = {s: cfg.taxonomy.stage_group(s) for s in stages.dropna().unique()}
    return stages.map(groups.__getitem__, na_action="ignore")  # a callable: the same dtype as mapping stage_group


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
        "languages": language_counts(items, segments, cfg),
        # clustering looks at items (clustered_items) through their clustered segments (clustered_segments);
        # unassigned: the items left without a pain point
        "clustering": {**clustering.params, "clusters": len(clustering.clusters),
                       "clustered_items": int(clustering.params.get("rows", 0)),
                       "clustered_segments": int(clustering.params.get("segments", 0)),
                       "unassigned": int(clustering.params.get("unassigned", 0))},
        "timings_s": timings,
        "embedding_cache": ({"path": str(models.embedder.cache.path), "hits": models.embedder.cache.hits,
                             "misses": models.embedder.cache.misses} if models.embedder.cache is not None else None),
    }
