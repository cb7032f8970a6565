"""What a re-run of pain point clustering does not compute again.

* **Numba's compiled code** (``enable_numba_cache``): umap-learn and pynndescent JIT-compile a few hundred
  functions on first use (~40 s per process on a 2-core machine). Their module-level dispatchers get a disk
  cache in ``<user cache>/numba``, so a later process loads the machine code instead. Functions that take
  another jitted function as an argument (pynndescent's ``nn_descent`` and its helpers) embed that
  function's address and cannot be cached by numba: they are still compiled in every process (~8 s).
  Cached code is the same code: results are identical bit for bit. ``F2J_NUMBA_CACHE=0`` turns it off.
* **Whole clusterings** (``ClusteringCache``): a fit on the same texts, embeddings, parameters and library
  versions is stored (one ``.npz`` per key, no pickle) and read back instead of being refitted; UMAP,
  HDBSCAN and BERTopic are then not even imported. Bounded: the ``keep`` most recently used entries stay.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np

from feedback2journey.painpoints.labels import Cluster
from feedback2journey.painpoints.model import Clustering
from feedback2journey.resources import default_cache_dir

log = logging.getLogger(__name__)

FORMAT = 2  # bump when the stored layout or the algorithm changes (2: exact kNN for UMAP, cluster_knn)
NUMBA_PACKAGES = ("umap", "pynndescent")
VERSIONED = ("feedback2journey", "umap-learn", "pynndescent", "hdbscan", "bertopic", "numpy", "scipy",
             "scikit-learn", "numba")
_numba_done: set[str] = set()


def numba_cache_dir() -> Path:
    return default_cache_dir() / "numba"


def enable_numba_cache(folder: str | Path | None = None) -> int:
    """Give every module-level numba dispatcher of umap-learn and pynndescent a disk cache in ``folder``
    (default ``numba_cache_dir()``). Imports umap. Returns how many dispatchers were switched (0 when off,
    already done, or the folder is not writable). Call before the first fit of the process.

    How: ``Dispatcher.enable_caching()`` builds a ``FunctionCache`` whose locator is chosen then; the first
    candidate, ``UserProvidedCacheLocator``, reads ``numba.config.CACHE_DIR`` at that moment. So CACHE_DIR is
    set only around these calls and restored: other numba users in the process are not affected."""
    if os.environ.get("F2J_NUMBA_CACHE", "1").strip().lower() in ("0", "false", "no", "off"):
        return 0
    folder = str(Path(folder) if folder is not None else numba_cache_dir())
    if folder in _numba_done:
        return 0
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.debug("numba cache folder %s not usable (%s): compiling in memory", folder, exc)
        return 0
    import umap.umap_  # noqa: F401  (imports pynndescent and umap's submodules: their dispatchers exist now)
    from numba.core import config
    from numba.core.dispatcher import Dispatcher

    old, config.CACHE_DIR = config.CACHE_DIR, folder
    switched = 0
    try:
        for name, module in list(sys.modules.items()):
            if module is None or name.split(".")[0] not in NUMBA_PACKAGES:
                continue
            for obj in list(vars(module).values()):
                # each dispatcher once, in the module that defines it (others only import it)
                if isinstance(obj, Dispatcher) and getattr(obj.py_func, "__module__", None) == name:
                    obj.enable_caching()
                    switched += 1
    finally:
        config.CACHE_DIR = old
    _numba_done.add(folder)
    log.debug("numba disk cache in %s for %d functions", folder, switched)
    return switched


def _source_digest() -> str:
    """The clustering code itself: an edited cluster.py never serves an old result."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in ("cluster.py", "model.py", "labels.py", "cache.py", "select.py", "knn.py", "layout.py", "slots.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()


# Read once, when the clustering code is loaded: a file edited during a run must not name the code that ran.
SOURCE_DIGEST = _source_digest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def clustering_key(texts: list[str], embeddings: np.ndarray, params: dict) -> str:
    """sha256 over everything a fit's result depends on: the embeddings (float32, C order, with their shape),
    the texts, ``params`` (JSON, sorted keys) and the versions of the code and libraries."""
    emb = np.ascontiguousarray(embeddings, dtype=np.float32)
    h = hashlib.sha256()
    head = {"format": FORMAT, "shape": list(emb.shape), "params": params, "source": SOURCE_DIGEST,
            "versions": {d: _version(d) for d in VERSIONED}}
    h.update(json.dumps(head, sort_keys=True, default=str).encode())
    h.update(emb.tobytes())
    h.update(json.dumps(list(texts), ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


class ClusteringCache:
    """Stored ``Clustering``s, one ``<key>.npz`` each in ``folder``; at most ``keep`` are kept (least
    recently used go first, pruned on write). A file that cannot be read is ignored (warning) and rewritten."""

    def __init__(self, folder: str | Path, keep: int = 20):
        self.folder = Path(folder)
        self.keep = keep

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def get(self, key: str, rows: int):
        """The stored Clustering of ``rows`` rows, or None (missing, unreadable or not matching)."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                if meta["format"] != FORMAT or meta["key"] != key:
                    raise ValueError("written for another key or format")
                assignments, centroids, cents = z["assignments"], z["centroids"], z["cluster_centroids"]
            if len(assignments) != rows or len(cents) != len(meta["clusters"]):
                raise ValueError("row or cluster count does not match")
            clusters = {int(c["topic"]): Cluster(int(c["topic"]), c["keywords"], cents[i], int(c["size"]),
                                                 c["phrases"], int(c["theme"]))
                        for i, c in enumerate(meta["clusters"])}
            result = Clustering(assignments, clusters, meta["params"], centroids, float(meta["threshold"]),
                                {int(k): v for k, v in meta["themes"]})
        except Exception as exc:  # a truncated, corrupt or foreign file: refit rather than fail
            log.warning("ignoring unreadable clustering cache entry %s (%s: %s); fitting again", path.name,
                        type(exc).__name__, exc)
            return None
        try:
            os.utime(path)  # recently used: pruned last
        except OSError:
            pass
        return result

    def put(self, key: str, result) -> None:
        """Store ``result`` atomically (temp file + rename), then prune to ``keep`` entries. Never raises."""
        ids = sorted(result.clusters)
        cl = [result.clusters[t] for t in ids]
        meta = {"format": FORMAT, "key": key, "params": result.params, "threshold": result.threshold,
                "themes": [[int(k), v] for k, v in result.themes.items()],
                "clusters": [{"topic": c.topic, "keywords": list(c.keywords), "size": c.size,
                              "phrases": list(c.phrases), "theme": c.theme} for c in cl]}
        cents = np.stack([c.centroid for c in cl]) if cl else np.zeros((0, 0), dtype=np.float32)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as f:
                    np.savez(f, meta=np.array(json.dumps(meta, default=_json_default)), assignments=result.assignments,
                             centroids=result.centroids, cluster_centroids=cents)
                os.replace(tmp, self.path(key))
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self.prune()
        except (OSError, TypeError, ValueError) as exc:
            log.warning("could not store the clustering in %s (%s); it will be fitted again next time",
                        self.folder, exc)

    def prune(self) -> None:
        entries = []
        for p in self.folder.glob("*.npz"):
            if p.name.startswith(".tmp-"):
                continue
            try:
                entries.append((p.stat().st_mtime_ns, p.name, p))
            except FileNotFoundError:  # pruned by another process meanwhile
                pass
        for *_, p in sorted(entries, reverse=True)[self.keep:]:
            p.unlink(missing_ok=True)
