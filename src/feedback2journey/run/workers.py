"""Where a batch run's per-row steps run when not in this process: worker processes on this machine
(``PoolRunner``) or Dask workers (``DaskRunner``). Each worker builds its ``Models`` once from a ``ModelSpec``
(the validated config and the embedder's options) and runs ``analyze_chunk`` on the chunks it is sent; results
come back in chunk order."""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field

import pandas as pd

from feedback2journey.config import Config
from feedback2journey.embed.embedder import Embedder
from feedback2journey.inputs.read import InputError
from feedback2journey.run.pipeline import Models, analyze_chunk


@dataclass
class ModelSpec:
    """What a worker needs to build the same ``Models`` as the client (sent once per task, small)."""

    config: Config
    model: str | None = None
    embedder: dict = field(default_factory=dict)  # Embedder keyword arguments

    def key(self) -> str:
        return hashlib.sha1(json.dumps([self.config.hash(), self.model, self.embedder], sort_keys=True,
                                       default=str).encode()).hexdigest()

    def needs_torch(self) -> bool:
        """Only MiniLM on torch (or a GPU) needs torch to run; the static and ONNX encoders are built by the
        client before workers start and run on numpy / ONNX Runtime."""
        e = self.embedder
        return (e.get("backend") or ("static" if e.get("speed") == "fast" else "torch")) == "torch" \
            or e.get("device", "cpu") != "cpu"

    def build(self):
        return Models(self.config, model=self.model, embedder=Embedder(**self.embedder))

    def prepare(self, models) -> None:
        """In the client, before any worker starts: build the encoder that workers load but cannot build. The
        static and ONNX models are distilled/exported from MiniLM with torch, which workers keep out (and every
        worker building it at once would repeat minutes of work); built once here, workers only load them."""
        if not self.needs_torch():
            models.embedder.dim  # loads the encoder, building it into the models cache first if it is missing


_WORKER_MODELS: dict[str, object] = {}  # per worker process: models are loaded once, on the first task


def _analyze_on_worker(spec: ModelSpec, run_id: str, n: int, items: pd.DataFrame):
    models = _WORKER_MODELS.get(spec.key())
    if models is None:
        models = _WORKER_MODELS[spec.key()] = spec.build()
    if models.embedder.cache is not None:
        models.embedder.cache.scope(run_id, n)
    timings: dict[str, float] = {}
    return analyze_chunk(items, models, None, timings), timings


def auto_jobs() -> int:
    """One worker per core, at most 4 (each holds its own models)."""
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4))


def exit_with_parent(every_s: float = 1.0) -> None:
    """In a worker process: exit when the process that started it is gone (``kill -9``), instead of idling on
    with its models. A daemon thread that checks the parent's pid once a second."""
    import threading

    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def start_worker_process(keep_torch: bool) -> None:
    """First thing in a worker or helper process: exit with the parent, and keep torch out unless it encodes."""
    import sys

    exit_with_parent()
    if not keep_torch and "torch" not in sys.modules:
        # spaCy's thinc imports torch when it is installed (~180 MB per worker) though nothing here runs on it:
        # a None entry makes that import fail, and thinc falls back to numpy as it does without torch
        sys.modules["torch"] = None


def _start_worker(spec: ModelSpec, threads: int) -> None:
    import gc

    start_worker_process(keep_torch=spec.needs_torch())
    _set_threads(threads)
    _WORKER_MODELS[spec.key()] = spec.build()  # loaded once, before the first chunk arrives
    gc.collect()
    gc.freeze()  # the models' millions of objects live as long as the worker: the collector need not rescan them


class Runner:
    """Chunks in flight on workers (at most ``limit``), stored in chunk order as they come back. Subclasses
    send a chunk (``_send``) and wait for results (``_wait``)."""

    limit: int
    pending: dict

    def submit(self, n: int, run_id: str, items, rejects, meta, store) -> None:
        self.pending[self._send(n, run_id, items)] = (n, items, rejects, meta, store)
        while len(self.pending) >= self.limit:
            self._collect(wait_one=True)

    def _collect(self, wait_one: bool) -> None:
        for future in sorted(self._wait(list(self.pending), wait_one), key=lambda f: self.pending[f][0]):
            n, items, rejects, meta, store = self.pending.pop(future)
            store(n, items, rejects, meta, *future.result())

    def drain(self) -> None:
        while self.pending:
            self._collect(wait_one=False)


class PoolRunner(Runner):
    """Worker processes on this machine (``jobs``), each loading its models once: the per-row steps use every
    core, while this process reads, ingests and stores in order. At most ``2 x jobs`` chunks are in flight."""

    def __init__(self, spec: ModelSpec, jobs: int, threads: int | None = None):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # split this process's threads between the workers; results depend on the count (see DaskRunner), so the
        # same --jobs on the same machine gives the same outputs
        threads = threads or max(1, _torch_threads() // jobs)
        self.spec, self.limit, self.pending = spec, 2 * jobs, {}
        self.pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_worker, initargs=(spec, threads))

    def _send(self, n: int, run_id: str, items):
        return self.pool.submit(_analyze_on_worker, self.spec, run_id, n, items)

    @staticmethod
    def _wait(futures: list, wait_one: bool) -> set:
        from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, wait

        return wait(futures, return_when=FIRST_COMPLETED if wait_one else ALL_COMPLETED).done

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskRunner(Runner):
    """Sends chunks to Dask workers, at most ``2 x workers`` in flight, and stores results as they come back."""

    def __init__(self, spec: ModelSpec, scheduler: str | None = None, workers: int = 2, threads: int | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - a dependency
            raise InputError("the dask engine needs dask.distributed. Fix: pip install 'dask[distributed]'") from exc
        self.spec = spec
        if scheduler:
            self.cluster = None
            self.client = Client(scheduler)
        else:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        # The encoder's last float bits depend on its thread count (about 1% of vectors differ between 1 and 2
        # threads), and clustering amplifies them: workers use the client's count so results match the local
        # engine exactly. On other machines, set the same count everywhere for bit-identical runs.
        self.client.run(_set_threads, threads or _torch_threads())
        self.limit = 2 * max(1, len(self.client.scheduler_info().get("workers", {})) or workers)
        self.pending: dict = {}
        self.spec_future = self.client.scatter(spec, broadcast=True)

    def _send(self, n: int, run_id: str, items):
        return self.client.submit(_analyze_on_worker, self.spec_future, run_id, n, items, pure=False)

    @staticmethod
    def _wait(futures: list, wait_one: bool) -> set:
        from distributed import wait

        return wait(futures, return_when="FIRST_COMPLETED" if wait_one else "ALL_COMPLETED").done

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _set_threads(n: int) -> None:
    """``n`` threads for torch, unless this process keeps torch out (see ``_start_worker``)."""
    import sys

    if sys.modules.get("torch", False) is not None:
        import torch

        torch.set_num_threads(n)
