"""Write a run's outputs. They are written into a staging folder and swapped into the output folder as a set
(``files.staged_outputs``), so the folder holds the previous run or this one, never a mix, whatever fails
(a full disk, a kill) while writing."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from feedback2journey.files import INTERNAL_PARQUET, atomic_path, atomic_write, parquet_safe, staged_outputs
from feedback2journey.outputs.export import export_files, write_csv
from feedback2journey.painpoints.curate import save_state
from feedback2journey.painpoints.table import pain_points_for_csv
from feedback2journey.outputs.report import render_report



def save_run_state(result, out_dir: str | Path) -> list[Path]:
    """Persist ``result.pain_point_state`` (pain point centroids: ids stay put next run); a no-op when clustering
    was skipped."""
    state = getattr(result, "pain_point_state", None)
    return save_state(state, out_dir) if state is not None else []


def write_outputs(result, out_dir: Path, xlsx: bool = False, raw_csv: bool = False) -> dict[str, Path]:
    """Every output into ``out_dir``, swapped in as a set. Returns name -> final path."""
    with staged_outputs(out_dir) as stage:
        written = _write_all(result, stage, xlsx, raw_csv)
    return {name: Path(out_dir) / name for name in written}


def _write_all(result, out_dir: Path, xlsx: bool, raw_csv: bool) -> dict[str, Path]:
    paths = {name: out_dir / name for name in ("items.parquet", "items.csv", "segments.parquet", "pain_points.csv",
                                               "rejected.csv", "report.html", "run.json")}
    rows = getattr(result, "rows", None)
    if rows is None or rows.parts.in_memory:  # the full tables are in memory
        items, segments = parquet_safe(result.items), result.segments
        atomic_write(paths["items.parquet"], lambda p: items.to_parquet(p, index=False))
        atomic_write(paths["items.csv"], lambda p: write_csv(items, p, raw=raw_csv))
        atomic_write(paths["segments.parquet"], lambda p: segments.to_parquet(p, index=False))
    else:  # a batch run: the rows are put together and written chunk by chunk
        write_chunked(rows.chunks(), paths, out_dir, raw_csv)
        items = segments = None
    atomic_write(paths["pain_points.csv"], lambda p: write_csv(pain_points_for_csv(result.pain_points), p, raw=raw_csv))
    atomic_write(paths["rejected.csv"], lambda p: write_csv(result.rejected, p, raw=raw_csv))
    if xlsx and items is None:  # Excel holds at most a million rows: small enough to read back
        items, segments = pd.read_parquet(paths["items.parquet"]), pd.read_parquet(paths["segments.parquet"])
    run = {"journey": result.journey, "items": items, "segments": segments,
           "pain_points": pain_points_for_csv(result.pain_points), "rejected": result.rejected}
    formats = ("json", "csv", "mermaid") + (("xlsx",) if xlsx else ())
    paths.update(export_files(run, out_dir, formats, atomic_write, raw_csv=raw_csv))
    html = render_report(result.journey, result.run_info, result.explorer)
    atomic_write(paths["report.html"], lambda p: p.write_text(html, encoding="utf-8"))
    paths.update({p.name: p for p in save_run_state(result, out_dir)})  # read by the next run (--previous)
    # run.json last: its presence means the run's files are complete
    atomic_write(paths["run.json"], lambda p: p.write_text(json.dumps(result.run_info, indent=2, ensure_ascii=False,
                                                                      default=str), encoding="utf-8"))
    return paths


def write_chunked(chunks, paths: dict[str, Path], out_dir: Path, raw_csv: bool = False) -> None:
    """items.parquet, items.csv and segments.parquet from (items, segments) frames chunk by chunk, in bounded
    memory. Each chunk goes to a staging file first; the final files then get one schema (a column that is
    empty in one chunk, or numbers in one and text in another, takes the type that holds all of them)."""
    import shutil

    import pyarrow.parquet as pq

    stage = Path(tempfile.mkdtemp(prefix=".f2j-out-", dir=out_dir))
    try:
        count = 0
        for items, segments in chunks:
            parquet_safe(items).to_parquet(stage / f"items-{count:06d}.parquet", **INTERNAL_PARQUET)
            segments.to_parquet(stage / f"segments-{count:06d}.parquet", **INTERNAL_PARQUET)
            count += 1
        for name in ("items", "segments"):
            files = [stage / f"{name}-{i:06d}.parquet" for i in range(count)]
            schema = _common_schema([pq.read_schema(f) for f in files])
            with atomic_path(paths[f"{name}.parquet"]) as target, pq.ParquetWriter(target, schema) as writer:
                csv = open(stage / "items.csv", "w", encoding="utf-8", newline="") if name == "items" else None
                for i, f in enumerate(files):
                    table = _conform(pq.read_table(f), schema)
                    writer.write_table(table)
                    if csv is not None:
                        write_csv(table.to_pandas(), csv, raw=raw_csv, header=i == 0)
                if csv is not None:
                    csv.close()
        with atomic_path(paths["items.csv"]) as target:
            os.replace(stage / "items.csv", target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _common_schema(schemas: list):
    """One schema for every chunk: same types where they agree, the non-null one where a chunk had only
    nulls, text where chunks disagree. Column order: first seen first. No pandas metadata (it is per chunk)."""
    import pyarrow as pa

    types: dict[str, list] = {}
    for schema in schemas:
        for f in schema:
            types.setdefault(f.name, []).append(f.type)
    fields = []
    for name, seen in types.items():
        kinds = list(dict.fromkeys(t for t in seen if not pa.types.is_null(t)))
        if not kinds:
            kind = pa.null()
        elif len(kinds) == 1:
            kind = kinds[0]
        elif all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in kinds):
            kind = pa.float64()
        else:
            kind = pa.large_string()
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def _conform(table, schema):
    """``table`` with ``schema``'s columns and types (missing columns as nulls)."""
    import pyarrow as pa

    columns = []
    for f in schema:
        if f.name in table.column_names:
            col = table.column(f.name)
            columns.append(col if col.type == f.type else col.cast(f.type))
        else:
            columns.append(pa.nulls(len(table), f.type))
    return pa.Table.from_arrays(columns, schema=schema)
