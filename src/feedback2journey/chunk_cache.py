"""Per-chunk results kept across runs, so an unchanged export (or the unchanged first months of a growing one)
skips the per-row steps entirely: segments, classification, sentiment and the clustering rows' embeddings.

A chunk's key is a hash of its ingested rows (every column, after redaction) plus everything that changes the
per-row results: the package version, the config, the models and the options. So a changed row, taxonomy, model
or option is a miss, and a re-downloaded file with the same content is a hit. Entries live beside the embedding
cache (``<cache_dir>/chunks/<key>/``); the least recently used are pruned past ``max_bytes``.
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

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 2**30


def chunk_key(items: pd.DataFrame, context: dict) -> str:
    """Content hash of a chunk's ingested rows and of what the per-row steps depend on (``context``)."""
    h = hashlib.sha256(json.dumps(context, sort_keys=True, default=str).encode())
    h.update(json.dumps([list(map(str, items.columns)), [str(t) for t in items.dtypes]]).encode())
    h.update(pd.util.hash_pandas_object(items, index=False).to_numpy().tobytes())
    return h.hexdigest()[:32]


class ChunkCache:
    def __init__(self, folder: str | Path, max_bytes: int = DEFAULT_MAX_BYTES):
        self.dir = Path(folder)
        self.max_bytes = max_bytes
        self.hits = self.misses = 0

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

    def put(self, key: str, segments: pd.DataFrame, targets: np.ndarray) -> None:
        entry = self.dir / key
        if entry.exists():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=self.dir))
        try:
            segments.to_parquet(tmp / "segments.parquet", index=False)
            np.save(tmp / "targets.npy", np.asarray(targets, dtype=np.float32))
            os.replace(tmp, entry)  # complete entries only
        except OSError as exc:  # another process wrote it first, or the disk is full: the run goes on
            log.debug("chunk cache: %s not stored (%s)", key, exc)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self._prune()

    def _prune(self) -> None:
        entries = []
        for entry in self.dir.iterdir():
            if entry.is_dir() and not entry.name.startswith("."):
                size = sum(f.stat().st_size for f in entry.iterdir())
                entries.append((entry.stat().st_mtime, size, entry))
        total = sum(e[1] for e in entries)
        for _, size, entry in sorted(entries, key=lambda e: e[0]):
            if total <= self.max_bytes:
                break
            shutil.rmtree(entry, ignore_errors=True)
            total -= size

    def stats(self) -> dict:
        return {"path": str(self.dir), "hits": self.hits, "misses": self.misses}
