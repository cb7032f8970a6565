"""Read exported files into raw DataFrames (values as exported, one row per record): CSV/TSV/TXT (delimiter
and encoding detected), JSON (an array, or an object holding a list), JSONL, Parquet, XLSX. Fatal problems raise
``InputError`` naming the fix; row-level problems (a broken JSONL line) come back as rejects."""
from __future__ import annotations

import csv
import io
import json
import logging
import sys
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
    try:
        table = reader(p, encoding)
    except PermissionError as exc:
        raise InputError(f"{p}: permission denied, the file cannot be read. Fix: make it readable (chmod/chown), "
                         f"or copy it somewhere you can read it.") from exc
    except IsADirectoryError as exc:  # pragma: no cover - checked above; a race
        raise InputError(f"{p}: is a folder. Fix: pass the files inside it.") from exc
    table.frame.columns = clean_columns(table.frame.columns)
    if table.frame.shape[1] == 0 or (table.frame.empty and not table.rejects):
        raise InputError(f"{p}: no records found (only a header, or an empty list). Fix: check the export.")
    return table


def clean_columns(columns) -> list[str]:
    """Column names as text, stripped, and still unique ("a" and " a" become "a" and "a.1"): every later step
    selects columns by name and must get one column back."""
    out, seen = [], set()
    for c in columns:
        name = base = str(c).strip()
        k = 0
        while name in seen:
            k += 1
            name = f"{base}.{k}"
        seen.add(name)
        out.append(name)
    return out


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
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig", []
        except UnicodeDecodeError:
            return decode_lines(data[3:], path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: starts like a UTF-16 file (byte order mark) but is not valid UTF-16 ({exc.reason} "
                             f"at byte {exc.start}). Fix: re-export it, or pass its real encoding: "
                             f"{opt('encoding', 'latin-1')}.") from exc
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
    return decode_lines(data, path)


def decode_lines(data: bytes, path) -> tuple[str, str, list[str]]:
    """A file that is not valid UTF-8 as a whole: each line as UTF-8 where it is valid, else as cp1252 (latin-1
    for the five bytes cp1252 leaves undefined), with a warning that counts the lines read the other way. An
    export concatenated from a UTF-8 and a Windows system keeps both halves readable; a file that is cp1252
    throughout reads exactly as a whole-file cp1252 decode."""
    lines, fallback, utf8_non_ascii = [], 0, 0
    for line in data.split(b"\n"):
        try:
            text = line.decode("utf-8")
            utf8_non_ascii += not line.isascii()
        except UnicodeDecodeError:
            text = line.decode("cp1252", errors="strict") if _cp1252_ok(line) else line.decode("latin-1")
            fallback += 1
        lines.append(text)
    text = "\n".join(lines)
    if utf8_non_ascii:
        used = "utf-8+cp1252"
        msg = (f"{path}: mixes encodings: {fallback:,} line(s) are not valid UTF-8 and were read as cp1252 "
               f"(Windows), the rest as UTF-8. If accents look wrong in those rows, re-export the file as UTF-8 "
               f"or pass its real encoding: {both('encoding')}.")
    else:
        used = "cp1252"
        msg = (f"{path}: not valid UTF-8; read as cp1252. If accents look wrong in the report, "
               f"pass the file's real encoding: {both('encoding')}.")
    log.warning(msg)
    return text, used, [msg]


def _cp1252_ok(line: bytes) -> bool:
    try:
        line.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


_MAGIC = (b"PK\x03\x04", b"PAR1", b"\x1f\x8b", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0",
          b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf")


def _looks_binary(data: bytes) -> bool:
    """Known binary signatures, or NULs in more than 1% of the first 4,000 bytes without UTF-16's every other
    byte. A few stray NULs (one broken row) are not binary: ``drop_nuls`` removes them."""
    head = data[:4000]
    if head.startswith(_MAGIC):
        return True
    nuls = head.count(b"\x00")
    return max(len(head) // 100, 4) < nuls < len(head) // 4


def drop_nuls(text: str, path) -> tuple[str, list[str]]:
    """NUL characters removed (one corrupt row must not make the file unreadable), with a warning that counts
    the lines that held them."""
    if "\x00" not in text:
        return text, []
    lines = sum(1 for line in text.split("\n") if "\x00" in line)
    msg = f"{path}: {lines:,} line(s) held NUL characters (file corruption); they were removed from the text."
    log.warning(msg)
    return text.replace("\x00", ""), [msg]


# ---------------------------------------------------------------- formats


MAX_COLUMNS = 5000  # pandas takes minutes over a 100,000-column header; no feedback export has that many
SNIFF_CHARS = 64 * 1024  # the delimiter is guessed from at most this much text (a 100,000-column header is ~1 MB)


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text[:SNIFF_CHARS].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in ",;\t|"}
        return max(counts, key=counts.get) if any(counts.values()) else ","


def line_endings(text: str) -> str:
    """Rows end at \n (\r\n is made \n; a file with bare CRs only, old Mac style, gets \n for them). A CR
    left alone inside a row is text, as pandas' ``to_csv`` writes it unquoted, and stays in its cell."""
    if "\n" not in text:
        return text.replace("\r", "\n")
    return text.replace("\r\n", "\n")


def _read_csv(path: Path, encoding: str | None) -> RawTable:
    text, used, warnings = decode_bytes(path.read_bytes(), path, encoding)
    text, nul_warnings = drop_nuls(text, path)
    if not text.strip():
        raise InputError(f"{path}: file has no content (only whitespace). Fix: re-export it.")
    text = line_endings(text)
    delimiter = _sniff_delimiter(text)
    header = header_of(text, delimiter)
    if len(header) > MAX_COLUMNS:
        raise InputError(f"{path}: the header has {len(header):,} columns (delimiter {delimiter!r}); a feedback export "
                         f"has at most a few hundred, and this reader stops at {MAX_COLUMNS:,}. Fix: export only the "
                         f"columns you need, or check that the file is a CSV with one record per line.")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            skip_blank_lines=True, on_bad_lines="error", engine="c", lineterminator="\n")
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: no columns found. Fix: the first line must be a header row.") from exc
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        raise InputError(f"{path}: malformed CSV {where_csv_breaks(text, delimiter, exc)}. Fix: check the quotes "
                         f"and the number of fields on that line, or re-export with a standard delimiter.") from exc
    frame = frame.loc[:, [c for c in frame.columns if not (str(c).startswith("Unnamed:") and (frame[c] == "").all())]]
    decimal = "," if delimiter == ";" else "."  # European exports: "4,5" means 4.5
    warnings = warnings + nul_warnings + duplicate_columns(header, frame.columns, path)
    return RawTable(str(path), "csv", frame, encoding=used, delimiter=delimiter, decimal=decimal, warnings=warnings)


def header_of(text: str, delimiter: str) -> list[str]:
    """The header row's names as written (pandas renames repeats to ``name.1``)."""
    try:
        return [h.strip() for h in next(csv.reader(io.StringIO(text[: 4 * 2**20]), delimiter=delimiter))]
    except (StopIteration, csv.Error):
        return []


def duplicate_columns(header: list[str], columns, path) -> list[str]:
    """A warning naming columns that appear more than once in the header, and what they were renamed to."""
    seen: dict[str, int] = {}
    for h in header:
        seen[h] = seen.get(h, 0) + 1
    repeated = {h: n for h, n in seen.items() if n > 1 and h}
    if not repeated:
        return []
    cols = [str(c) for c in columns]
    names = "; ".join(f"{h!r} {n} times (read as {', '.join(repr(c) for c in cols if c == h or c.startswith(h + '.'))})"
                      for h, n in repeated.items())
    msg = f"{path}: duplicate column names in the header: {names}. Fix: rename them in the export if these are not the columns you expect."
    log.warning(msg)
    return [msg]


def where_csv_breaks(text: str, delimiter: str, exc: Exception) -> str:
    """"at line N (why)": the line of the first record the csv module cannot read, or whose field count differs
    from the header's; pandas' own message when it names a line."""
    import re

    found = re.search(r"line (\d+)|row (\d+)", str(exc))
    if found:
        return f"at line {found.group(1) or found.group(2)} ({exc})"
    limit = csv.field_size_limit(2**31 - 1)  # a long cell is not the error looked for
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        width = None
        for record in reader:
            if not record:
                continue
            width = width or len(record)
            if len(record) > width:
                return f"at line {reader.line_num}: {len(record)} fields where the header has {width} ({exc})"
    except csv.Error as err:
        return f"at line {reader.line_num} ({err})"
    finally:
        csv.field_size_limit(limit)
    return f"({exc})"


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
    if any(_too_deep(r) for r in records):
        raise InputError(f"{path}: records nested more than {MAX_DEPTH} levels deep. Fix: export flat records.")
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
    except RecursionError as exc:
        raise InputError(f"{path}: JSON nested too deeply to be records (more than ~{sys.getrecursionlimit()} "
                         f"levels). Fix: export flat records (an array of objects).") from exc
    except json.JSONDecodeError as exc:
        hint = " It looks like JSON Lines: rename it to .jsonl." if text.lstrip().startswith("{") and "\n{" in text else ""
        raise InputError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.{hint}") from exc
    try:
        frame = _frame_from_records(_records_from_json(obj, path), path)
    except RecursionError as exc:
        raise InputError(f"{path}: records nested too deeply to flatten. Fix: export flat records.") from exc
    return RawTable(str(path), "json", frame, encoding=used, warnings=warnings)


MAX_DEPTH = 64  # a record's fields nested deeper than this are not feedback records (flattening would recurse)


def _too_deep(obj, depth: int = 0) -> bool:
    if depth > MAX_DEPTH:
        return True
    if isinstance(obj, dict):
        return any(_too_deep(v, depth + 1) for v in obj.values() if isinstance(v, (dict, list)))
    if isinstance(obj, list):
        return any(_too_deep(v, depth + 1) for v in obj if isinstance(v, (dict, list)))
    return False


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
        except RecursionError:
            yield row, None, "JSON line nested too deeply"
            continue
        if isinstance(rec, dict) and _too_deep(rec):
            yield row, None, f"JSON line nested more than {MAX_DEPTH} levels deep"
            continue
        if not isinstance(rec, dict):
            yield row, None, f"JSON line is a {type(rec).__name__}, not an object"
            continue
        yield row, rec, None


def _read_jsonl(path: Path, encoding: str | None) -> RawTable:
    text, used, warnings = decode_bytes(path.read_bytes(), path, encoding)
    text, nul_warnings = drop_nuls(text, path)
    warnings += nul_warnings
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
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, engine="openpyxl",
                               header=None)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/ValueError for broken workbooks
        raise InputError(f"{path}: not a readable .xlsx workbook ({exc}). Fix: re-save it from Excel as .xlsx or export CSV.") from exc
    warnings: list[str] = []
    non_empty = {}
    for name, raw in sheets.items():
        frame = _sheet_records(raw, f"{path} [{name}]", warnings)
        if frame is not None:
            non_empty[name] = frame
    if not non_empty:
        raise InputError(f"{path}: every sheet is empty. Fix: check the export.")
    name, frame = next(iter(non_empty.items()))
    if len(non_empty) > 1:
        msg = f"{path}: read sheet '{name}' only; other sheets ({', '.join(list(non_empty)[1:])}) were ignored."
        log.warning(msg)
        warnings.append(msg)
    return RawTable(str(path), "xlsx", frame, warnings=warnings)


def _sheet_records(raw: pd.DataFrame, where: str, warnings: list[str]) -> pd.DataFrame | None:
    """A sheet read without a header: blank rows dropped (as a CSV's blank lines are: a stray value a million
    rows down must not make a million empty records), the first row left is the header, repeated names
    renamed ``name.1`` with a warning, blank trailing header cells named ``Unnamed: i``. None if no records."""
    if raw.empty:
        return None
    cells = raw.astype(str)
    filled = cells.apply(lambda col: col.str.strip().ne("")).any(axis=1)
    skipped = int((~filled).sum())
    raw = raw[filled]
    if raw.empty:
        return None
    header = [str(h).strip() for h in raw.iloc[0].tolist()]
    names, seen = [], {}
    for i, h in enumerate(header):
        h = h or f"Unnamed: {i}"
        names.append(h if h not in seen else f"{h}.{seen[h]}")
        seen[h] = seen.get(h, 0) + 1
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = names
    frame = frame.loc[:, [c for c in names if not (c.startswith("Unnamed:") and (frame[c] == "").all())]]
    if frame.empty:
        return None
    warnings += duplicate_columns(header, names, where)
    if skipped:
        log.info("%s: %d blank row(s) skipped", where, skipped)
    return frame
