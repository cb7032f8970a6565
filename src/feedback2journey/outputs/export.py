"""Exports for other tools, built from a run's outputs (so ``export`` never recomputes anything).

- ``journey_grid.csv``: stage x touchpoint grid for spreadsheets and journey-mapping tools, one row per
  touchpoint, ``<stage>_volume`` and ``<stage>_sentiment`` columns in map order.
- ``journey.mmd``: a Mermaid ``journey`` diagram (sections = stages, tasks = busiest touchpoints, score 1-5).
- ``journey.xlsx``: one sheet per table. Text that Excel would read as a formula is prefixed with ``'``.
- Every CSV (``write_csv``): text cells that begin with =, +, -, @, tab or CR get a leading ``'`` (OWASP's
  CSV-injection rule; a plain number such as ``-3`` or ``+44`` is left alone), and every text cell is quoted,
  so a bare CR or a newline inside a cell never splits a row. ``raw=True`` (``--raw-csv``) keeps cells as they are.
- ``journey.json`` is validated against the JSON Schema shipped in ``schemas/``.
"""
from __future__ import annotations

import csv
import json
import re
from importlib.resources import files
from pathlib import Path

import pandas as pd

FORMATS = ("json", "csv", "mermaid", "xlsx")
EXCEL_MAX_ROWS = 1_048_575  # one row for the header
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def journey_schema() -> dict:
    return json.loads(files("feedback2journey").joinpath("schemas/journey.schema.json").read_text("utf-8"))


def validate_journey(journey: dict) -> None:
    """Raise ``jsonschema.ValidationError`` if ``journey`` breaks the published schema."""
    import jsonschema

    jsonschema.validate(journey, journey_schema())


def grid_frame(journey: dict) -> pd.DataFrame:
    stages = [s for s in journey["stages"]]
    cells = {(c["stage"], c["touchpoint"]): c for c in journey["cells"]}
    rows = []
    for tp in journey["touchpoints"]:
        row = {"touchpoint": tp["id"], "touchpoint_name": tp["name"], "volume": tp["volume"],
               "mean_sentiment": tp["mean_sentiment"]}
        for s in stages:
            c = cells.get((s["id"], tp["id"]))
            row[f"{s['id']}_volume"] = c["volume"] if c else 0
            row[f"{s['id']}_sentiment"] = c["mean_sentiment"] if c else None
        rows.append(row)
    return pd.DataFrame(rows)


def _mermaid_text(text: str) -> str:
    """Mermaid has no escaping for ':' / ';' / '#' / newlines in journey tasks: replace them."""
    return re.sub(r"[:;#\n\r{}<>\"`]", " ", str(text)).strip() or "-"


def mermaid(journey: dict, tasks_per_stage: int = 4) -> str:
    lines = ["journey", "  title Customer journey from feedback (score 1 = very negative, 5 = very positive)"]
    by_stage: dict[str, list[dict]] = {}
    for c in journey["cells"]:
        if c["touchpoint"] != "unclassified":
            by_stage.setdefault(c["stage"], []).append(c)
    tp_names = {t["id"]: t["name"] for t in journey["touchpoints"]}
    for s in journey["stages"]:
        cells = sorted(by_stage.get(s["id"], []), key=lambda c: -c["volume"])[:tasks_per_stage]
        if not cells:
            continue
        lines.append(f"  section {_mermaid_text(s['name'])}")
        for c in cells:
            score = max(1, min(5, round((c["mean_sentiment"] + 1) * 2) + 1))
            name = _mermaid_text(f"{tp_names.get(c['touchpoint'], c['touchpoint'])} ({c['volume']})")
            lines.append(f"    {name}: {score}: Customers")
    return "\n".join(lines) + "\n"


def _excel_safe(frame: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    truncated = len(frame) > EXCEL_MAX_ROWS
    out = frame.head(EXCEL_MAX_ROWS).copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):  # Excel has no time zones
            out[col] = out[col].dt.tz_convert(None)
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_excel_cell)
    return out, truncated


def _excel_cell(v):
    if isinstance(v, (list, dict)):
        v = json.dumps(v, ensure_ascii=False)
    if not isinstance(v, str):
        return v
    v = _ILLEGAL_XLSX.sub(" ", v)[:32_000]
    return "'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v  # never a formula


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def csv_cell(v):
    """A text cell made inert in a spreadsheet (OWASP CSV injection): ``'`` before a leading =, +, -, @, tab or
    CR, unless the cell is a plain number."""
    if isinstance(v, str) and v.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(v):
        return "'" + v
    return v


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell passed through ``csv_cell`` (lists and dicts as JSON text first)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: csv_cell(json.dumps(v, ensure_ascii=False)
                                                       if isinstance(v, (list, dict)) else v))
    return out


def write_csv(frame: pd.DataFrame, target, raw: bool = False, header: bool = True) -> None:
    """The project's one way to write CSV: text cells quoted (a CR or newline stays inside its cell) and, unless
    ``raw``, made inert in spreadsheets (``csv_cell``). ``target``: a path or an open text file."""
    (frame if raw else csv_safe(frame)).to_csv(target, index=False, header=header, quoting=csv.QUOTE_NONNUMERIC)


def write_xlsx(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    notes = []
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, frame in tables.items():
            safe, cut = _excel_safe(frame)
            safe.to_excel(xw, sheet_name=name[:31], index=False)
            if cut:
                notes.append(f"{name}: first {EXCEL_MAX_ROWS:,} of {len(frame):,} rows (Excel's limit); use the Parquet file")
        if notes:
            pd.DataFrame({"note": notes}).to_excel(xw, sheet_name="notes", index=False)


def export_files(run: dict, out_dir: Path, formats: tuple[str, ...], writer, raw_csv: bool = False) -> dict[str, Path]:
    """Write the requested formats with ``writer(path, fn)`` (an atomic writer). Returns name -> path."""
    journey = run["journey"]
    written: dict[str, Path] = {}
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
        if fmt == "json":
            validate_journey(journey)
            target = out_dir / "journey.json"
            writer(target, lambda p: p.write_text(json.dumps(journey, indent=2, ensure_ascii=False, default=str), "utf-8"))
        elif fmt == "csv":
            target = out_dir / "journey_grid.csv"
            writer(target, lambda p: write_csv(grid_frame(journey), p, raw=raw_csv))
        elif fmt == "mermaid":
            target = out_dir / "journey.mmd"
            writer(target, lambda p: p.write_text(mermaid(journey), "utf-8"))
        else:
            target = out_dir / "journey.xlsx"
            tables = {"stages": pd.DataFrame([{k: v for k, v in s.items() if not isinstance(v, (dict, list))}
                                              for s in journey["stages"]]),
                      "grid": grid_frame(journey), "pain_points": run["pain_points"], "items": run["items"],
                      "segments": run["segments"], "rejected": run["rejected"]}
            writer(target, lambda p: write_xlsx(p, tables))
        written[target.name] = target
    return written
