"""Read: exported files (CSV, Excel, JSON, JSON Lines, Parquet) in, one row per feedback item out.

``read`` parses one file, ``chunks`` streams large ones, ``columns`` finds the text/id/date/score columns,
``ingest`` turns a table into items (cleaned, masked) and rejects (each with its reason)."""
from feedback2journey.inputs.chunks import InputFile, expand_inputs, iter_chunks
from feedback2journey.inputs.columns import ColumnError, ColumnMapping, detect_columns
from feedback2journey.inputs.ingest import Ingested, ingest_frame, ingest_paths, items_from_table
from feedback2journey.inputs.read import InputError, RawTable, read_table

__all__ = ["ColumnError", "ColumnMapping", "Ingested", "InputError", "InputFile", "RawTable", "detect_columns",
           "expand_inputs", "ingest_frame", "ingest_paths", "items_from_table", "iter_chunks", "read_table"]
