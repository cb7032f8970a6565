"""Writing files safely: every output is written to a temporary name and renamed when complete, so a crash
never leaves a half-written file that looks finished. A leaf module: any step may use it."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

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
