"""The helper process that takes half of accurate mode's text steps (halves.py)."""
import os
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pandas as pd
import pytest

import feedback2journey.halves as halves
from feedback2journey.halves import HalfHelper
from feedback2journey.ingest import ingest_paths
from feedback2journey.pipeline import analyze_chunk
from feedback2journey.resources import sample_paths


@pytest.fixture(scope="module")
def items(config):
    return ingest_paths(sample_paths(), None, config.settings).items.head(120).reset_index(drop=True)


def _same(a, b):
    pd.testing.assert_frame_equal(a.segments, b.segments, check_exact=True)
    assert np.array_equal(a.embeddings, b.embeddings)


def test_half_of_the_rows_in_the_helper_give_the_same_chunk_and_a_dead_helper_is_replaced(
        items, models, monkeypatch, caplog):
    monkeypatch.setattr(halves, "MIN_ROWS", 10)
    alone = analyze_chunk(items, models)
    helper = HalfHelper(models.row_steps())
    try:
        _same(alone, analyze_chunk(items, models, halves=helper))
        assert helper.rows == len(items) - len(items) // 2 and not helper.broken

        with pytest.raises(BrokenProcessPool):  # the helper dies between chunks (killed, out of memory)
            helper.pool.submit(os._exit, 1).result(timeout=60)
        _same(alone, analyze_chunk(items, models, halves=helper))  # this process did its half
        assert helper.broken and "helper process stopped" in caplog.text
    finally:
        helper.close()


def test_helper_and_workers_exit_when_a_killed_run_leaves_them(tmp_path):
    """kill -9 of the run must not leave its helper (or pool worker) idling on with its models."""
    import signal
    import subprocess
    import sys
    import time

    import psutil

    script = tmp_path / "run.py"
    script.write_text(
        "import os\n"
        "from feedback2journey.batch import BatchOptions, ModelSpec, _PoolRunner\n"
        "from feedback2journey.config import load_config\n"
        "from feedback2journey.halves import HalfHelper\n"
        "if __name__ == '__main__':\n"
        "    spec = ModelSpec(load_config(), embedder={'speed': 'fast'})\n"
        "    models = spec.build()\n"
        "    helper = HalfHelper(models.row_steps())\n"
        "    pool = _PoolRunner(spec, BatchOptions(threads=1), jobs=1)\n"
        "    print(helper.pool.submit(os.getpid).result(), pool.pool.submit(os.getpid).result(), flush=True)\n"
        "    import time; time.sleep(600)\n")
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                           env={**os.environ, "HF_HUB_OFFLINE": "1"})
    try:
        pids = [int(p) for p in run.stdout.readline().split()]
        assert len(pids) == 2 and all(psutil.pid_exists(p) for p in pids)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids)


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
