"""Reading a finished run back from its folder: the tables for a re-export, the pain point table with its
JSON columns decoded. What ``feedback2journey export`` and ``pain-points`` read, and the result cache restores."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from feedback2journey.schema import PAIN_POINT_JSON_COLUMNS


def load_run(run_dir: Path) -> dict:
    """The finished run's files, as written by ``feedback2journey run``."""
    run_dir = Path(run_dir)
    needed = ["journey.json", "items.parquet", "segments.parquet", "pain_points.csv", "rejected.csv"]
    missing = [n for n in needed if not (run_dir / n).exists()]
    if missing:
        raise FileNotFoundError(f"{run_dir}: not a finished run (missing {', '.join(missing)}). "
                                f"Fix: point to the output folder of a finished run.")
    return {
        "journey": json.loads((run_dir / "journey.json").read_text(encoding="utf-8")),
        "items": pd.read_parquet(run_dir / "items.parquet"),
        "segments": pd.read_parquet(run_dir / "segments.parquet"),
        "pain_points": pd.read_csv(run_dir / "pain_points.csv"),
        "rejected": pd.read_csv(run_dir / "rejected.csv"),
    }


def load_pain_points(run_dir: str | Path):
    """A finished run's pain point table (JSON columns decoded) and its run.json (or {})."""
    d = Path(run_dir)
    if not (d / "pain_points.csv").exists():
        raise FileNotFoundError(f"{d}: no pain_points.csv. Fix: point to the output folder of a finished run.")
    table = pd.read_csv(d / "pain_points.csv")
    for col in PAIN_POINT_JSON_COLUMNS:
        if col in table:
            table[col] = table[col].map(lambda v: json.loads(v) if isinstance(v, str) else v)
    info = json.loads((d / "run.json").read_text(encoding="utf-8")) if (d / "run.json").exists() else {}
    return table, info
