"""The CLI end to end with the real models, on the project's own fixtures."""
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback2journey.cli import app
from feedback2journey.schema import OUTPUT_COLUMNS, REJECT_COLUMNS, SEGMENT_COLUMNS

from conftest import FIXTURES

runner = CliRunner()


def said(result) -> str:
    """The command's output with Rich's line wrapping undone."""
    return " ".join(result.output.split())
INPUTS = ["helpdesk_tickets.csv", "app_reviews.json", "survey_nps.csv", "reviews.jsonl", "bad_rows.csv"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    result = runner.invoke(app, ["run", *[str(FIXTURES / n) for n in INPUTS], "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_run_writes_the_output_contract(run_dir):
    for name in ("items.parquet", "items.csv", "segments.parquet", "pain_points.csv", "journey.json", "report.html",
                 "rejected.csv", "run.json"):
        assert (run_dir / name).stat().st_size > 0, name
    items = pd.read_parquet(run_dir / "items.parquet")
    assert list(items.columns[: len(OUTPUT_COLUMNS)]) == OUTPUT_COLUMNS
    segments = pd.read_parquet(run_dir / "segments.parquet")
    assert list(segments.columns[: len(SEGMENT_COLUMNS)]) == SEGMENT_COLUMNS
    assert set(segments["item_id"]) == set(items["item_id"])
    analyzed = items["sentiment_label"] != "not_analyzed"  # another language: kept, labelled so, numbers empty
    assert items.loc[analyzed, "sentiment"].between(-1, 1).all() and items.loc[~analyzed, "sentiment"].isna().all()
    assert set(items["sentiment_label"]) <= {"negative", "neutral", "positive", "not_analyzed"}
    assert list(pd.read_csv(run_dir / "rejected.csv").columns) == REJECT_COLUMNS
    # items.csv carries the same rows and the input's own columns (e.g. the ticket subject)
    items_csv = pd.read_csv(run_dir / "items.csv")
    assert len(items_csv) == len(items) and "subject" in items_csv.columns


@pytest.mark.slow
def test_every_row_is_accounted_for(run_dir):
    run = json.loads((run_dir / "run.json").read_text())
    assert run["rows_read"] == run["analyzed"] + run["rejected"]
    read_per_input = {i["source"]: i["rows_read"] for i in run["inputs"]}
    assert read_per_input["bad_rows"] == 8 and read_per_input["helpdesk_tickets"] == 10
    rejected = pd.read_csv(run_dir / "rejected.csv")
    assert set(rejected["source"]) == {"bad_rows", "survey_nps"}  # survey r-1007 has an empty answer
    assert rejected.loc[rejected["item_id"] == "r-1007", "reason"].tolist() == ["empty text"]
    assert rejected["reason"].str.len().gt(5).all()
    assert run["models"]["embedding"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert set(run["timings_s"]) >= {"read", "segment", "embed", "classify", "feel", "cluster", "total"}


@pytest.mark.slow
def test_items_are_labelled_sensibly(run_dir):
    items = pd.read_parquet(run_dir / "items.parquet").set_index("item_id")
    # ticket 4101: "Order ... not arrived / tracking still says preparing for dispatch"
    assert items.loc["4101", "stage"] == "delivery"
    assert items.loc["4101", "channel"] == "email"
    assert items.loc["ar-002", "sentiment_label"] == "negative"  # "crashes every time ... Please fix!"
    assert items.loc["ar-002", "channel"] == "app_store"
    assert items.loc["r-1002", "sentiment_label"] == "negative"  # "Still waiting for my refund, day 19"
    assert items.loc["r-1002", "stage"] == "returns"


@pytest.mark.slow
def test_report_is_self_contained_and_has_the_map(run_dir):
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html and html.count("<script") == 2  # data block + our own script
    assert "http://" not in html and "https://" not in html.replace("https://t.co", "")
    assert "Emotion curve" in html and "Journey map" in html and "Delivery" in html


def test_missing_input_exits_2_with_message(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 2
    assert "file not found" in said(result)


def test_no_text_column_exits_2_and_suggests_option(tmp_path):
    (tmp_path / "n.csv").write_text("id,score\n1,5\n2,4\n", encoding="utf-8")
    result = runner.invoke(app, ["run", str(tmp_path / "n.csv"), "--out", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 2 and "--text-column" in said(result)


def test_bad_config_exits_2(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("stages: []\n", encoding="utf-8")
    result = runner.invoke(app, ["run", str(FIXTURES / "bad_rows.csv"), "-c", str(cfg), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "'stages' is missing or empty" in said(result)


def test_init_writes_a_valid_editable_copy(tmp_path):
    target = tmp_path / "journey.yaml"
    assert runner.invoke(app, ["init", str(target)]).exit_code == 0
    assert "stages:" in target.read_text(encoding="utf-8")
    assert runner.invoke(app, ["init", str(target)]).exit_code == 2  # no silent overwrite
    assert runner.invoke(app, ["init", str(target), "--force"]).exit_code == 0
    ok = runner.invoke(app, ["validate", str(target)])
    assert ok.exit_code == 0 and "13 stages" in ok.output


@pytest.mark.parametrize("command", ["run", "init", "validate"])
def test_every_command_help_shows_an_example(command):
    result = runner.invoke(app, [command, "--help"], terminal_width=120)
    assert result.exit_code == 0
    assert "Example" in result.output and "feedback2journey " in result.output
