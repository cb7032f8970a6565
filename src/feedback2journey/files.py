"""Writing files safely: every output is written to a temporary name and renamed when complete, so a crash
never leaves a half-written file that looks finished; a run's outputs are staged and swapped in as a set
(``staged_outputs``) under a lock that keeps a second run out of the folder (``run_lock``). Part of the shared
base: any step may use it."""
from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from feedback2journey.errors import UserError, opt

# The run's own Parquet files (chunk parts, staged output chunks): fast to write, never read by other tools.
INTERNAL_PARQUET = {"index": False, "compression": "lz4"}

_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextmanager
def atomic_path(target: Path):
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the user's usual permissions
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write(target: Path, fill: Callable[[Path], object]) -> None:
    with atomic_path(target) as tmp:
        fill(tmp)


def parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Input columns of mixed types (ints and strings in one JSON field) can't go to Parquet as they are."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            types = {type(v) for v in out[col].dropna()}
            if len(types) > 1:
                out[col] = out[col].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    return out


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link (no bytes copied) where both are on one file system, else a copy. Safe because every
    file here is written once and replaced, never changed in place."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


# ---------------------------------------------------------------- whole runs: one writer, staged outputs

LOCK_NAME = ".f2j-lock"
STAGE_NAME = ".f2j-staging"
SWAP_NAME = ".f2j-swap.json"
# Every file a run publishes at the top of its output folder. A swap replaces this set as a whole: a file of the
# previous run that the new one does not write (journey.xlsx without --xlsx) is removed, never left beside it.
RUN_FILES = ("items.parquet", "items.csv", "segments.parquet", "pain_points.csv", "rejected.csv", "journey.json",
             "journey_grid.csv", "journey.mmd", "journey.xlsx", "report.html", "pain_point_centroids.npy",
             "pain_point_centroids.json", "run.json")
_HELD: dict[str, list] = {}  # resolved out_dir -> [fd, depth]: this process's locks (re-entrant)


class OutputError(UserError):
    """The output folder cannot be written (full disk, permissions, another run): the message names the fix."""


def output_error(exc: OSError, out_dir: Path) -> OutputError | None:
    """An ``OSError`` the user fixes (disk full, quota, permissions, read-only) as an ``OutputError``; else None."""
    where = exc.filename or out_dir
    kept = (f"{out_dir} still holds the previous run's outputs, unchanged (or nothing, if it had none); finished "
            f"chunks are kept in {out_dir / '.f2j-work'}, so the same command resumes (delete that folder to "
            f"start over)")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        try:
            free = f"{shutil.disk_usage(where if Path(where).exists() else out_dir).free / 2**20:,.0f} MB free"
        except OSError:
            free = "free space unknown"
        return OutputError(f"no space left on the device while writing {where} ({free}). {kept}. "
                           f"Fix: free disk space, or write to a disk with room ({opt('out', 'DIR')}; the caches: "
                           f"--cache-dir or $F2J_CACHE_DIR), then run the same command again.")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return OutputError(f"permission denied writing {where}. {kept}. Fix: make it writable "
                           f"(chmod/chown), or write to a folder you own: {opt('out', 'DIR')}.")
    if exc.errno == errno.EROFS:
        return OutputError(f"{where} is on a read-only file system. Fix: write to another folder: {opt('out', 'DIR')}.")
    return None


@contextmanager
def run_lock(out_dir: str | Path):
    """Hold ``out_dir/.f2j-lock`` for a run: a second run on the same folder (another process) stops at once
    with an ``OutputError`` naming the holder, instead of sharing its work files. The lock is the OS's
    (``flock``): it goes with the process, so a killed run leaves no stale lock. Re-entrant in one process.
    On taking it, a swap that a killed run left half done is finished (``finish_swap``)."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise (output_error(exc, out_dir) or exc) from exc
    key = str(out_dir.resolve())
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    path = out_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_UMASK)
    except OSError as exc:
        raise (output_error(exc, out_dir) or exc) from exc
    if not _try_lock(fd):
        holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another process"
        os.close(fd)
        raise OutputError(f"{out_dir} is in use by another feedback2journey run ({holder}); two runs on one folder "
                          f"would mix their work files and outputs. Fix: wait for that run to finish, or write to "
                          f"another folder: {opt('out', 'DIR')}.")
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}".encode())
    except OSError:
        pass  # the note is for the message only; the lock is held either way
    _HELD[key] = [fd, 1]
    try:
        finish_swap(out_dir)
        yield
    finally:
        del _HELD[key]
        os.close(fd)  # releases the lock; the file stays (removing it would race with a run that opened it)


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


@contextmanager
def staged_outputs(out_dir: str | Path):
    """Write a run's outputs into a staging folder and swap them in as a set when the block ends without error:
    ``out_dir`` holds the previous run's files or this run's, never a mix. On an error the staging folder is
    removed and ``out_dir`` is untouched. The staging folder is ``out_dir/.f2j-staging`` (inside, not beside:
    it needs no write permission on the parent, and the swap's renames never cross a mount point)."""
    out_dir = Path(out_dir)
    with run_lock(out_dir):
        stage = out_dir / STAGE_NAME
        shutil.rmtree(stage, ignore_errors=True)
        try:
            stage.mkdir()
            yield stage
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        names = sorted(p.name for p in stage.iterdir() if not p.name.startswith("."))
        journal = {"files": names}
        try:
            atomic_write(out_dir / SWAP_NAME, lambda p: p.write_text(json.dumps(journal), encoding="utf-8"))
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        finish_swap(out_dir)  # renames only from here: no space needed, and a kill is finished by the next run


def finish_swap(out_dir: Path) -> None:
    """Complete a swap whose journal (``.f2j-swap.json``) was written: remove the previous run's files, move the
    staged ones in (run.json last: its presence means the set is complete), drop the staging folder. Idempotent,
    so a run killed half way is finished by the next one to take the lock."""
    journal, stage = out_dir / SWAP_NAME, out_dir / STAGE_NAME
    if not journal.exists():
        shutil.rmtree(stage, ignore_errors=True)  # a staging folder without a journal never completed
        return
    names = json.loads(journal.read_text(encoding="utf-8"))["files"]
    if (stage / "run.json").exists() and (out_dir / "run.json").exists():
        os.unlink(out_dir / "run.json")  # from here until the end the folder says it holds no complete run
    for name in RUN_FILES:
        if name not in names and (out_dir / name).exists():
            os.unlink(out_dir / name)
    for name in sorted(names, key=lambda n: n == "run.json"):
        if (stage / name).exists():
            os.replace(stage / name, out_dir / name)
    os.unlink(journal)
    shutil.rmtree(stage, ignore_errors=True)
