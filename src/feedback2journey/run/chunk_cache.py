"""Per-chunk results kept across runs, so an unchanged export (or the unchanged first months of a growing one)
skips the per-row steps entirely: segments, classification, sentiment and the clustering rows' embeddings.

Two kinds of entry, both beside the embedding cache (``<cache_dir>/chunks/``; the least recently used are
pruned past ``max_bytes``):

* **Finished chunks** (``raw-<key>/``): the chunk's part files as the run stored them (items, segments,
  rejects, clustering embeddings, meta). The key chains the chunk's rows *as read* with the keys of the
  file's earlier chunks (``raw_chunk_key``), because ingest depends on them (duplicate ids are rejected
  against earlier rows). A hit skips ingest too: the files are linked (or copied) into the run's work folder.
* **Per-row results** (``<key>/``): segments and clustering embeddings, keyed by the chunk's rows *after*
  ingest. The fallback when the rows as read differ but ingest gives the same rows (a file re-exported with
  another column order or rows inserted before), or an earlier chunk changed.

Entries are hard links to the run's part files (copies when the cache is on another file system), so the two
entries of a chunk share their bytes. Both keys include everything that changes the results: the package
version and its files' digest (any code edit), the config, the models and the options. So a changed row,
taxonomy, model, option or line of code is a miss, and a re-downloaded file with the same content is a hit.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from feedback2journey.files import link_or_copy

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 2**30


def chunk_key(items: pd.DataFrame, context: dict) -> str:
    """Content hash of a chunk's ingested rows and of what the per-row steps depend on (``context``)."""
    h = hashlib.sha256(json.dumps(context, sort_keys=True, default=str).encode())
    h.update(json.dumps([list(map(str, items.columns)), [str(t) for t in items.dtypes]]).encode())
    h.update(pd.util.hash_pandas_object(items, index=False).to_numpy().tobytes())
    return h.hexdigest()[:32]


def raw_chunk_key(table, previous: str) -> str:
    """Key of a chunk as read (``read.RawTable``): its records, parse rejects and dialect, chained to
    ``previous`` (the file's earlier chunk key, or a hash of the run context and source for the first)."""
    h = hashlib.sha256(previous.encode())
    frame = table.frame
    h.update(json.dumps([list(map(str, frame.columns)), [str(t) for t in frame.dtypes], table.format,
                         table.encoding, table.delimiter, table.decimal, table.row_numbers, table.rejects],
                        default=str).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()[:32]


def context_key(context: dict) -> str:
    return hashlib.sha256(json.dumps(context, sort_keys=True, default=str).encode()).hexdigest()[:32]


def prune_lru(folder: Path, max_bytes: int, keep: Path | None = None) -> None:
    """Remove the least recently used entries (sub-folders, by mtime) of ``folder`` until their files take at
    most ``max_bytes``; bytes shared by hard links count once. ``keep`` (an entry just stored) stays."""
    entries, seen = [], set()
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.name.startswith("."):
            size = 0
            try:
                for f in entry.iterdir():
                    st = f.stat()
                    if (st.st_dev, st.st_ino) not in seen:  # bytes shared by hard links count once
                        seen.add((st.st_dev, st.st_ino))
                        size += st.st_size
                entries.append((entry.stat().st_mtime, size, entry))
            except FileNotFoundError:  # removed by another process meanwhile
                continue
    total = sum(e[1] for e in entries)
    for _, size, entry in sorted(entries, key=lambda e: e[0]):
        if total <= max_bytes:
            break
        if entry != keep:
            shutil.rmtree(entry, ignore_errors=True)
            total -= size


class ChunkCache:
    def __init__(self, folder: str | Path, max_bytes: int = DEFAULT_MAX_BYTES):
        self.dir = Path(folder)
        self.max_bytes = max_bytes
        self.hits = self.misses = 0  # per-row results
        self.replayed = 0  # finished chunks

    def get(self, key: str) -> tuple[pd.DataFrame, np.ndarray] | None:
        entry = self.dir / key
        try:
            segments = pd.read_parquet(entry / "segments.parquet")
            targets = np.load(entry / "targets.npy")
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception as exc:  # a damaged entry is recomputed, never trusted
            log.warning("chunk cache entry %s is unreadable (%s): recomputing it", entry, exc)
            shutil.rmtree(entry, ignore_errors=True)
            self.misses += 1
            return None
        os.utime(entry)  # recently used: pruned last
        self.hits += 1
        return segments, targets

    def put(self, key: str, files: dict[str, Path]) -> None:
        """Per-row results of a chunk: its stored ``segments.parquet`` and ``targets.npy`` (linked)."""
        self._store(key, {name: files[name] for name in ("segments.parquet", "targets.npy")})

    def get_parts(self, key: str, names) -> dict[str, Path] | None:
        """A finished chunk's part files (``names``), or None."""
        entry = self.dir / f"raw-{key}"
        files = {name: entry / name for name in names}
        if not all(f.exists() for f in files.values()):
            return None
        os.utime(entry)
        self.replayed += 1
        return files

    def discard_parts(self, key: str) -> None:
        """Forget a finished chunk that ``get_parts`` returned but could not be used (damaged)."""
        shutil.rmtree(self.dir / f"raw-{key}", ignore_errors=True)
        self.replayed -= 1

    def put_parts(self, key: str, files: dict[str, Path]) -> None:
        """A finished chunk: all its part files (linked)."""
        self._store(f"raw-{key}", files)

    def _store(self, name: str, files: dict[str, Path]) -> None:
        """An entry made of hard links to the run's part files (copies across file systems), so the per-row
        results and the finished chunk share their bytes with each other and with the run."""
        entry = self.dir / name
        if entry.exists():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=self.dir))
        try:
            for file, source in files.items():
                link_or_copy(source, tmp / file)
            os.replace(tmp, entry)  # complete entries only
        except OSError as exc:  # another process stored it first, or the disk is full: the run goes on
            log.debug("chunk cache: %s not stored (%s)", name, exc)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self._prune()

    def _prune(self) -> None:
        prune_lru(self.dir, self.max_bytes)

    def stats(self) -> dict:
        """``hits``: chunks whose per-row steps were skipped, ``replayed`` of them whole (ingest skipped too);
        ``misses``: chunks computed."""
        return {"path": str(self.dir), "hits": self.hits + self.replayed, "replayed": self.replayed,
                "misses": self.misses}
