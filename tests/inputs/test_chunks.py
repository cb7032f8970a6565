"""The streamed readers (files over STREAM_MIN_BYTES; forced here with stream_min_bytes=0) on the hostile files
the whole-file readers handle: the same rows come out either way."""
import pandas as pd
import pytest

from feedback2journey.inputs.chunks import expand_inputs, iter_chunks
from feedback2journey.inputs.read import InputError, read_table


def _streamed(path, chunk_rows=2):
    tables = list(iter_chunks(expand_inputs([path])[0], chunk_rows, stream_min_bytes=0))
    return pd.concat([t.frame for t in tables], ignore_index=True), [w for t in tables for w in t.warnings]


def test_streamed_csv_keeps_bare_crs_mixed_encodings_and_warns_on_duplicates(tmp_path):
    p = tmp_path / "hostile.csv"
    p.write_bytes("id,text,text\n1,Café\rcrème,a\n".encode("utf-8") + "2,Très cher – 5 €,b\n".encode("cp1252")
                  + b"3,Bro\x00ken,c\n")
    frame, warnings = _streamed(p)
    assert frame["text"].tolist() == ["Café\rcrème", "Très cher – 5 €", "Broken"]
    assert frame["text.1"].tolist() == ["a", "b", "c"]
    assert any("1 line(s) are not valid UTF-8" in w for w in warnings)
    assert any("duplicate column names" in w for w in warnings)
    whole = read_table(p)
    assert whole.frame["text"].tolist() == frame["text"].tolist()


def test_streamed_crlf_csv_has_no_stray_cr(tmp_path):
    p = tmp_path / "crlf.csv"
    p.write_bytes(b"id,text\r\n1,Windows\r\n2,\"quoted\r\ninside\"\r\n3,last\r\n")
    frame, _ = _streamed(p)
    assert frame["text"].tolist() == ["Windows", "quoted\r\ninside", "last"]
    assert list(frame.columns) == ["id", "text"]


def test_streamed_jsonl_rejects_a_too_deep_line_only(tmp_path):
    p = tmp_path / "deep.jsonl"
    p.write_text('{"text": "fine"}\n' + "[" * 10_000 + "]" * 10_000 + '\n{"text": "also fine"}\n')
    tables = list(iter_chunks(expand_inputs([p])[0], 10, stream_min_bytes=0))
    assert [r for t in tables for r in t.rejects] == [(2, "JSON line nested too deeply")]


def test_an_unreadable_streamed_file_is_an_input_error(tmp_path, monkeypatch):
    p = tmp_path / "locked.csv"
    p.write_text("id,text\n1,hello there\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr("feedback2journey.inputs.chunks._open", denied)
    with pytest.raises(InputError, match="permission denied"):
        list(iter_chunks(expand_inputs([p])[0], 10, stream_min_bytes=0))


def test_names_that_collide_once_stripped_stay_distinct(tmp_path):
    """Found by the fuzz test: " a" and "a" both became "a", and selecting one returned a frame of two."""
    p = tmp_path / "strip.csv"
    p.write_text(" text,text\nfirst one,second one\n")
    frame, _ = _streamed(p)
    assert list(frame.columns) == ["text", "text.1"]
    assert list(read_table(p).frame.columns) == ["text", "text.1"]
