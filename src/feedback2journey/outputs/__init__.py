"""Report: the outputs of a run (tables, journey.json, exports other mapping tools read, the self-contained
HTML report), written atomically, and read back for a re-export."""
from feedback2journey.outputs.export import export_files
from feedback2journey.outputs.read_run import load_pain_points, load_run
from feedback2journey.outputs.report import render_report
from feedback2journey.outputs.write import write_outputs

__all__ = ["export_files", "load_pain_points", "load_run", "render_report", "write_outputs"]
