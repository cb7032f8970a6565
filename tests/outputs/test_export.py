"""journey.json against its published schema, the grid/Mermaid/XLSX exports and the export command."""
import json

import jsonschema
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from feedback2journey.cli import app
from feedback2journey.outputs.export import journey_schema, mermaid, validate_journey

from conftest import FIXTURES


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "out"
    inputs = [str(FIXTURES / n) for n in ("helpdesk_tickets.csv", "survey_nps.csv", "hostile.csv")]
    result = CliRunner().invoke(app, ["run", *inputs, "--out", str(out), "-q", "--xlsx"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_journey_json_matches_the_schema(run_dir):
    journey = json.loads((run_dir / "journey.json").read_text(encoding="utf-8"))
    validate_journey(journey)
    assert journey["schema_version"] == journey_schema()["properties"]["schema_version"]["pattern"][1] + ".0"


def test_schema_rejects_a_broken_journey():
    bad = {"schema_version": "1.0", "stages": "nope"}
    with pytest.raises(jsonschema.ValidationError):
        validate_journey(bad)


@pytest.mark.slow
def test_grid_csv_and_mermaid(run_dir):
    journey = json.loads((run_dir / "journey.json").read_text(encoding="utf-8"))
    grid = pd.read_csv(run_dir / "journey_grid.csv")
    assert list(grid.columns[:4]) == ["touchpoint", "touchpoint_name", "volume", "mean_sentiment"]
    vol_cols = [c for c in grid.columns if c.endswith("_volume")]
    assert grid[vol_cols].to_numpy().sum() == journey["totals"]["segments"]
    mmd = (run_dir / "journey.mmd").read_text(encoding="utf-8")
    assert mmd.startswith("journey\n") and "  section " in mmd
    for line in mmd.splitlines()[2:]:
        if not line.strip().startswith("section"):
            name, score, actor = line.strip().rsplit(":", 2)
            assert 1 <= int(score) <= 5 and actor.strip() == "Customers"


def test_mermaid_strips_syntax_from_names():
    journey = {"stages": [{"id": "a", "name": "Buy: now; #1"}], "touchpoints": [{"id": "t", "name": "Web:site\nx"}],
               "cells": [{"stage": "a", "touchpoint": "t", "volume": 3, "mean_sentiment": -1.0}]}
    text = mermaid(journey)
    assert "section Buy  now   1" in text and "Web site x (3): 1: Customers" in text


@pytest.mark.slow
def test_xlsx_has_every_table_and_no_formulas(run_dir):
    wb = load_workbook(run_dir / "journey.xlsx")
    assert {"stages", "grid", "pain_points", "items", "segments", "rejected"} <= set(wb.sheetnames)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


@pytest.mark.slow
def test_export_command_rewrites_without_recomputing(run_dir, tmp_path):
    result = CliRunner().invoke(app, ["export", str(run_dir), "-f", "mermaid", "-f", "csv", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "journey.mmd").read_text() == (run_dir / "journey.mmd").read_text()
    assert (tmp_path / "journey_grid.csv").exists() and not (tmp_path / "items.parquet").exists()


def test_export_of_a_folder_that_is_not_a_run(tmp_path):
    result = CliRunner().invoke(app, ["export", str(tmp_path)])
    assert result.exit_code == 2 and "not a finished run" in " ".join(result.output.split())


def test_csv_cells_are_inert_in_a_spreadsheet_and_a_bare_cr_stays_in_its_cell(tmp_path):
    """items.csv was a formula carrier (=, +, -, @, tab, CR written as they came) and a bare CR was written
    unquoted, so the file parsed to more rows than items."""
    import csv as csvlib

    from feedback2journey.outputs.export import write_csv

    cells = ["=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tTAB", "\rCR",
             "line one\rline two", "fine text", "-3", "+44", None]
    frame = pd.DataFrame({"text": cells, "score": range(len(cells))})
    path = tmp_path / "items.csv"
    write_csv(frame, path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csvlib.reader(fh))[1:]
    assert len(rows) == len(cells)  # one row per item, whatever the cells hold
    got = [r[0] for r in rows]
    assert got[:6] == ["'" + c for c in cells[:6]]
    assert got[6:] == ["line one\rline two", "fine text", "-3", "+44", ""]  # plain numbers are not formulas
    assert len(pd.read_csv(path)) == len(cells)
    write_csv(frame, path, raw=True)  # --raw-csv: as they came, still quoted
    with open(path, newline="", encoding="utf-8") as fh:
        assert [r[0] for r in list(csvlib.reader(fh))[1:]][:7] == cells[:7]
