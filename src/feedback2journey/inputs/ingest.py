"""Turn raw tables into the items table: one row per analyzable record, everything else a reject.

Contract (``ITEM_BASE_COLUMNS``): item_id, source, row_number, text (cleaned), date, score, score_kind,
channel_raw, segment, input_kind, truncated; then the input's own columns, unchanged (renamed
``input_<name>`` only where they collide with ours).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from feedback2journey.text.clean import clean_text
from feedback2journey.inputs.columns import ColumnError, ColumnMapping, detect_columns
from feedback2journey.config import Settings
from feedback2journey.inputs.read import InputError, RawTable, read_table
from feedback2journey.text.redact import mask_pii
from feedback2journey.text.language import noise_reason
from feedback2journey.schema import OUTPUT_COLUMNS, REJECT_COLUMNS

log = logging.getLogger(__name__)

ITEM_BASE_COLUMNS = ["item_id", "source", "row_number", "text", "date", "score", "score_kind",
                     "channel_raw", "segment", "input_kind", "truncated"]
_PLACEHOLDERS = {"n/a", "na", "none", "null", "nil", "nan", "-", "--", ".", "?", "no comment", "no comments",
                 "nothing", "no", "x", "tbd", "test"}


@dataclass
class InputSummary:
    source: str
    path: str
    format: str
    encoding: str | None
    delimiter: str | None
    rows_read: int
    analyzed: int
    rejected: int
    columns: dict
    warnings: list[str] = field(default_factory=list)


@dataclass
class Ingested:
    items: pd.DataFrame
    rejected: pd.DataFrame
    inputs: list[InputSummary]


def source_names(paths: list[Path]) -> list[str]:
    """File stems, made unique ("tickets", "tickets_2") so every row can say where it came from."""
    names, seen = [], {}
    for p in paths:
        base = p.stem or "input"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return names


def ingest_paths(paths: list[str | Path], mapping: ColumnMapping | None, settings: Settings,
                 encoding: str | None = None, redact: bool = False) -> Ingested:
    paths = [Path(p) for p in paths]
    tables = []
    for p in paths:
        tables.append(read_table(p, encoding=encoding))
    return ingest_tables(tables, source_names(paths), mapping, settings, redact)


def ingest_frame(frame: pd.DataFrame, mapping: ColumnMapping | None, settings: Settings,
                 source: str = "dataframe", redact: bool = False) -> Ingested:
    table = RawTable(path=f"<{source}>", format="dataframe", frame=frame.reset_index(drop=True))
    return ingest_tables([table], [source], mapping, settings, redact)


def ingest_tables(tables: list[RawTable], sources: list[str], mapping: ColumnMapping | None,
                  settings: Settings, redact: bool = False) -> Ingested:
    """``redact``: mask PII (regex) in the cleaned text and in the input's text columns, before anything else."""
    items, rejects, summaries = [], [], []
    for table, source in zip(tables, sources):
        try:
            cols = detect_columns(table.frame, mapping)
        except ColumnError as exc:
            raise InputError(f"{table.path}: {exc.raw}") from exc
        for note in cols.notes:
            log.warning("%s: %s", source, note)
        kept, rej, warnings = items_from_table(table, source, cols, settings, redact)
        items.append(kept)
        rejects.append(rej)
        summaries.append(input_summary(table, source, cols, len(table.frame) + len(table.rejects), len(kept),
                                       len(rej), [f"{source}: {n}" for n in cols.notes] + table.warnings + warnings))
    all_items = pd.concat(items, ignore_index=True) if items else pd.DataFrame(columns=ITEM_BASE_COLUMNS)
    qualify_colliding_ids(all_items)
    all_rejects = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REJECT_COLUMNS)
    return Ingested(all_items, all_rejects.reindex(columns=REJECT_COLUMNS), summaries)


def input_summary(table: RawTable, source: str, cols: ColumnMapping, rows_read: int, analyzed: int, rejected: int,
                  warnings: list[str]) -> InputSummary:
    return InputSummary(
        source=source, path=table.path, format=table.format, encoding=table.encoding,
        delimiter=table.delimiter, rows_read=rows_read, analyzed=analyzed, rejected=rejected, warnings=warnings,
        columns={"text": list(cols.text), "id": cols.id, "date": cols.date, "score": cols.score,
                 "score_kind": cols.score_kind, "channel": cols.channel, "segment": cols.segment,
                 "input_kind": cols.input_kind, "detected": list(cols.detected)},
    )


def items_from_table(table: RawTable, source: str, cols: ColumnMapping, settings: Settings, redact: bool,
                     seen_ids: dict[str, int] | None = None):
    """One table (or one chunk of a file) -> (items, rejects, warnings). ``seen_ids`` carries the ids of
    earlier chunks of the same source, so a duplicate id is rejected wherever it falls."""
    frame = table.frame
    n = len(frame)
    row_numbers = table.row_numbers or list(range(1, n + 1))
    rejects = [{"source": source, "row_number": r, "item_id": None, "reason": reason, "text": None}
               for r, reason in table.rejects]
    raw_texts = _joined(frame, cols.text)
    # a missing id (JSON null, an empty cell) is "": pandas' str dtype keeps it as NaN, not "nan"
    ids = [v.strip() if isinstance(v, str) else "" for v in frame[cols.id].astype(str)] if cols.id else [""] * n
    seen_ids = {} if seen_ids is None else seen_ids
    keep_idx, texts, truncated, item_ids = [], [], [], []
    n_truncated = 0
    prepared: dict[str, str] = {}  # exports repeat texts (templates, "Order status?"): clean and mask each once
    for i in range(n):
        row = row_numbers[i]
        raw = raw_texts[i]
        item_id = ids[i] if ids[i] and ids[i].lower() != "nan" else f"{source}#{row}"
        text = prepared.get(raw)
        if text is None:
            text = clean_text(raw) if raw else ""
            text = prepared[raw] = mask_pii(text) if redact else text
        reason = None
        if not raw.strip():
            reason = "empty text" if not raw else "whitespace-only text"
        elif not text:
            reason = "no text left after removing HTML, quoted replies and signatures"
        elif text.lower().strip(" .!") in _PLACEHOLDERS or text.strip().lower() in _PLACEHOLDERS:
            reason = f"placeholder text '{text[:20]}', not feedback"
        elif (noise := noise_reason(text)) is not None:  # emoji, a link alone, boilerplate, auto-reply, mashing
            reason = noise
        elif item_id in seen_ids:
            reason = f"duplicate id '{item_id}' (first seen in row {seen_ids[item_id]})"
        was_cut = False
        if reason is None and len(text) > settings.max_text_chars:
            if settings.long_text == "reject":
                reason = (f"text longer than {settings.max_text_chars} characters "
                          f"(raise settings.max_text_chars, or set long_text: truncate)")
            else:
                text, was_cut = truncate(text, settings.max_text_chars), True
                n_truncated += 1
        if reason:
            rejects.append({"source": source, "row_number": row, "item_id": item_id, "reason": reason,
                            "text": mask_pii(raw[:200]) if redact else raw[:200]})
            continue
        seen_ids[item_id] = row
        keep_idx.append(i)
        texts.append(text)
        truncated.append(was_cut)
        item_ids.append(item_id)
    warnings = []
    if n_truncated:
        msg = f"{source}: {n_truncated} text(s) longer than {settings.max_text_chars} characters were truncated."
        log.warning(msg)
        warnings.append(msg)
    kept = frame.iloc[keep_idx].reset_index(drop=True)
    base = pd.DataFrame({
        "item_id": item_ids,
        "source": source,
        "row_number": [row_numbers[i] for i in keep_idx],
        "text": texts,
        "date": _dates(kept[cols.date], dayfirst=table.decimal == ",") if cols.date else pd.Series(pd.NaT, index=kept.index, dtype="datetime64[ns, UTC]"),
        "score": _numbers(kept[cols.score], table.decimal) if cols.score else float("nan"),
        "score_kind": cols.score_kind,
        "channel_raw": kept[cols.channel].astype(str).str.strip() if cols.channel else None,
        "segment": kept[cols.segment].astype(str).str.strip() if cols.segment else None,
        "input_kind": cols.input_kind,
        "truncated": truncated,
    })
    if redact:  # the original text columns carry the same personal data
        kept = kept.assign(**{c: _masked(kept[c]) for c in cols.text})
    extras = kept.rename(columns={c: f"input_{c}" for c in kept.columns if c in _RESERVED})
    items = pd.concat([base, extras], axis=1)
    return items, pd.DataFrame(rejects, columns=REJECT_COLUMNS), warnings


_RESERVED = set(ITEM_BASE_COLUMNS) | set(OUTPUT_COLUMNS)


def _masked(values: pd.Series) -> pd.Series:
    """``mask_pii`` over a column, once per distinct value (subjects and templates repeat)."""
    done: dict[str, str] = {}

    def one(v):
        if not isinstance(v, str):  # numbers, None, lists from JSON: left as they are
            return v
        if v not in done:
            done[v] = mask_pii(v)
        return done[v]

    return values.map(one)


def _joined(frame: pd.DataFrame, columns) -> list[str]:
    parts = [frame[c].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)) for c in columns]
    out = []
    for values in zip(*parts):
        vals = [v.strip() for v in values if v and v.strip()]
        out.append("\n".join(vals) if vals else ("".join(values)))
    return out


def truncate(text: str, limit: int) -> str:
    """Cut at the last sentence end (or space) before ``limit`` characters."""
    head = text[:limit]
    cut = max(head.rfind(". "), head.rfind("! "), head.rfind("? "), head.rfind("\n"))
    if cut < limit // 2:
        cut = head.rfind(" ")
    return head[: cut + 1].rstrip() if cut > 0 else head


def _dates(s: pd.Series, dayfirst: bool = False) -> pd.Series:
    """Unparseable dates become NaT (the row is still analyzed). European exports are day-first."""
    return pd.to_datetime(s.astype(str).str.strip().replace("", None), errors="coerce", utc=True, format="mixed",
                          dayfirst=dayfirst)


def _numbers(s: pd.Series, decimal: str) -> pd.Series:
    vals = s.astype(str).str.strip()
    if decimal == ",":
        vals = vals.str.replace(",", ".", regex=False)
    return pd.to_numeric(vals, errors="coerce")


def qualify_colliding_ids(items: pd.DataFrame, segments: pd.DataFrame | None = None) -> None:
    """The same id in two sources (survey #1 and review #1) becomes 'source:id' so item_id stays a key.
    ``segments`` (with a ``source`` column) follow their items."""
    if items.empty:
        return
    per_id = items.groupby("item_id")["source"].nunique()
    clash = set(per_id[per_id > 1].index)
    for frame in (items, segments) if segments is not None else (items,):
        if clash:
            mask = frame["item_id"].isin(clash)
            frame.loc[mask, "item_id"] = frame.loc[mask, "source"] + ":" + frame.loc[mask, "item_id"]
