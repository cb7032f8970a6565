"""Column detection on the three export shapes the project recognises (fixtures written by the project)."""
import pytest

from feedback2journey.inputs.columns import ColumnMapping, detect_columns
from feedback2journey.config import Settings
from feedback2journey.inputs.ingest import ingest_paths
from feedback2journey.inputs.read import read_table

from conftest import FIXTURES


@pytest.mark.parametrize("name,text,id_,date,score,kind,channel,segment,input_kind", [
    ("helpdesk_tickets.csv", ("subject", "description"), "id", "created_at", None, None, "channel",
     "requester_segment", "tickets"),
    ("app_reviews.json", ("title", "content"), "id", "date", "rating", "rating", None, None, "reviews"),
    ("reviews.jsonl", ("body",), "review_id", "created", "stars", "rating", None, None, "reviews"),
    ("survey_nps.csv", ("Why did you give this score?",), "respondent_id", "submitted", "NPS", "nps", None, None,
     "survey"),
])
def test_shapes_are_recognised(name, text, id_, date, score, kind, channel, segment, input_kind):
    m = detect_columns(read_table(FIXTURES / name).frame)
    assert (m.text, m.id, m.date, m.score, m.score_kind, m.channel, m.segment, m.input_kind) == \
        (text, id_, date, score, kind, channel, segment, input_kind)


def test_overrides_win_over_detection():
    frame = read_table(FIXTURES / "helpdesk_tickets.csv").frame
    m = detect_columns(frame, ColumnMapping(text=("description",), segment="channel"))
    assert m.text == ("description",) and m.segment == "channel" and m.channel is None
    assert "text" not in m.detected and "id" in m.detected


def test_a_repeating_id_like_column_is_not_the_row_id(tmp_path, caplog):
    """A review export's product id ("Product ID": several reviews per product) matches the id name pattern;
    taking it as the row id would reject most rows as duplicates. Rows are numbered instead, with a warning."""
    import pandas as pd

    rows = [{"Product ID": 100 + i % 7, "Review Text": f"The zip broke after {i + 2} days of wear.", "Rating": 2}
            for i in range(60)]
    path = tmp_path / "reviews.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    m = detect_columns(read_table(path).frame)
    assert m.id is None and m.text == ("Review Text",)
    assert len(m.notes) == 1 and "--id-column 'Product ID'" in m.notes[0]
    ing = ingest_paths([path], None, Settings())
    assert len(ing.items) == 60 and len(ing.rejected) == 0
    assert any("Product ID" in w for w in ing.inputs[0].warnings) and "Product ID" in caplog.text
    forced = ingest_paths([path], ColumnMapping(id="Product ID"), Settings())
    assert len(forced.items) == 7 and len(forced.rejected) == 53  # asked for: duplicates rejected
    unique = pd.DataFrame(rows).assign(**{"Product ID": range(60)})
    assert detect_columns(unique).id == "Product ID"  # unique values: a row id


def test_european_survey_parses_decimal_comma_and_day_first_dates():
    ing = ingest_paths([FIXTURES / "survey_semicolon.csv"], ColumnMapping(score="csat"), Settings())
    assert ing.items["score"].iloc[0] == 4.5
    assert ing.items["date"].iloc[0].month == 5 and ing.items["date"].iloc[0].day == 14
    assert "Jürgen" in ing.items["text"].iloc[0]


def test_ticket_html_quotes_and_signatures_are_cleaned():
    ing = ingest_paths([FIXTURES / "helpdesk_tickets.csv"], None, Settings())
    texts = " ".join(ing.items["text"])
    assert "<p>" not in texts and "&amp;" not in texts and "wrote:" not in texts and "\n>" not in texts
    assert "Sent from my" not in texts
    # the original, uncleaned text stays in the input's own column
    assert ing.items["description"].str.contains("<").any()
