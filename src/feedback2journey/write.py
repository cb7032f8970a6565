"""Write a run's outputs. Each file goes to a temporary name first and is renamed when complete, so a
crash never leaves a half-written file that looks finished."""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from feedback2journey.export import export_files
from feedback2journey.painpoints import pain_points_for_csv
from feedback2journey.report import render_report


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


def _parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Input columns of mixed types (ints and strings in one JSON field) can't go to Parquet as they are."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            types = {type(v) for v in out[col].dropna()}
            if len(types) > 1:
                out[col] = out[col].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    return out


def write_outputs(result, out_dir: Path, xlsx: bool = False) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in ("items.parquet", "items.csv", "segments.parquet", "pain_points.csv",
                                               "rejected.csv", "report.html", "run.json")}
    items = _parquet_safe(result.items)
    atomic_write(paths["items.parquet"], lambda p: items.to_parquet(p, index=False))
    atomic_write(paths["items.csv"], lambda p: items.to_csv(p, index=False))
    atomic_write(paths["segments.parquet"], lambda p: result.segments.to_parquet(p, index=False))
    atomic_write(paths["pain_points.csv"], lambda p: pain_points_for_csv(result.pain_points).to_csv(p, index=False))
    atomic_write(paths["rejected.csv"], lambda p: result.rejected.to_csv(p, index=False))
    run = {"journey": result.journey, "items": items, "segments": result.segments,
           "pain_points": pain_points_for_csv(result.pain_points), "rejected": result.rejected}
    formats = ("json", "csv", "mermaid") + (("xlsx",) if xlsx else ())
    paths.update(export_files(run, out_dir, formats, atomic_write))
    html = render_report(result.journey, result.run_info, result.explorer)
    atomic_write(paths["report.html"], lambda p: p.write_text(html, encoding="utf-8"))
    from feedback2journey.curate import save_run_state  # pain point centroids: ids stay put next run

    save_run_state(result, out_dir)
    # run.json last: its presence means the run's files are complete
    atomic_write(paths["run.json"], lambda p: p.write_text(json.dumps(result.run_info, indent=2, ensure_ascii=False,
                                                                      default=str), encoding="utf-8"))
    return paths
