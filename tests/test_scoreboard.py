"""The quality scoreboard (benchmarks/scoreboard.py, issue 19) on a tiny invented fixture.

Fast tests cover the metrics, rows, table, markdown, compare, the loaders and the absent-set path without any
model; the slow test runs the whole code path (analyze, encoder, VADER, BERTopic, KMeans) on the fixture in
tests/fixtures/scoreboard/data, a fake ``shared/data`` layout whose every line was written for these tests.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import scoreboard  # noqa: E402
import scoreboard_metrics as M  # noqa: E402
import scoreboard_sets as S  # noqa: E402
from heldout_splits import uci_part  # noqa: E402  (scoreboard_sets puts scripts/ on the path)

FIXTURE = REPO / "tests" / "fixtures" / "scoreboard" / "data"


# ------------------------------------------------------------------------------------------------ metrics
def test_macro_f1_counts_unclassified_as_a_miss():
    # a: P 1/1, R 1/2 -> 2/3; b: P 1/2, R 1/2 -> 1/2; "unclassified" is no class of its own
    f1 = M.macro_f1(["a", "a", "b", "b"], ["a", "b", "b", "unclassified"], ["a", "b"])
    assert f1 == pytest.approx((2 / 3 + 1 / 2) / 2)


def test_multilabel_macro_f1_and_unknown_labels():
    gold = [("x",), ("x", "y"), ("y",)]
    # row 3 predicts a label outside the set: wrong, and ignored as a class
    assert M.multilabel_macro_f1(gold, [("x",), ("y",), ("z",)], ["x", "y"]) == pytest.approx(2 / 3)
    assert M.multilabel_macro_f1(gold, [("x",), ("x",), ("y",)], ["x", "y"]) == pytest.approx((1 + 2 / 3) / 2)
    # a label no row carries is left out of the macro average (not a free 0)
    assert M.multilabel_macro_f1(gold, [("x",), ("x",), ("y",)], ["x", "y", "w"]) == pytest.approx((1 + 2 / 3) / 2)


def test_nmi_with_unassigned_as_own_label():
    assert M.nmi(["a", "a", "b", "b"], [3, 3, 7, 7]) == pytest.approx(1.0)
    assert M.nmi(["a", "a", "b", "b"], [-1, -1, -1, -1]) == pytest.approx(0.0)
    # -1 is one more cluster: splitting class b into a cluster and "unassigned" costs NMI
    assert 0 < M.nmi(["a", "a", "b", "b"], [1, 1, 2, -1]) < 1


def test_accuracy_and_vader_thresholds():
    assert M.accuracy(["positive", "negative"], ["positive", "neutral"]) == 0.5
    assert list(M.polarity_labels([0.05, -0.05, 0.049, -0.2])) == ["positive", "negative", "neutral", "negative"]


def test_emotion_mapping_by_name():
    assert M.to_goemotions("frustration") == "annoyance"
    assert M.to_goemotions("joy") == "joy"  # a GoEmotions name maps to itself
    assert S.TO_EKMAN[M.to_goemotions("worry")] == "fear"
    assert S.TO_EKMAN[M.to_goemotions("delight")] == "joy"


def test_faithfulness_nearest_class_name():
    class_names = ["card", "transfer"]
    class_vecs = np.array([[1.0, 0.0], [0.0, 1.0]])
    labels = {"P1": "lost card", "P2": "card again"}
    vecs = {"P1": np.array([0.9, 0.1]), "P2": np.array([0.8, 0.2])}
    members = {"P1": ["card", "card", "transfer"], "P2": ["transfer", "transfer"]}
    # P1's label is nearest "card", its majority: hit; P2's label is nearest "card", its majority is transfer: miss
    assert M.faithfulness(labels, members, vecs, class_names, class_vecs) == pytest.approx(0.5)


# ------------------------------------------------------------------------------------------------ rows, table
def test_make_row_margin_and_direction():
    r = M.make_row("m", "s", "all 10", 0.7, {"vader": 0.6, "other": 0.65})
    assert r["margin"] == pytest.approx(0.05) and r["beats"] is True
    r = M.make_row("m", "s", "all 10", 0.6, {"bertopic": 0.7, "kmeans": 0.5})
    assert r["margin"] == pytest.approx(-0.1) and r["beats"] is False  # against the best baseline
    r = M.make_row("unassigned", "s", "all 10", 0.1, {"bertopic": 0.3}, higher_is_better=False)
    assert r["margin"] == pytest.approx(0.2) and r["beats"] is True
    r = M.make_row("cost", "s", "all 10", 12.0, {"encoder": 2.0}, higher_is_better=None)
    assert r["margin"] is None and r["beats"] is None
    r = M.make_row("m", "s", "0 rows", None, {"vader": None})
    assert r["beats"] is None and M.flag(r) == "n/a"


def _rows():
    return [M.make_row("sentiment 3-class macro-F1", "uci", "all 30", 0.8, {"vader": 0.7}),
            M.make_row("pain points NMI", "hwu64", "all 38", 0.5, {"bertopic": 0.6}),
            M.make_row("cost: wall s", "hwu64", "all 38", 30.0, {"bare encoder": 1.5}, higher_is_better=None)]


def test_table_marks_losing_rows_red_and_markdown_bold():
    lines = M.table_lines(_rows(), color=True)
    losing = next(x for x in lines if "hwu64" in x and "NMI" in x)
    winning = next(x for x in lines if "uci" in x)
    assert losing.startswith(M.RED) and "BELOW" in losing
    assert winning.startswith(M.GREEN) and "ok" in winning
    assert all("\033" not in x for x in M.table_lines(_rows(), color=False))
    board = {"date": "2026-12-03", "commit": "abc123", "total_s": 5.0, "rows": _rows(), "absent": ["mams"],
             "sets": {"uci": {"notes": ["nothing fitted"]}}}
    md = M.markdown(board)
    assert "| pain points NMI | hwu64 | all 38 | **0.500** | bertopic 0.600 | -0.100 | **below** |" in md
    assert "`mams`" in md and "abc123" in md and "nothing fitted" in md


def test_compare_prints_deltas_and_turns():
    old = {"date": "d1", "commit": "c1", "rows": _rows()}
    new_rows = _rows()
    new_rows[0] = M.make_row("sentiment 3-class macro-F1", "uci", "all 30", 0.65, {"vader": 0.7})
    new_rows.append(M.make_row("themes NMI", "hwu64", "all 38", 0.4, {"kmeans": 0.3}))
    out = "\n".join(M.compare(old, {"date": "d2", "commit": "c2", "rows": new_rows}))
    assert "0.800 -> 0.650 (-0.150; margin -0.150) (now below baseline)" in out
    assert "new      themes NMI / hwu64" in out
    assert "pain points NMI / hwu64: 0.500 -> 0.500 (+0.000" in out


# ------------------------------------------------------------------------------------------------ sets, absent
def test_loaders_read_the_fixture_layout():
    u = S.uci(FIXTURE, None, 19)  # the test part only: the sentiment encoder trains on the train part
    assert len(u.frame) == 15 and u.sample == "all 15 test part (3 sources)"
    assert (u.frame["binary"] == "negative").sum() == 7
    assert all(uci_part(t) == "test" for t in u.frame["text"])
    h = S.hwu64(FIXTURE, 20, 19)
    assert len(h.frame) == 20 and h.sample == "n=20 of 38 test, seed 19"
    assert set(h.frame["label"]) <= {"alarm", "weather", "play", "lists"}
    assert h.frame.equals(S.hwu64(FIXTURE, 20, 19).frame)  # the seed fixes the sample
    with pytest.raises(S.Absent):
        S.banking77(FIXTURE, None, 19)


def test_all_sets_absent_writes_json_and_compares(tmp_path, capsys):
    out, md = tmp_path / "board.json", tmp_path / "board.md"
    assert scoreboard.main(["--data", str(tmp_path / "nothing"), "--out", str(out), "--markdown", str(md)]) == 0
    board = json.loads(out.read_text())
    assert board["absent"] == list(scoreboard.SETS) and board["rows"] == []
    assert {"date", "commit", "total_s", "seed"} <= set(board)
    assert "absent: goemotions" in capsys.readouterr().out
    assert scoreboard.main(["--data", str(tmp_path / "nothing"), "--out", str(tmp_path / "b2.json"),
                            "--compare", str(out)]) == 0
    assert "compare:" in capsys.readouterr().out


def test_unknown_set_is_an_error(tmp_path):
    with pytest.raises(SystemExit):
        scoreboard.main(["--data", str(tmp_path), "--sets", "nope", "--out", str(tmp_path / "x.json")])


# ------------------------------------------------------------------------------------------------ whole path
@pytest.mark.slow
def test_scoreboard_runs_on_the_fixture(tmp_path, capsys):
    out, md = tmp_path / "board.json", tmp_path / "board.md"
    code = scoreboard.main(["--data", str(FIXTURE), "--sets", "uci,hwu64,banking77,clothing,goemotions", "--quick",
                            "--threads", "1",
                            "--out", str(out), "--markdown", str(md)])
    assert code == 0
    board = json.loads(out.read_text())
    assert board["absent"] == ["banking77"]
    rows = {(r["measure"], r["set"]): r for r in board["rows"]}
    assert ("error", "uci") not in rows and ("error", "hwu64") not in rows
    for key in [("sentiment binary accuracy", "uci"), ("classification macro-F1", "hwu64"),
                ("classification segment macro-F1", "hwu64"),
                ("pain points NMI vs intents", "hwu64"), ("themes NMI vs domains", "hwu64"),
                ("pain points label faithfulness", "hwu64")]:
        r = rows[key]
        assert r["ours"] is not None and 0 <= r["ours"] <= 1, key
    seg_row = rows[("classification segment macro-F1", "hwu64")]  # beside the item row, on the same segments
    assert seg_row["baselines"]["cosine"] is not None and "segments of" in seg_row["sample"]
    assert rows[("sentiment binary accuracy", "uci")]["baselines"]["vader"] is not None
    # emotions: the default run mapped by name, and the same rows re-run with each other vocabulary
    for measure in ("emotions Ekman-7 macro-F1", "emotions Ekman-7 macro-F1 (emotion_set: ekman)",
                    "emotions 28-label macro-F1 (emotion_set: goemotions)"):
        assert 0 <= rows[(measure, "goemotions")]["ours"] <= 1, measure
    assert rows[("emotions Ekman-7 macro-F1 (emotion_set: ekman)", "goemotions")]["ours"] > 0.3  # 16 clear comments
    assert rows[("sentiment 3-class macro-F1", "goemotions")]["ours"] is not None
    assert rows[("pain points NMI vs intents", "hwu64")]["baselines"]["kmeans k=7"] is not None
    assert "k=7 intents" in rows[("pain points NMI vs intents", "hwu64")]["note"]
    cost = rows[("cost: wall s (analyze vs bare encoder)", "hwu64")]
    assert cost["ours"] > 0 and cost["baselines"]["bare encoder"] > 0
    assert board["sets"]["uci"]["sample"] == "all 15 test part (3 sources)"
    assert "sentiment binary accuracy" in md.read_text()
    # the negative items' coverage (issue 22): a share, with the reasons of those left out
    cover = rows[("pain points negative items without one", "clothing")]
    assert 0 <= cover["ours"] <= 1 and "negative items; why not" in cover["note"]
    assert "labels read as a keyword list" in rows[("pain points clusters (negative items)", "clothing")]["note"]
