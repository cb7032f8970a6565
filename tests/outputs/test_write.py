"""write_outputs on a failing disk, end to end through the command line: a full disk while writing exits 2 with
a message that names the fix, and the output folder keeps the previous complete run (byte for byte)."""
import errno
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedback2journey.cli import app
from feedback2journey.files import LOCK_NAME, STAGE_NAME

from conftest import FIXTURES

runner = CliRunner()


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != LOCK_NAME}


def _run(out: Path, *inputs: str):
    return runner.invoke(app, ["run", *[str(FIXTURES / i) for i in inputs], "--out", str(out), "-q", "--no-cache"])


@pytest.mark.slow
def test_disk_full_while_writing_keeps_the_previous_run_whole(tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = _run(out, "helpdesk_tickets.csv")
    assert first.exit_code == 0, first.output
    before = _snapshot(out)

    def full(*args, **kwargs):  # the disk fills after items, segments and pain points were written
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "report.html"))

    monkeypatch.setattr("feedback2journey.outputs.write.render_report", full)
    second = _run(out, "helpdesk_tickets.csv", "survey_nps.csv")
    said = " ".join(second.output.split())
    assert second.exit_code == 2, second.output
    assert "no space left on the device" in said and "--out DIR" in said and "run the same command again" in said
    assert second.exception is None or isinstance(second.exception, SystemExit)  # no traceback
    assert _snapshot(out) == before  # not one file of the new run
    assert not (out / STAGE_NAME).exists()
    assert (out / ".f2j-work").is_dir()  # finished chunks kept for the rerun, as the message says
    monkeypatch.undo()
    third = _run(out, "helpdesk_tickets.csv", "survey_nps.csv")
    assert third.exit_code == 0, third.output
    assert not (out / ".f2j-work").exists() and _snapshot(out)["run.json"] != before["run.json"]


@pytest.fixture
def small_disk(tmp_path):
    """A real 64 MB tmpfs (needs root / CAP_SYS_ADMIN, as on this project's CI container)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()}); "
                    "test_disk_full_while_writing_keeps_the_previous_run_whole covers it with an injected ENOSPC")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.slow
def test_a_really_full_disk_exits_2_and_keeps_the_previous_run(small_disk):
    out = small_disk / "out"
    first = _run(out, "helpdesk_tickets.csv")
    assert first.exit_code == 0, first.output
    before = _snapshot(out)
    filler = small_disk / "filler"
    with open(filler, "wb") as fh:  # leave 16 KB: less than any run's parts and outputs
        free = shutil.disk_usage(small_disk).free
        fh.write(b"\0" * max(0, free - 16 * 1024))
    second = _run(out, "helpdesk_tickets.csv", "survey_nps.csv")
    assert second.exit_code == 2, second.output
    assert "no space left on the device" in " ".join(second.output.split())
    assert _snapshot(out) == before and not (out / STAGE_NAME).exists()
    filler.unlink()
    third = _run(out, "helpdesk_tickets.csv", "survey_nps.csv")
    assert third.exit_code == 0, third.output
