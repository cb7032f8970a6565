"""files.py: whole runs only. Outputs are staged and swapped in as a set; one run per output folder (a real
second process); full disks and permissions become messages that name the fix."""
import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feedback2journey.files import (LOCK_NAME, RUN_FILES, STAGE_NAME, SWAP_NAME, OutputError, output_error,
                                    run_lock, staged_outputs)

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _old_run(out: Path) -> dict[str, bytes]:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("items.csv", "run.json", "report.html", "journey.xlsx"):
        (out / name).write_bytes(f"old {name}".encode())
    (out / "pain_points.yaml").write_text("user's curation")  # not a run output: never touched
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != LOCK_NAME}


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != LOCK_NAME}


def test_a_write_that_fails_half_way_leaves_the_previous_run_whole(tmp_path):
    out = tmp_path / "out"
    before = _old_run(out)
    with pytest.raises(OSError):
        with staged_outputs(out) as stage:
            (stage / "items.csv").write_text("new items")
            (stage / "report.html").write_text("new report")
            raise OSError(errno.ENOSPC, "No space left on device", str(stage / "run.json"))
    assert _files(out) == before  # each file and the set: old, never a mix
    assert not (out / STAGE_NAME).exists() and not (out / SWAP_NAME).exists()


def test_a_finished_write_replaces_the_set_and_drops_the_previous_runs_extra_files(tmp_path):
    out = tmp_path / "out"
    _old_run(out)
    (out / ".f2j-work").mkdir()
    with staged_outputs(out) as stage:
        for name in ("items.csv", "run.json", "report.html"):
            (stage / name).write_text(f"new {name}")
    files = _files(out)
    assert files == {"items.csv": b"new items.csv", "run.json": b"new run.json", "report.html": b"new report.html",
                     "pain_points.yaml": b"user's curation"}  # journey.xlsx of the old run is gone
    assert (out / ".f2j-work").is_dir() and not (out / STAGE_NAME).exists()


def test_a_swap_killed_half_way_is_finished_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    _old_run(out)
    stage = out / STAGE_NAME
    stage.mkdir()
    (stage / "run.json").write_text("new run.json")
    (stage / "items.csv").write_text("new items.csv")
    (out / SWAP_NAME).write_text(json.dumps({"files": ["items.csv", "report.html", "run.json"]}))
    os.replace(stage / "items.csv", out / "items.csv")  # killed after moving one file: items new, report old
    (out / "report.html").unlink()
    (out / "report.html").write_text("new report.html")  # as if the report had been moved too
    with run_lock(out):
        pass
    assert _files(out) == {"items.csv": b"new items.csv", "run.json": b"new run.json",
                           "report.html": b"new report.html", "pain_points.yaml": b"user's curation"}


def test_a_staging_folder_without_its_journal_is_discarded(tmp_path):
    out = tmp_path / "out"
    before = _old_run(out)
    (out / STAGE_NAME).mkdir()
    (out / STAGE_NAME / "items.csv").write_text("half written")
    with run_lock(out):
        pass
    assert _files(out) == before and not (out / STAGE_NAME).exists()


_HOLDER = """
import sys, time
sys.path.insert(0, {src!r})
from feedback2journey.files import run_lock
with run_lock({out!r}):
    print("locked", flush=True)
    time.sleep(120)
"""


def test_a_second_process_on_the_same_out_stops_with_a_clear_message(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER.format(src=SRC, out=str(out))], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutputError) as caught:
            with run_lock(out):
                pass
        assert f"pid {holder.pid}" in str(caught.value) and "out_dir='DIR'" in str(caught.value)
        # the command line, a real second process: exit 2, the flag named, no traceback, before any model loads
        data = tmp_path / "t.csv"
        data.write_text("text\nThe app crashed when I paid\n")
        env = {**os.environ, "PYTHONPATH": SRC}
        t0 = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "feedback2journey.cli", "run", str(data), "--out", str(out), "-q",
                              "--no-cache"], capture_output=True, text=True, env=env, timeout=300)
        said = " ".join(cli.stderr.split())
        assert cli.returncode == 2, cli.stderr
        assert "in use by another feedback2journey run" in said and "--out DIR" in said
        assert "Traceback" not in cli.stderr
    finally:
        holder.kill()  # kill -9: the OS releases the lock with the process
        holder.wait()
    with run_lock(out):  # free again, no stale lock
        pass
    assert time.perf_counter() - t0 < 300


def test_disk_errors_name_the_fix(tmp_path):
    full = output_error(OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x")), tmp_path)
    assert "no space left" in str(full) and "--out DIR" in full.for_cli() and "resumes" in str(full)
    denied = output_error(PermissionError(errno.EACCES, "Permission denied", str(tmp_path)), tmp_path)
    assert "permission denied" in str(denied) and "--out DIR" in denied.for_cli()
    assert output_error(OSError(errno.EIO, "I/O error"), tmp_path) is None  # not the user's to fix: raised as is


def test_run_files_cover_every_output_the_writer_names():
    src = (Path(SRC) / "feedback2journey" / "outputs" / "write.py").read_text()
    for name in ("items.parquet", "items.csv", "segments.parquet", "pain_points.csv", "rejected.csv", "report.html",
                 "run.json"):
        assert name in src and name in RUN_FILES
