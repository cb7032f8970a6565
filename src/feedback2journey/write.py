"""Write a run's outputs. Each file goes to a temporary name first and is renamed when complete, so a
crash never leaves a half-written file that looks finished."""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from feedback2journey.painpoints import pain_points_for_csv
from feedback2journey.redact import mask_pii
from feedback2journey.report import render_report


@contextmanager
def atomic_path(target: Path):
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_text(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Input columns of mixed types (ints and strings in one JSON field) can't go to Parquet as they are."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            types = {type(v) for v in out[col].dropna()}
            if len(types) > 1:
                out[col] = out[col].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    return out


def write_outputs(result, out_dir: Path, redact: bool = True) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in ("items.parquet", "items.csv", "segments.parquet", "pain_points.csv",
                                               "journey.json", "report.html", "rejected.csv", "run.json")}
    items = _parquet_safe(result.items)
    with atomic_path(paths["items.parquet"]) as tmp:
        items.to_parquet(tmp, index=False)
    with atomic_path(paths["items.csv"]) as tmp:
        items.to_csv(tmp, index=False)
    with atomic_path(paths["segments.parquet"]) as tmp:
        result.segments.to_parquet(tmp, index=False)
    with atomic_path(paths["pain_points.csv"]) as tmp:
        pain_points_for_csv(result.pain_points).to_csv(tmp, index=False)
    with atomic_path(paths["rejected.csv"]) as tmp:
        result.rejected.to_csv(tmp, index=False)
    _write_text(paths["journey.json"], json.dumps(result.journey, indent=2, ensure_ascii=False, default=str))
    quotes = _stage_quotes(result.segments, redact)
    _write_text(paths["report.html"], render_report(result.journey, result.run_info, quotes))
    _write_text(paths["run.json"], json.dumps(result.run_info, indent=2, ensure_ascii=False, default=str))
    return paths


def _stage_quotes(segments: pd.DataFrame, redact: bool, per_stage: int = 4) -> dict[str, list[dict]]:
    """Most strongly felt quotes per stage, for the report's drill-down (negative first)."""
    out = {}
    ranked = segments.assign(_s=segments["sentiment"].abs()).sort_values("_s", ascending=False, kind="stable")
    for stage, grp in ranked.groupby("stage", sort=False):
        picks = pd.concat([grp[grp["sentiment_label"] == "negative"].head(per_stage // 2 + 1),
                           grp[grp["sentiment_label"] == "positive"].head(per_stage // 2)])
        out[str(stage)] = [{"text": mask_pii(t) if redact else t, "sentiment": float(s), "touchpoint": str(tp)}
                           for t, s, tp in zip(picks["text"], picks["sentiment"], picks["touchpoint"])]
    return out
