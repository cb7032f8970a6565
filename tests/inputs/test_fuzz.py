"""Fuzzing the readers (Hypothesis, bounded: ~200 examples per format, each under an alarm): any bytes in, either
a clean ``UserError`` (the CLI's exit 2) or rows that are all accounted for (read = analyzed + rejected), never
another exception and never a hang. Runs in the quick suite and in CI."""
import signal
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback2journey.config import Settings
from feedback2journey.errors import UserError
from feedback2journey.inputs.chunks import expand_inputs, iter_chunks
from feedback2journey.inputs.columns import detect_columns
from feedback2journey.inputs.ingest import items_from_table

PER_EXAMPLE_S = 10  # far above any example's time on a loaded 2-core machine; a hang fails instead of stalling CI

# the pieces real exports break on: delimiters, quotes, line ends, NULs, BOMs, bytes of other encodings, JSON syntax
TOKENS = [b",", b";", b"\t", b"|", b"\n", b"\r\n", b"\r", b'"', b"'", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xe9",
          b"\xc3\xa9", b"\x80", b"text", b"id", b"comment", b"The app crashed again", b"1", b"-3", b"=1+1", b"{", b"}",
          b"[", b"]", b":", b'"text"', b"null", b"  ", b"\xe2\x80\xae", b"\xe2\x80\x8b", b"4111 1111 1111 1111"]
structured = st.lists(st.sampled_from(TOKENS), max_size=60).map(b"".join)
headed = st.tuples(st.sampled_from([b"id,text\n", b"text\n", b"id;text\r\n", b""]), structured).map(b"".join)
jsonish = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                       lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.sampled_from(["text", "id", "a"]), kids,
                                                                                  max_size=3), max_leaves=12)
any_bytes = st.one_of(st.binary(max_size=3000), headed, jsonish.map(lambda o: __import__("json").dumps(o).encode()))


@contextmanager
def alarm(seconds: int):
    def hang(*_):
        raise AssertionError(f"reader still running after {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def read_and_account(path, stream: bool) -> None:
    """The CLI's path: expand, chunks, columns, items_from_table; every record is an item or a reject."""
    try:
        files = expand_inputs([path])
        read = analyzed = rejected = 0
        cols, seen = None, {}
        for table in iter_chunks(files[0], 7, stream_min_bytes=0 if stream else 2**40):
            cols = cols or detect_columns(table.frame)
            for c in (*cols.text, cols.id):
                if c and c not in table.frame.columns:
                    table.frame[c] = ""
            items, rejects, _ = items_from_table(table, "fuzz", cols, Settings(), True, seen_ids=seen)
            read += len(table.frame) + len(table.rejects)
            analyzed += len(items)
            rejected += len(rejects)
        assert read == analyzed + rejected, (read, analyzed, rejected)
    except UserError as exc:  # InputError, ColumnError: exit 2 with a message
        assert str(exc)


@pytest.mark.parametrize("suffix,stream", [(".csv", False), (".csv", True), (".json", False), (".jsonl", False),
                                           (".jsonl", True), (".xlsx", False), (".parquet", False)])
def test_any_bytes_give_a_clean_error_or_accounted_rows(tmp_path_factory, suffix, stream):
    folder = tmp_path_factory.mktemp("fuzz")

    @settings(max_examples=200 if suffix in (".csv", ".json", ".jsonl") else 40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(data=any_bytes)
    def check(data):
        path = folder / f"input{suffix}"
        path.write_bytes(data)
        with alarm(PER_EXAMPLE_S):
            read_and_account(path, stream)

    check()
