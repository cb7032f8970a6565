"""Where a run's per-chunk tables wait between the per-row steps and ``finish``: in memory (``analyze``, one
chunk) or on disk (``run_batch``, one set of part files per chunk).

``finish`` holds only the slim columns it aggregates (``SEGMENT_FINISH_COLUMNS``, items without their text
and input columns), so its memory grows by about two hundred bytes per segment, not by the texts, the
evidence strings or the embeddings. The full output rows are put together again chunk by chunk when they are written
(``assemble_items`` / ``assemble_segments``), by ``analyze`` and ``run_batch`` alike.
"""
from __future__ import annotations

import json
import logging
import shutil
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from feedback2journey import __version__
from feedback2journey.files import INTERNAL_PARQUET, atomic_write, link_or_copy, parquet_safe
from feedback2journey.schema import ITEM_EXTRA_COLUMNS, OUTPUT_COLUMNS, REJECT_COLUMNS, SEGMENT_COLUMNS, \
    SEGMENT_EXTRA_COLUMNS

log = logging.getLogger(__name__)

WORK_DIR = ".f2j-work"
# files only this package reads back (parts, the chunk cache, write staging): LZ4 writes about twice and reads about
# three times as fast as the default Snappy at the same size (a 20,000-segment chunk); the published outputs stay Snappy

# what finish holds of every segment (source: ids that collide across inputs). Not the text: clustering and
# quotes read it chunk by chunk for the rows they need.
SEGMENT_FINISH_COLUMNS = ["item_id", "source", "stage", "stage_confidence", "touchpoint", "touchpoint_confidence", "channel",
                          "sentiment", "sentiment_label", "emotion", "emotion_intensity", "effort", "is_closer", "language",
                          "mixed", "neutral_probability"]
# items columns that only the written files need (finish never reads them)
_ITEM_ONLY_IN_FILES = {"text"}
_INTERNAL_ITEM_COLUMNS = {"channel_raw", "input_kind"}


def item_finish_columns(columns, keep: str | None = None) -> list[str]:
    """The item columns finish reads: the standard ones (not the text), plus ``keep`` (a --segment-by column)."""
    standard = set(OUTPUT_COLUMNS) | set(ITEM_EXTRA_COLUMNS) | _INTERNAL_ITEM_COLUMNS
    return [c for c in columns if (c in standard and c not in _ITEM_ONLY_IN_FILES) or c == keep]


def assemble_items(items: pd.DataFrame, rolled: pd.DataFrame) -> pd.DataFrame:
    """Output rows of one chunk: ``rolled`` (finish's item columns, same rows and order) plus the text and the
    input's own columns from ``items`` (the chunk as ingested)."""
    known = set(OUTPUT_COLUMNS) | set(ITEM_EXTRA_COLUMNS) | _INTERNAL_ITEM_COLUMNS
    out = rolled[[c for c in rolled.columns if c in known]].reset_index(drop=True)  # a --segment-by column: below
    out.insert(OUTPUT_COLUMNS.index("text"), "text", items["text"].to_numpy())
    extras = items[[c for c in items.columns if c not in known]]  # the input's own columns, in its order
    return pd.concat([out, extras.reset_index(drop=True)], axis=1)


def assemble_segments(segments: pd.DataFrame, item_id, pain_point_id, stage_group) -> pd.DataFrame:
    """Output rows of one chunk: the chunk's segments with finish's ids (item ids made unique across inputs,
    pain points, stage groups), in the published column order."""
    out = segments.assign(item_id=np.asarray(item_id, dtype=object), pain_point_id=np.asarray(pain_point_id, dtype=object),
                          stage_group=np.asarray(stage_group, dtype=object))
    out["item_id"] = out["item_id"].astype(segments["item_id"].dtype)
    return out[SEGMENT_COLUMNS + SEGMENT_EXTRA_COLUMNS].reset_index(drop=True)


class MemoryParts:
    """One in-memory chunk (``analyze``): the same interface as ``PartStore``."""

    in_memory = True

    def __init__(self, items: pd.DataFrame, segments: pd.DataFrame, targets: np.ndarray, rejected: pd.DataFrame):
        self._items, self._segments = items.reset_index(drop=True), segments.reset_index(drop=True)
        self._targets, self._rejected = targets, rejected
        self.chunks = [0]

    def items(self, n: int, columns: list[str] | None = None) -> pd.DataFrame:
        return self._items if columns is None else self._items[[c for c in columns if c in self._items]]

    def item_columns(self, n: int) -> list[str]:
        return list(self._items.columns)

    def segments(self, n: int, columns: list[str] | None = None) -> pd.DataFrame:
        return self._segments if columns is None else self._segments[columns]

    def targets(self, n: int) -> np.ndarray:
        return self._targets

    def table(self, name: str, columns: list[str]) -> tuple[pd.DataFrame, list[int]]:
        frame = self._items if name == "items" else self._segments
        return frame[[c for c in columns if c in frame]].copy(), [len(frame)]

    def rejected(self) -> pd.DataFrame:
        return self._rejected.reset_index(drop=True)


class PartStore:
    """The work folder of one batch run: a manifest, and per chunk its part files and a done marker."""

    # one chunk's files; done.json (the marker, holding the chunk's meta) is written last
    PART_FILES = ("items.parquet", "segments.parquet", "rejected.parquet", "targets.npy", "done.json")

    in_memory = False

    def __init__(self, out_dir: Path, key: str):
        self.dir = Path(out_dir) / WORK_DIR
        self.key = key
        self.chunks: list[int] = []  # the chunks of this run, in order (set by run_batch)
        manifest = self.dir / "manifest.json"
        if self.dir.exists():
            old = json.loads(manifest.read_text()) if manifest.exists() else {}
            if old.get("key") != key:
                log.warning("%s holds an unfinished run with other inputs or options: starting over", self.dir)
                shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        if not manifest.exists():
            blob = {"key": key, "version": __version__, "run_id": uuid.uuid4().hex}
            atomic_write(manifest, lambda p: p.write_text(json.dumps(blob)))
        self.run_id = json.loads(manifest.read_text())["run_id"]  # the same when a killed run resumes

    def _path(self, n: int, name: str) -> Path:
        return self.dir / f"chunk-{n:06d}.{name}"

    def done(self, n: int) -> dict | None:
        marker = self._path(n, "done.json")
        return json.loads(marker.read_text()) if marker.exists() else None

    def write(self, n: int, items: pd.DataFrame, segments: pd.DataFrame, targets: np.ndarray,
              rejects: pd.DataFrame, meta: dict) -> None:
        atomic_write(self._path(n, "items.parquet"), lambda p: parquet_safe(items).to_parquet(p, **INTERNAL_PARQUET))
        atomic_write(self._path(n, "segments.parquet"), lambda p: segments.to_parquet(p, **INTERNAL_PARQUET))
        atomic_write(self._path(n, "rejected.parquet"),
                     lambda p: rejects.astype({"item_id": object, "text": object}).to_parquet(p, **INTERNAL_PARQUET))
        with open(self._path(n, "targets.npy.tmp"), "wb") as fh:
            np.save(fh, targets.astype(np.float32))
        self._path(n, "targets.npy.tmp").replace(self._path(n, "targets.npy"))
        # the marker last: a chunk without it is redone
        atomic_write(self._path(n, "done.json"), lambda p: p.write_text(json.dumps(meta)))

    def part_files(self, n: int) -> dict[str, Path]:
        return {name: self._path(n, name) for name in self.PART_FILES}

    def adopt(self, n: int, files: dict[str, Path]) -> dict:
        """Chunk ``n`` from another run's finished part files (the chunk cache): linked, or copied across file
        systems, the marker last. Returns the chunk's meta (as ``done``)."""
        meta = json.loads(files["done.json"].read_text())  # a damaged entry fails here, before any link
        for name in self.PART_FILES:  # done.json is last in PART_FILES
            target = self._path(n, name)
            tmp = target.with_name(target.name + ".tmp")
            tmp.unlink(missing_ok=True)
            link_or_copy(files[name], tmp)
            tmp.replace(target)
        return meta

    def item_ids(self, n: int) -> pd.DataFrame:
        return pd.read_parquet(self._path(n, "items.parquet"), columns=["item_id", "row_number"])

    def item_columns(self, n: int) -> list[str]:
        import pyarrow.parquet as pq

        return list(pq.read_schema(self._path(n, "items.parquet")).names)

    def items(self, n: int, columns: list[str] | None = None) -> pd.DataFrame:
        cols = None if columns is None else [c for c in columns if c in self.item_columns(n)]
        return pd.read_parquet(self._path(n, "items.parquet"), columns=cols)

    def segments(self, n: int, columns: list[str] | None = None) -> pd.DataFrame:
        return pd.read_parquet(self._path(n, "segments.parquet"), columns=columns)

    def targets(self, n: int) -> np.ndarray:
        return np.load(self._path(n, "targets.npy"))

    def table(self, name: str, columns: list[str]) -> tuple[pd.DataFrame, list[int]]:
        """``columns`` of every chunk's items or segments as one frame (converted once, from Arrow: no second
        copy of millions of rows), and each chunk's row count. A column a chunk lacks is empty there."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        tables = []
        for n in self.chunks:
            path = self._path(n, f"{name}.parquet")
            tables.append(pq.read_table(path, columns=[c for c in columns if c in pq.read_schema(path).names]))
        if not tables:
            return pd.DataFrame(columns=columns), []
        sizes = [t.num_rows for t in tables]
        # a chunk whose rows were all rejected has columns of no particular type: it must not blur the others
        joined = pa.concat_tables([t for t in tables if t.num_rows] or tables[:1], promote_options="permissive")
        del tables
        return joined.to_pandas(), sizes

    def rejected(self) -> pd.DataFrame:
        parts = [pd.read_parquet(self._path(n, "rejected.parquet")) for n in self.chunks]
        rows = [p for p in parts if len(p)] or parts[:1]  # an all-rejected chunk must not blur dtypes
        frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=REJECT_COLUMNS)
        return frame.reindex(columns=REJECT_COLUMNS)

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
