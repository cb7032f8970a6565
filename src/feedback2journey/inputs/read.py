"""Read exported feedback files into raw DataFrames (all values as exported, one row per record).

Formats: CSV/TSV/TXT (delimiter and encoding detected), JSON (array, or object holding a list of
records), JSONL, Parquet, XLSX. Fatal problems raise ``InputError`` with a message that names the fix;
row-level problems (a broken JSONL line) come back as rejects.
"""
from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from feedback2journey.errors import UserError, both, opt

log = logging.getLogger(__name__)

FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "jsonl",
           ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_RECORD_KEYS = ("records", "data", "items", "results", "rows", "reviews", "responses", "tickets", "entries")


class InputError(UserError):
    """An input cannot be read at all. The message says what to do."""


@dataclass
class RawTable:
    """One input file as read: every column as exported, plus how it was read."""

    path: str
    format: str
    frame: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    row_numbers: list[int] | None = None  # 1-based record numbers when some records were rejected while parsing
    rejects: list[tuple[int, str]] = field(default_factory=list)  # (row_number, reason)
    warnings: list[str] = field(default_factory=list)


def read_table(path: str | Path, encoding: str | None = None, fmt: str | None = None) -> RawTable:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: file not found. Fix: check the path (globs are expanded by your shell).")
    if p.is_dir():
        raise InputError(f"{p}: is a folder. Fix: pass the files inside it, e.g. {p}/*.csv")
    kind = fmt or FORMATS.get(p.suffix.lower())
    if kind is None:
        raise InputError(
            f"{p}: unsupported format '{p.suffix or '(no extension)'}'. "
            f"Fix: export it as CSV, JSON, JSON Lines, Parquet or XLSX (a CSV file with another extension: rename it "
            f"to .csv)."
        )
    if p.stat().st_size == 0:
        raise InputError(f"{p}: file is empty (0 bytes). Fix: re-export it; nothing can be analyzed.")
    reader = {"csv": _read_csv, "json": _read_json, "jsonl": _read_jsonl,
              "parquet": _read_parquet, "xlsx": _read_xlsx}[kind]
    table = reader(p, encoding)
    table.frame.columns = [str(c).strip() for c in table.frame.columns]
    if table.frame.shape[1] == 0 or (table.frame.empty and not table.rejects):
        raise InputError(f"{p}: no records found (only a header, or an empty list). Fix: check the export.")
    return table


# ---------------------------------------------------------------- text decoding


def decode_bytes(data: bytes, path: Path, encoding: str | None) -> tuple[str, str, list[str]]:
    """Return (text, encoding used, warnings). Auto: BOMs, UTF-8, UTF-16 without BOM, then cp1252/latin-1."""
    if encoding:
        try:
            return data.decode(encoding), encoding, []
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(
                f"{path}: cannot be decoded as {encoding} ({exc}). "
                f"Fix: try {opt('encoding', 'latin-1')} (Western European Excel exports) or {opt('encoding', 'utf-16')}."
            ) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig", []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", []
    if _looks_binary(data):
        raise InputError(f"{path}: looks like a binary file, not text. Fix: export as CSV/JSON, or use the .parquet/.xlsx extension that matches its content.")
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    sample = data[:4000]
    if sample.count(b"\x00") > len(sample) // 4:  # UTF-16 without BOM: every other byte is NUL
        order = "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(order), order, []
        except UnicodeDecodeError:
            pass
    for fallback in ("cp1252", "latin-1"):
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            continue
        msg = (f"{path}: not valid UTF-8; read as {fallback}. If accents look wrong in the report, "
               f"pass the file's real encoding: {both('encoding')}.")
        log.warning(msg)
        return text, fallback, [msg]
    raise InputError(f"{path}: cannot decode. Fix: pass {opt('encoding')}.")  # pragma: no cover (latin-1 decodes any bytes)


def _looks_binary(data: bytes) -> bool:
    head = data[:4000]
    if head.startswith((b"PK\x03\x04", b"PAR1", b"\x1f\x8b", b"%PDF")):
        return True
    return b"\x00" in head and head.count(b"\x00") < len(head) // 4  # stray NULs (not UTF-16)


# ---------------------------------------------------------------- formats


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in ",;\t|"}
        return max(counts, key=counts.get) if any(counts.values()) else ","


def _read_csv(path: Path, encoding: str | None) -> RawTable:
    text, used, warnings = decode_bytes(path.read_bytes(), path, encoding)
    if not text.strip():
        raise InputError(f"{path}: file has no content (only whitespace). Fix: re-export it.")
    delimiter = _sniff_delimiter(text)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            skip_blank_lines=True, on_bad_lines="error", engine="python")
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: no columns found. Fix: the first line must be a header row.") from exc
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError(f"{path}: malformed CSV ({exc}). Fix: check quoting, or re-export with a standard delimiter.") from exc
    frame = frame.loc[:, [c for c in frame.columns if not (str(c).startswith("Unnamed:") and (frame[c] == "").all())]]
    decimal = "," if delimiter == ";" else "."  # European exports: "4,5" means 4.5
    return RawTable(str(path), "csv", frame, encoding=used, delimiter=delimiter, decimal=decimal, warnings=warnings)


def _records_from_json(obj, path: Path) -> list:
    if isinstance(obj, list):
        return obj
    if isinstance(obj, dict):
        for key in _RECORD_KEYS:
            if isinstance(obj.get(key), list):
                return obj[key]
        lists = [k for k, v in obj.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
        if len(lists) == 1:
            return obj[lists[0]]
        raise InputError(
            f"{path}: a JSON object, but no single list of records inside (keys: {', '.join(map(str, obj))}). "
            f"Fix: export an array of records, or an object with a 'records' list."
        )
    raise InputError(f"{path}: JSON must be an array of records or an object with a list of records.")


def _frame_from_records(records: list, path: Path) -> pd.DataFrame:
    if records and not all(isinstance(r, dict) for r in records):
        raise InputError(f"{path}: records must be JSON objects ({{\"text\": ...}}), found {type(records[0]).__name__}.")
    frame = pd.json_normalize(records, sep=".") if records else pd.DataFrame()
    for col in frame.columns:  # nested lists would break Parquet/CSV: keep them as JSON text
        if frame[col].map(lambda v: isinstance(v, (list, dict))).any():
            frame[col] = frame[col].map(lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
    return frame


def _read_json(path: Path, encoding: str | None) -> RawTable:
    text, used, warnings = decode_bytes(path.read_bytes(), path, encoding)
    if not text.strip():
        raise InputError(f"{path}: file has no content. Fix: re-export it.")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " It looks like JSON Lines: rename it to .jsonl." if text.lstrip().startswith("{") and "\n{" in text else ""
        raise InputError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.{hint}") from exc
    frame = _frame_from_records(_records_from_json(obj, path), path)
    return RawTable(str(path), "json", frame, encoding=used, warnings=warnings)


def json_lines(lines: Iterable[str]) -> Iterator[tuple[int, dict | None, str | None]]:
    """(record number, record, None), or (record number, None, reason it is rejected); blank lines skipped."""
    row = 0
    for line in lines:
        if not line.strip():
            continue
        row += 1
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield row, None, f"invalid JSON line: {exc.msg} at column {exc.colno}"
            continue
        if not isinstance(rec, dict):
            yield row, None, f"JSON line is a {type(rec).__name__}, not an object"
            continue
        yield row, rec, None


def _read_jsonl(path: Path, encoding: str | None) -> RawTable:
    text, used, warnings = decode_bytes(path.read_bytes(), path, encoding)
    records, numbers, rejects = [], [], []
    row = 0
    for row, rec, reason in json_lines(text.splitlines()):
        if reason:
            rejects.append((row, reason))
        else:
            records.append(rec)
            numbers.append(row)
    if row == 0:
        raise InputError(f"{path}: file has no content. Fix: re-export it.")
    frame = _frame_from_records(records, path)
    return RawTable(str(path), "jsonl", frame, encoding=used, row_numbers=numbers, rejects=rejects, warnings=warnings)


def _read_parquet(path: Path, encoding: str | None) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise InputError(f"{path}: not a readable Parquet file ({exc}). Fix: re-export it, or fix the extension.") from exc
    return RawTable(str(path), "parquet", frame)


def _read_xlsx(path: Path, encoding: str | None) -> RawTable:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises zipfile/KeyError/ValueError for broken workbooks
        raise InputError(f"{path}: not a readable .xlsx workbook ({exc}). Fix: re-save it from Excel as .xlsx or export CSV.") from exc
    non_empty = {name: df for name, df in sheets.items() if not df.empty}
    if not non_empty:
        raise InputError(f"{path}: every sheet is empty. Fix: check the export.")
    name, frame = next(iter(non_empty.items()))
    warnings = []
    if len(non_empty) > 1:
        msg = f"{path}: read sheet '{name}' only; other sheets ({', '.join(list(non_empty)[1:])}) were ignored."
        log.warning(msg)
        warnings.append(msg)
    return RawTable(str(path), "xlsx", frame, warnings=warnings)
