"""Every reader, every encoding path, and the fatal-input errors."""
import json

import pandas as pd
import pytest

from feedback2journey.inputs.read import InputError, read_table

ROWS = [{"id": "1", "comment": "Der Kühlschrank kam beschädigt an, café crème"},
        {"id": "2", "comment": "Livraison rapide, très bien"}]


def write_csv(path, text, encoding, bom=b""):
    path.write_bytes(bom + text.encode(encoding))
    return path


CSV_TEXT = "id,comment\n1,\"Der Kühlschrank kam beschädigt an, café crème\"\n2,\"Livraison rapide, très bien\"\n"


@pytest.mark.parametrize("encoding,bom,expected", [
    ("utf-8", b"", "utf-8"),
    ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
])
def test_csv_utf8_and_bom(tmp_path, encoding, bom, expected):
    t = read_table(write_csv(tmp_path / "a.csv", CSV_TEXT, encoding, bom))
    assert t.encoding == expected
    assert list(t.frame.columns) == ["id", "comment"]  # no BOM glued to the first header
    assert t.frame["comment"].tolist() == [r["comment"] for r in ROWS]


def test_csv_utf16_tab_as_excel_writes_it(tmp_path):
    # Excel's "Unicode Text": UTF-16 LE with BOM, tab-delimited
    text = "id\tcomment\n" + "".join(f"{r['id']}\t{r['comment']}\n" for r in ROWS)
    t = read_table(write_csv(tmp_path / "excel.txt", text, "utf-16"))
    assert t.encoding == "utf-16" and t.delimiter == "\t"
    assert t.frame["comment"].tolist() == [r["comment"] for r in ROWS]


def test_csv_latin1_fallback_warns(tmp_path, caplog):
    t = read_table(write_csv(tmp_path / "legacy.csv", CSV_TEXT, "latin-1"))
    assert t.encoding in ("cp1252", "latin-1")
    assert t.frame["comment"][0] == ROWS[0]["comment"]
    assert t.warnings and "not valid UTF-8" in t.warnings[0]


def test_csv_semicolon_with_decimal_comma(tmp_path):
    t = read_table(write_csv(tmp_path / "eu.csv", "id;csat;text\n1;4,5;Sehr gut\n2;2,0;Zu spät\n", "utf-8"))
    assert t.delimiter == ";" and t.decimal == ","
    assert t.frame["csat"].tolist() == ["4,5", "2,0"]  # kept as exported; ingest parses it


def test_explicit_wrong_encoding_names_the_fix(tmp_path):
    p = write_csv(tmp_path / "legacy.csv", CSV_TEXT, "latin-1")
    with pytest.raises(InputError, match="encoding='latin-1'") as e:  # a Python caller reads an argument
        read_table(p, encoding="utf-8")
    assert "--encoding latin-1" in e.value.for_cli()  # the command line prints its flag


def test_json_array_and_object_with_records(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(ROWS), encoding="utf-8")
    assert read_table(tmp_path / "a.json").frame["comment"].tolist() == [r["comment"] for r in ROWS]
    (tmp_path / "b.json").write_text(json.dumps({"exported": "2026-05-01", "records": ROWS}), encoding="utf-8")
    assert len(read_table(tmp_path / "b.json").frame) == 2
    nested = [{"id": 1, "user": {"plan": "Plus"}, "tags": ["a", "b"], "text": "hi there"}]
    (tmp_path / "c.json").write_text(json.dumps({"reviews": nested}), encoding="utf-8")
    frame = read_table(tmp_path / "c.json").frame
    assert frame["user.plan"][0] == "Plus" and frame["tags"][0] == '["a", "b"]'


def test_json_errors(tmp_path):
    (tmp_path / "bad.json").write_text('{"a": [1, 2', encoding="utf-8")
    with pytest.raises(InputError, match="invalid JSON at line 1"):
        read_table(tmp_path / "bad.json")
    (tmp_path / "lines.json").write_text('{"a": 1}\n{"a": 2}\n', encoding="utf-8")
    with pytest.raises(InputError, match="rename it to .jsonl"):
        read_table(tmp_path / "lines.json")
    (tmp_path / "obj.json").write_text('{"a": 1, "b": 2}', encoding="utf-8")
    with pytest.raises(InputError, match="no single list of records"):
        read_table(tmp_path / "obj.json")


def test_jsonl_bad_line_becomes_a_reject(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text('{"id": 1, "text": "good"}\n{broken\n\n[1, 2]\n{"id": 4, "text": "fine"}\n', encoding="utf-8")
    t = read_table(p)
    assert t.frame["text"].tolist() == ["good", "fine"]
    assert t.row_numbers == [1, 4]
    assert [r for r, _ in t.rejects] == [2, 3]
    assert "invalid JSON line" in t.rejects[0][1]


def test_parquet_and_xlsx(tmp_path):
    frame = pd.DataFrame(ROWS)
    frame.to_parquet(tmp_path / "a.parquet")
    assert read_table(tmp_path / "a.parquet").frame["comment"].tolist() == frame["comment"].tolist()
    with pd.ExcelWriter(tmp_path / "a.xlsx") as xw:
        frame.to_excel(xw, sheet_name="Feedback", index=False)
        frame.head(1).to_excel(xw, sheet_name="Other", index=False)
    t = read_table(tmp_path / "a.xlsx")
    assert t.frame["comment"].tolist() == frame["comment"].tolist()
    assert "ignored" in t.warnings[0]


@pytest.mark.parametrize("name,content,pattern", [
    ("empty.csv", b"", "file is empty"),
    ("blank.csv", b"   \n\n", "no content"),
    ("header.csv", b"id,text\n", "no records found"),
    ("data.pdf", b"%PDF-1.4", "unsupported format '.pdf'"),
    ("zip.csv", b"PK\x03\x04rest-of-a-zip", "binary"),
    ("broken.parquet", b"not parquet", "not a readable Parquet"),
    ("broken.xlsx", b"not a workbook", "not a readable .xlsx"),
])
def test_fatal_inputs_have_clear_errors(tmp_path, name, content, pattern):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError, match=pattern):
        read_table(p)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        read_table(tmp_path)
