"""Read inputs as a stream of chunks, so memory does not grow with the size of an export.

Large CSV, JSONL and Parquet files are streamed (pandas' C parser in chunks, JSON lines, Parquet row
batches). Small files and formats that can't be streamed (JSON, XLSX) are read whole by ``read.read_table``,
the well-tested path, and then sliced. Either way each chunk is a ``RawTable`` whose ``row_numbers`` are the
file's own 1-based record numbers, so rejects point at the right row.

Paths may be local, globs, or any fsspec URL (``s3://bucket/tickets-*.csv`` when s3fs is installed).
"""
from __future__ import annotations

import codecs
import glob
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from feedback2journey.errors import both
from feedback2journey.inputs.read import (FORMATS, InputError, RawTable, _frame_from_records, _sniff_delimiter,
                                          clean_columns, duplicate_columns, header_of, json_lines, read_table)

log = logging.getLogger(__name__)

STREAM_MIN_BYTES = 64 * 2**20  # smaller files are read whole (fast, and every encoding fallback applies)
_BLOCK = 16 * 2**20


@dataclass
class InputFile:
    """One input as the batch engine sees it. ``url`` is a local path or an fsspec URL."""

    url: str
    size: int
    mtime: float | None
    fmt: str

    @property
    def is_local(self) -> bool:
        return "://" not in self.url or self.url.startswith("file://")

    @property
    def name(self) -> str:
        return Path(self.url.split("://", 1)[-1]).name


def expand_inputs(inputs: list[str | Path]) -> list[InputFile]:
    """Expand globs (local or remote) and check that every input exists and has a known format."""
    out: list[InputFile] = []
    for raw in inputs:
        text = str(raw)
        if "://" in text and not text.startswith("file://"):
            out.extend(_remote(text))
            continue
        local = text.removeprefix("file://")
        matches = sorted(glob.glob(local)) if glob.has_magic(local) else [local]
        if not matches:
            raise InputError(f"{text}: no file matches this pattern. Fix: check the path and the quotes around it.")
        for m in matches:
            p = Path(m)
            if not p.exists():
                raise InputError(f"{p}: file not found. Fix: check the path (globs are expanded by your shell).")
            if p.is_dir():
                raise InputError(f"{p}: is a folder. Fix: pass the files inside it, e.g. {p}/*.csv")
            if p.is_file() and not os.access(p, os.R_OK):
                raise InputError(f"{p}: permission denied, the file cannot be read. Fix: make it readable "
                                 f"(chmod/chown), or copy it somewhere you can read it.")
            st = p.stat()
            out.append(InputFile(str(p), st.st_size, st.st_mtime, _format_of(p.name, str(p))))
    return out


def _remote(url: str) -> list[InputFile]:
    try:
        import fsspec
    except ImportError as exc:  # pragma: no cover - fsspec comes with dask
        raise InputError(f"{url}: remote paths need fsspec. Fix: pip install fsspec s3fs") from exc
    try:
        fs, _, paths = fsspec.get_fs_token_paths(url)
    except (ImportError, ValueError) as exc:
        raise InputError(f"{url}: {exc}. Fix: install the filesystem's package (s3:// needs `pip install s3fs`).") from exc
    if not paths:
        raise InputError(f"{url}: no file matches. Fix: check the bucket, prefix and pattern.")
    protocol = url.split("://", 1)[0]
    files = []
    for p in sorted(paths):
        info = fs.info(p)
        mtime = info.get("mtime") or info.get("LastModified") or info.get("ETag")
        files.append(InputFile(f"{protocol}://{p}", int(info.get("size") or 0), str(mtime) if mtime else None,
                               _format_of(p, url)))
    return files


def _format_of(name: str, shown: str) -> str:
    kind = FORMATS.get(Path(name).suffix.lower())
    if kind is None:
        raise InputError(f"{shown}: unsupported format '{Path(name).suffix or '(no extension)'}'. "
                         f"Fix: export as CSV, JSON, JSONL, Parquet or XLSX.")
    return kind


def iter_chunks(file: InputFile, chunk_rows: int, encoding: str | None = None,
                stream_min_bytes: int = STREAM_MIN_BYTES) -> Iterator[RawTable]:
    """Yield the file as ``RawTable`` chunks of at most ``chunk_rows`` records (parse rejects included)."""
    try:
        yield from _chunks(file, chunk_rows, encoding, stream_min_bytes)
    except UnicodeDecodeError as exc:  # a streamed file that breaks its encoding after the part checked
        raise InputError(f"{file.url}: cannot be decoded as {exc.encoding} ({exc.reason} at byte {exc.start} of a "
                         f"block). Fix: pass the file's real encoding: {both('encoding')}.") from exc
    except PermissionError as exc:
        raise InputError(f"{file.url}: permission denied, the file cannot be read. Fix: make it readable "
                         f"(chmod/chown), or copy it somewhere you can read it.") from exc


def _chunks(file: InputFile, chunk_rows: int, encoding: str | None, stream_min_bytes: int) -> Iterator[RawTable]:
    streamable = file.fmt in ("csv", "jsonl", "parquet")
    if not streamable or (file.is_local and file.size < stream_min_bytes):
        yield from _sliced(_read_whole(file, encoding), chunk_rows)
    elif file.fmt == "parquet":
        yield from _parquet_chunks(file, chunk_rows)
    else:
        enc, errors, warnings = _stream_encoding(file, encoding)
        reader = _csv_chunks if file.fmt == "csv" else _jsonl_chunks
        first = True
        for table in reader(file, chunk_rows, enc, errors):
            if first:
                table.warnings = warnings + table.warnings
                first = False
            yield table


def _open(file: InputFile, mode: str = "rb"):
    if file.is_local:
        return open(file.url.removeprefix("file://"), mode)
    import fsspec

    return fsspec.open(file.url, mode).open()


def _read_whole(file: InputFile, encoding: str | None) -> RawTable:
    if file.is_local:
        return read_table(file.url.removeprefix("file://"), encoding=encoding, fmt=file.fmt)
    import tempfile

    import fsspec

    # Remote small files: copy to a temporary file so every reader and encoding fallback applies.
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / file.name
        fsspec.filesystem(file.url.split("://", 1)[0]).get(file.url, str(local))
        table = read_table(local, encoding=encoding, fmt=file.fmt)
    table.path = file.url
    return table


def _sliced(table: RawTable, chunk_rows: int) -> Iterator[RawTable]:
    n = len(table.frame)
    numbers = table.row_numbers or list(range(1, n + 1))
    starts = range(0, n, chunk_rows) if n else [0]
    for k, lo in enumerate(starts):
        yield RawTable(table.path, table.format, table.frame.iloc[lo: lo + chunk_rows].reset_index(drop=True),
                       encoding=table.encoding, delimiter=table.delimiter, decimal=table.decimal,
                       row_numbers=numbers[lo: lo + chunk_rows],
                       rejects=table.rejects if k == 0 else [], warnings=table.warnings if k == 0 else [])


def _cp1252_fallback(exc: UnicodeDecodeError):
    """Codec error handler: bytes that are not UTF-8 decoded as cp1252 (latin-1 where cp1252 has no character)."""
    bad = exc.object[exc.start:exc.end]
    try:
        return bad.decode("cp1252"), exc.end
    except UnicodeDecodeError:
        return bad.decode("latin-1"), exc.end


codecs.register_error("f2j-cp1252", _cp1252_fallback)


def _stream_encoding(file: InputFile, encoding: str | None) -> tuple[str, str, list[str]]:
    """(encoding, decode errors handler, warnings). The whole file is validated block by block (about 1 GB/s),
    as the whole-file reader does. A file that is not all UTF-8 is read as UTF-8 where it is valid and as
    cp1252 for the byte sequences that are not (``f2j-cp1252``), with a warning counting the lines concerned,
    so a UTF-8 export with some Windows rows keeps both readable."""
    if encoding:
        return encoding, "strict", []
    with _open(file) as fh:
        head = fh.read(4)
        if head.startswith(b"\xef\xbb\xbf"):
            return "utf-8-sig", "strict", []
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16", "strict", []
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := fh.read(_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
            return "utf-8", "strict", []
        except UnicodeDecodeError:
            pass
        fh.seek(0)
        bad = 0
        for line in fh:
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                bad += 1
    msg = (f"{file.url}: {bad:,} line(s) are not valid UTF-8; their other bytes were read as cp1252 (Windows). If "
           f"accents look wrong in those rows, re-export as UTF-8 or pass the file's real encoding: {both('encoding')}.")
    log.warning(msg)
    return "utf-8", "f2j-cp1252", [msg]


def _csv_chunks(file: InputFile, chunk_rows: int, encoding: str, errors: str = "strict") -> Iterator[RawTable]:
    with _open(file) as fh:
        sample = fh.read(256 * 1024).decode(encoding, errors="replace")
    delimiter = _sniff_delimiter(sample)
    decimal = "," if delimiter == ";" else "."
    crlf = "\r\n" in sample
    row = 0
    drop: list[str] | None = None
    with _open(file) as fh:
        try:
            # rows end at \n only: a bare CR inside a row (pandas' to_csv writes them unquoted) stays in its cell;
            # CRLF files get their CR stripped from each row's last cell below
            reader = pd.read_csv(fh, sep=delimiter, dtype=str, keep_default_na=False, skip_blank_lines=True,
                                 on_bad_lines="error", encoding=encoding, encoding_errors=errors,
                                 chunksize=chunk_rows, lineterminator="\n")
            for frame in reader:
                frame.columns = clean_columns(frame.columns)
                if crlf and len(frame.columns):
                    last = frame.columns[-1]
                    frame[last] = frame[last].str.removesuffix("\r")
                frame = frame.replace("\x00", "", regex=True) if _has_nul(frame) else frame
                if drop is None:  # empty trailing columns, decided once so every chunk has the same columns
                    drop = [c for c in frame.columns if c.startswith("Unnamed:") and (frame[c] == "").all()]
                    header = header_of(sample.replace("\r\n", "\n"), delimiter)
                    warnings = duplicate_columns(header, frame.columns, file.url)
                else:
                    warnings = []
                frame = frame.drop(columns=drop)
                numbers = list(range(row + 1, row + len(frame) + 1))
                row += len(frame)
                yield RawTable(file.url, "csv", frame.reset_index(drop=True), encoding=encoding, delimiter=delimiter,
                               decimal=decimal, row_numbers=numbers, warnings=warnings)
        except pd.errors.EmptyDataError as exc:
            raise InputError(f"{file.url}: no columns found. Fix: the first line must be a header row.") from exc
        except (pd.errors.ParserError, ValueError) as exc:
            raise InputError(f"{file.url}: malformed CSV after record {row} ({exc}). "
                             f"Fix: check the quotes and the number of fields on that line, or re-export with a "
                             f"standard delimiter.") from exc
    if row == 0:
        raise InputError(f"{file.url}: no records found (only a header). Fix: check the export.")


def _has_nul(frame: pd.DataFrame) -> bool:
    return any(frame[c].str.contains("\x00", regex=False).any() for c in frame.columns)


def _jsonl_chunks(file: InputFile, chunk_rows: int, encoding: str, errors: str = "strict") -> Iterator[RawTable]:
    records, numbers, rejects = [], [], []
    row = 0
    with _open(file) as raw:
        lines = (line.replace("\x00", "") for line in codecs.getreader(encoding)(raw, errors))
        for row, rec, reason in json_lines(lines):
            if reason:
                rejects.append((row, reason))
            else:
                records.append(rec)
                numbers.append(row)
            if len(records) + len(rejects) >= chunk_rows:
                yield RawTable(file.url, "jsonl", _frame_from_records(records, Path(file.url)), encoding=encoding,
                               row_numbers=numbers, rejects=rejects)
                records, numbers, rejects = [], [], []
    if row == 0:
        raise InputError(f"{file.url}: file has no content. Fix: re-export it.")
    if records or rejects:
        yield RawTable(file.url, "jsonl", _frame_from_records(records, Path(file.url)), encoding=encoding,
                       row_numbers=numbers, rejects=rejects)


def _parquet_chunks(file: InputFile, chunk_rows: int) -> Iterator[RawTable]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(_open(file))
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise InputError(f"{file.url}: not a readable Parquet file ({exc}). Fix: re-export it.") from exc
    row = 0
    for batch in pf.iter_batches(batch_size=chunk_rows):
        frame = batch.to_pandas()
        frame.columns = clean_columns(frame.columns)
        yield RawTable(file.url, "parquet", frame, row_numbers=list(range(row + 1, row + len(frame) + 1)))
        row += len(frame)
