"""Finished runs kept across runs, so re-running on an unchanged export skips ``finish`` and writing (like make).

``<cache_dir>/results/<key>/`` holds a run's output files (hard links to the files it wrote, copies across file
systems) and ``manifest.json`` (each file's size, mtime and sha256). The key (``result_key``) covers everything
the outputs depend on: the chained raw chunk keys of every input file (its rows as read, the config, models and
per-row options; chunk_cache.py), the options only ``finish`` and writing see (segment_by, xlsx...), the content
of the previous run's pain point state and of the curation file, the paths the report names, this package's own
files (read once, at import) and the versions of the libraries that cluster and write. An unknown ingredient
(an unreadable curation file...) means no caching. A hit links the files into the out folder (temp names, then
renamed; run.json last, with this run's timings) and returns a ``CachedResult`` that reads its tables back from
them. An entry whose files changed (size, mtime or checksum) is deleted with a warning and the run recomputed.
Least recently used entries are pruned past ``max_bytes`` (hard-linked bytes counted once), never the newest.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from functools import cache
from importlib import metadata
from pathlib import Path

import pandas as pd

from feedback2journey.files import link_or_copy, staged_outputs
from feedback2journey.run.chunk_cache import prune_lru
from feedback2journey.outputs.read_run import load_pain_points
from feedback2journey.painpoints.curate import STATE_JSON, STATE_NPY
from feedback2journey.run.result import JourneyResult
from feedback2journey.feel.encoder import default_path as sentiment_encoder_dir
from feedback2journey.feel.head import bundled_head_dirs

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the entry layout changes
DEFAULT_MAX_BYTES = 5 * 2**30
MANIFEST = "manifest.json"
VERSIONED = ("pandas", "pyarrow", "numpy", "scipy", "scikit-learn", "umap-learn", "pynndescent", "hdbscan",
             "bertopic", "numba", "jinja2", "openpyxl")  # the libraries finish and write_outputs run on


def _file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _files_digest(paths, root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(f"{p.relative_to(root).as_posix()}\0{_file_sha256(p)}\0".encode())
    return h.hexdigest()


def _package_digest() -> str:
    """Every file of the package (code, templates, schemas, bundled data), the bundled sentiment heads and the
    fine-tuned sentiment encoder (accurate mode's sentiment; models/ is outside the package in a checkout)."""
    pkg = Path(__file__).resolve().parents[1]  # the whole package, not only run/
    own = [p for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    enc = sentiment_encoder_dir()
    heads = [f"{d.name}:{_files_digest([p for p in d.rglob('*') if p.is_file()], d)}"
             for d in [*bundled_head_dirs(), *([enc] if enc.is_dir() else [])]]
    return hashlib.sha256(json.dumps([_files_digest(own, pkg), heads]).encode()).hexdigest()


# Read once, when the module is loaded: a file edited during a run must not name the code that ran.
SOURCE_DIGEST = _package_digest()


def source_digest() -> str:
    """This package's files as loaded (read at import): the chunk cache's keys include it too (batch.py)."""
    return SOURCE_DIGEST


@cache
def _versions() -> dict[str, str]:
    out = {}
    for dist in VERSIONED:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "-"
    return out


def _previous_digest(previous) -> str | None:
    """What ``curate.load_state`` reads from ``previous``: its state JSON and centroids (None if unreadable)."""
    if previous is None:
        return "none"
    p = Path(previous)
    meta = p / STATE_JSON if p.is_dir() else p
    if not meta.exists():
        return "none"  # load_state gives None, as for no previous run
    try:
        npy = meta.parent / json.loads(meta.read_text(encoding="utf-8")).get("centroids_file", STATE_NPY)
        return f"{_file_sha256(meta)}:{_file_sha256(npy)}"
    except (OSError, ValueError, AttributeError):
        return None


def _path_digest(path) -> str | None:
    """A file's or folder's content (a curation file, a trained head), its path as given (curation names it in
    run.json), "none" when absent or not given, None when unreadable."""
    if path is None or not Path(path).exists():
        return "none"
    p = Path(path)
    try:
        files = [f for f in p.rglob("*") if f.is_file()] if p.is_dir() else [p]
        return f"{path}:{_files_digest(files, p if p.is_dir() else p.parent)}"
    except OSError:
        return None


def result_key(chunk_keys: list[str], context: dict, *, previous=None, curation=None, model=None,
               **options) -> str | None:
    """The run's key, or None when an ingredient cannot be read (then nothing is cached). ``chunk_keys``: each
    input file's last chained raw chunk key (``chunk_cache.raw_chunk_key``); ``context``: what the per-row steps
    depend on; ``options``: the rest of what changes the outputs (JSON-able)."""
    parts = {"previous": _previous_digest(previous), "curation": _path_digest(curation), "model": _path_digest(model)}
    if None in parts.values():
        log.debug("result cache off: %s unreadable", [k for k, v in parts.items() if v is None])
        return None
    blob = {"format": FORMAT, "chunks": chunk_keys, "context": context, **parts, "options": options,
            "source": SOURCE_DIGEST, "versions": _versions()}
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()[:32]


class ResultCache:
    def __init__(self, folder: str | Path, max_bytes: int = DEFAULT_MAX_BYTES):
        self.dir = Path(folder)
        self.max_bytes = max_bytes

    def get(self, key: str) -> dict[str, Path] | None:
        """The entry's files (name -> path), checked against its manifest, or None. A damaged entry is deleted."""
        entry = self.dir / key
        try:
            manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            return self._damaged(entry, f"manifest unreadable: {exc}")
        files = {name: entry / name for name in manifest.get("files", {})}
        if manifest.get("format") != FORMAT or manifest.get("key") != key or "run.json" not in files:
            return self._damaged(entry, "written for another key or format")
        for name, want in manifest["files"].items():
            try:
                st = files[name].stat()
            except OSError:
                return self._damaged(entry, f"{name} is missing")
            if (st.st_size, st.st_mtime_ns) != (want["size"], want["mtime_ns"]):
                return self._damaged(entry, f"{name} was changed (size {st.st_size}, expected {want['size']})")
            if _file_sha256(files[name]) != want["sha256"]:
                return self._damaged(entry, f"{name} does not match its checksum")
        try:
            os.utime(entry)  # recently used: pruned last
        except OSError:
            pass
        return files

    def _damaged(self, entry: Path, why: str) -> None:
        log.warning("result cache entry %s is damaged (%s): computing the outputs again", entry, why)
        shutil.rmtree(entry, ignore_errors=True)
        return None

    def put(self, key: str, paths: dict[str, Path]) -> None:
        """Keep a finished run's output files (linked). Never raises: a run is not failed by its cache."""
        entry = self.dir / key
        if entry.exists():
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=self.dir))
        except OSError as exc:
            log.debug("result cache: %s not stored (%s)", key, exc)
            return
        try:
            files = {}
            for name, source in paths.items():
                link_or_copy(source, tmp / name)
                st = (tmp / name).stat()
                files[name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": _file_sha256(tmp / name)}
            (tmp / MANIFEST).write_text(json.dumps({"format": FORMAT, "key": key, "files": files}, indent=1))
            os.replace(tmp, entry)  # complete entries only
        except OSError as exc:  # another process stored it first, or the disk is full: the run goes on
            log.debug("result cache: %s not stored (%s)", key, exc)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        prune_lru(self.dir, self.max_bytes, keep=entry)


def restore(files: dict[str, Path], out_dir: Path, run_info: dict, started: float | None = None) -> dict[str, Path]:
    """Link ``files`` (an entry's, or an earlier run's outputs) and run.json (``run_info``) into a staging folder
    and swap them into ``out_dir`` as a set, as ``write_outputs`` does. ``started``: the run's start, for
    ``timings_s.total``. Returns name -> path."""
    with staged_outputs(out_dir) as stage:
        for name, source in files.items():
            if name != "run.json":
                link_or_copy(source, stage / name)
        if started is not None:
            run_info["timings_s"]["total"] = round(time.perf_counter() - started, 3)
        (stage / "run.json").write_text(json.dumps(run_info, indent=2, ensure_ascii=False, default=str),
                                        encoding="utf-8")
    paths = {name: out_dir / name for name in files}
    return paths


def _table(name: str, read):
    def get(self):
        if name not in self._tables:
            self._tables[name] = read(self.out_dir)
        return self._tables[name]

    def put(self, value):
        if value is not None:
            self._tables[name] = value
    return property(get, put)


class CachedResult(JourneyResult):
    """A run served from the result cache, as cheap as can be: ``run_info`` and ``journey`` are read at once,
    the tables from the outputs in ``out_dir`` on first use. So ``items`` and ``segments`` are the full written
    rows (text and input columns too, where a computed batch run gives the slim ones), ``pain_points`` as the
    ``pain-points`` command reads it. ``explorer`` is empty (it lives in report.html), and ``write`` links the
    files instead of rendering them again."""

    items = _table("items", lambda d: pd.read_parquet(d / "items.parquet"))
    segments = _table("segments", lambda d: pd.read_parquet(d / "segments.parquet"))
    rejected = _table("rejected", lambda d: pd.read_csv(d / "rejected.csv"))
    pain_points = _table("pain_points", lambda d: load_pain_points(d)[0])

    def __init__(self, paths: dict[str, Path], run_info: dict):
        self.paths, self.out_dir, self._tables = paths, paths["run.json"].parent, {}
        super().__init__(None, None, None, json.loads(paths["journey.json"].read_text(encoding="utf-8")), None,
                         run_info)

    def write(self, out_dir: str | Path, xlsx: bool = False) -> dict[str, Path]:
        if xlsx != ("journey.xlsx" in self.paths):
            raise ValueError(f"this run's outputs were taken from the result cache {'without' if xlsx else 'with'} "
                             "journey.xlsx: run it again with that option")
        return restore(self.paths, Path(out_dir), self.run_info)

