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


# ---------------------------------------------------------------- hostile files (issue 24): each failed before


def test_a_100000_column_header_is_a_clean_error_not_a_hang(tmp_path):
    header = ",".join(f"c{i}" for i in range(100_000))
    p = tmp_path / "wide.csv"
    p.write_text("text," + header + "\n" + "The parcel never came," + ",".join("x" * 100_000) + "\n")
    with pytest.raises(InputError, match="100,001 columns"):  # hung in the delimiter sniffer (50 lines of 700 KB)
        read_table(p)
    from feedback2journey.inputs.read import _sniff_delimiter

    assert _sniff_delimiter(("a;" * 5_000_000) + "\n") == ";"  # the sniffer reads a bounded sample


def test_json_nested_10000_deep_is_a_clean_input_error(tmp_path):
    p = tmp_path / "deep.json"
    p.write_text("[" * 10_000 + "]" * 10_000)
    with pytest.raises(InputError, match="nested too deeply"):
        read_table(p)
    q = tmp_path / "deep_record.json"
    q.write_text(json.dumps([{"text": "fine"}]) [:-1] + ", " + '{"text": "x", "a": ' + "[" * 200 + "]" * 200 + "}]")
    with pytest.raises(InputError, match="nested more than"):
        read_table(q)


def test_jsonl_line_nested_too_deep_is_one_reject(tmp_path):
    p = tmp_path / "deep.jsonl"
    p.write_text('{"text": "fine"}\n' + "[" * 10_000 + "]" * 10_000 + "\n" + '{"text": "also fine"}\n')
    t = read_table(p)
    assert t.frame["text"].tolist() == ["fine", "also fine"] and t.rejects == [(2, "JSON line nested too deeply")]


def test_an_unreadable_file_is_an_input_error(tmp_path, monkeypatch):
    p = write_csv(tmp_path / "locked.csv", CSV_TEXT, "utf-8")

    def denied(self):  # as root (CI containers), chmod 000 does not stop reading: the OS's error, injected
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr("pathlib.Path.read_bytes", denied)
    with pytest.raises(InputError, match="permission denied.*Fix: make it readable"):
        read_table(p)


def test_a_field_over_128_kib_is_read_and_truncated_by_ingest_not_fatal(tmp_path):
    long_text = ("The delivery was late again. " * 8000)[:200_000]
    p = tmp_path / "long.csv"
    pd.DataFrame({"id": ["1", "2"], "text": [long_text, "Short and fine"]}).to_csv(p, index=False)
    t = read_table(p)  # was: "malformed CSV (field larger than field limit (131072)). Fix: check quoting"
    assert len(t.frame["text"][0]) == 200_000
    from feedback2journey.config import Settings
    from feedback2journey.inputs.ingest import ingest_tables

    got = ingest_tables([t], ["long"], None, Settings())
    assert len(got.items) == 2 and got.items["truncated"].tolist() == [True, False]
    assert len(got.items["text"][0]) <= 5000


def test_one_nul_byte_in_one_row_cleans_that_row_only(tmp_path):
    p = tmp_path / "nul.csv"
    p.write_bytes(b"id,text\n1,The app crashed\n2,Bro\x00ken row here\n3,Refund was quick\n")
    t = read_table(p)  # was: "looks like a binary file" for the whole file
    assert t.frame["text"].tolist() == ["The app crashed", "Broken row here", "Refund was quick"]
    assert any("1 line(s) held NUL" in w for w in t.warnings)


def test_a_bare_cr_inside_a_field_as_pandas_writes_it_is_readable(tmp_path):
    p = tmp_path / "cr.csv"
    pd.DataFrame({"id": ["1", "2"], "text": ["first line\rsecond line", "plain"]}).to_csv(p, index=False)
    assert b"line\rsecond" in p.read_bytes()  # unquoted, as pandas writes it
    t = read_table(p)
    assert t.frame["text"].tolist() == ["first line\rsecond line", "plain"]
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(b"id,text\r\n1,Windows line endings\r\n2,\"quoted\r\ninside\"\r\n")
    assert read_table(crlf).frame["text"].tolist() == ["Windows line endings", "quoted\ninside"]


def test_a_file_mixing_utf8_and_cp1252_rows_keeps_both(tmp_path):
    p = tmp_path / "mixed.csv"
    p.write_bytes("id,text\n1,Café crème in UTF-8\n".encode("utf-8") + "2,Très cher en cp1252 – 5 €\n".encode("cp1252")
                  + "3,Kühlschrank (UTF-8)\n".encode("utf-8"))
    t = read_table(p)  # was: the whole file as cp1252, every UTF-8 row garbled ("CafÃ©")
    assert t.frame["text"].tolist() == ["Café crème in UTF-8", "Très cher en cp1252 – 5 €", "Kühlschrank (UTF-8)"]
    assert t.encoding == "utf-8+cp1252" and "1 line(s) are not valid UTF-8" in t.warnings[0]


def test_xlsx_with_a_stray_value_far_below_skips_the_blank_rows(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "text"])
    ws.append(["1", "The courier was rude"])
    ws.append(["2", "Great support"])
    ws.cell(row=100_000, column=1, value="x")  # a stray value far down (Excel's last row in the issue)
    wb.save(tmp_path / "stray.xlsx")
    t = read_table(tmp_path / "stray.xlsx")  # was: ~100,000 "empty text" rejects
    assert t.frame["text"].tolist() == ["The courier was rude", "Great support", ""] and len(t.frame) == 3


def test_duplicate_column_names_are_renamed_with_a_warning(tmp_path):
    p = tmp_path / "dup.csv"
    p.write_text("id,text,text\n1,Title here,Body here\n")
    t = read_table(p)
    assert list(t.frame.columns) == ["id", "text", "text.1"]
    assert any("duplicate column names" in w and "'text' 2 times" in w for w in t.warnings)
    with pd.ExcelWriter(tmp_path / "dup.xlsx") as xw:
        pd.DataFrame([["1", "a", "b"]], columns=["id", "x", "y"]).rename(columns={"y": "x"}).to_excel(xw, index=False)
    x = read_table(tmp_path / "dup.xlsx")
    assert list(x.frame.columns) == ["id", "x", "x.1"] and any("duplicate column names" in w for w in x.warnings)


def test_csv_parse_errors_name_the_line(tmp_path):
    p = tmp_path / "broken.csv"
    p.write_text("id,text\n1,fine\n2,also fine\n3,\"never closed\n4,more\n")
    with pytest.raises(InputError, match=r"line \d+"):
        read_table(p)
    q = tmp_path / "fields.csv"
    q.write_text("id,text\n1,fine\n2,too,many,fields\n")
    with pytest.raises(InputError, match="line 3"):
        read_table(q)


def test_a_bom_that_lies_is_a_clean_error_or_a_per_line_decode(tmp_path):
    """Found by the fuzz test: a UTF-16 byte order mark on bytes that are not UTF-16 was a UnicodeDecodeError."""
    p = tmp_path / "liar.jsonl"
    p.write_bytes(b"\xfe\xff\x00")
    with pytest.raises(InputError, match="not valid UTF-16"):
        read_table(p)
    q = tmp_path / "bom.csv"
    q.write_bytes(b"\xef\xbb\xbfid,text\n1,caf\xe9 cr\xe8me\n")  # a UTF-8 BOM, then cp1252
    assert read_table(q).frame["text"].tolist() == ["café crème"]
