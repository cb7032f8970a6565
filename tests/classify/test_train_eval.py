"""Few-shot heads (train.py), the evaluation report (evaluate.py) and their CLI commands."""
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback2journey.classify.zero_shot import PrototypeClassifier
from feedback2journey.cli import app
from feedback2journey.config import ConfigError
from feedback2journey.classify.evaluate import add_item_level, cosine_baseline, load_labeled, reliability, score_task
from feedback2journey.inputs.read import InputError
from feedback2journey.classify.train import HEAD_JSON, HEAD_NPZ, HeadClassifier, load_head, save_head, taxonomy_hash

from conftest import FIXTURES

LABELED = FIXTURES / "labeled_journey.csv"
runner = CliRunner()


def said(result) -> str:
    return " ".join(result.output.split())


def test_load_labeled_reads_both_tasks_and_keeps_unlabelled_cells_empty(config):
    data = load_labeled(LABELED, config)
    assert list(data.columns) == ["text", "stage", "touchpoint"]
    assert len(data) == 26
    assert data["stage"].isna().sum() == 2 and data["touchpoint"].notna().all()
    assert data.loc[0, "touchpoint"] == "delivery_and_courier"


def test_load_labeled_rejects_unknown_labels_and_missing_columns(tmp_path, config):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,touchpoint\nhello there,delivery\n", encoding="utf-8")
    with pytest.raises(InputError, match="not touchpoint ids.*delivery"):
        load_labeled(bad, config)
    none = tmp_path / "none.csv"
    none.write_text("text,label\nhello there,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="stage.*touchpoint"):
        load_labeled(none, config)
    notext = tmp_path / "notext.csv"
    notext.write_text("body,stage\nhello there,delivery\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"ColumnMapping\(text="):
        load_labeled(notext, config)
    assert load_labeled(notext, config, text_column="body")["stage"].tolist() == ["delivery"]


def test_score_task_counts_unclassified_as_a_miss():
    truth = ["a", "a", "a", "b", "b", "c"]
    pred = ["a", "a", "unclassified", "b", "a", "c"]
    forced = ["a", "a", "b", "b", "a", "c"]
    conf = [0.9, 0.8, 0.2, 0.7, 0.95, 0.6]
    res = score_task(truth, pred, forced, conf, texts=list("uvwxyz"))
    pc = {r["label"]: r for r in res["per_class"]}
    assert pc["a"]["precision"] == pytest.approx(2 / 3, abs=1e-4) and pc["a"]["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert pc["b"]["precision"] == 1.0 and pc["b"]["recall"] == 0.5
    assert res["macro_f1"] == pytest.approx(np.mean([2 / 3, 2 / 3, 1.0]), abs=1e-4)
    assert res["accuracy"] == pytest.approx(4 / 6, abs=1e-4) and res["coverage"] == pytest.approx(5 / 6, abs=1e-4)
    cm = res["confusion"]
    assert cm["labels"] == ["a", "b", "c"] and cm["predicted"] == ["a", "b", "c", "unclassified"]
    assert cm["matrix"] == [[2, 0, 0, 1], [1, 1, 0, 0], [0, 0, 1, 0]]
    # worst-confused: wrong predictions, most confident first
    assert [(w["text"], w["predicted"]) for w in res["worst"]] == [("y", "a"), ("w", "unclassified")]


def test_reliability_and_ece():
    conf = np.array([0.95, 0.95, 0.95, 0.95, 0.55, 0.55])
    correct = np.array([1, 1, 1, 0, 1, 0], dtype=bool)
    bins, ece = reliability(conf, correct)
    assert [b["n"] for b in bins] == [2, 4]
    assert ece == pytest.approx((4 * abs(0.75 - 0.95) + 2 * abs(0.5 - 0.55)) / 6, abs=1e-4)


def test_head_files_round_trip_and_are_checked_against_the_taxonomy(tmp_path, config):
    ids = ["billing_and_invoices", "delivery_and_courier"]
    heads = {"touchpoint": {"ids": ids, "coef": np.eye(2, 4, dtype=np.float32),
                            "intercept": np.zeros(2, dtype=np.float32)}}
    meta = {"taxonomy_hash": taxonomy_hash(config.taxonomy),
            "tasks": {"touchpoint": {"ids": ids, "temperature": 0.5}}}
    save_head(heads, meta, tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [HEAD_JSON, HEAD_NPZ]
    loaded = load_head(tmp_path / "m", config)
    np.testing.assert_array_equal(loaded["touchpoint"]["coef"], heads["touchpoint"]["coef"])
    assert "stage" not in loaded  # no stage head: stays zero-shot
    meta["tasks"]["touchpoint"]["ids"] = ["billing_and_invoices", "teleportation"]
    (tmp_path / "m" / HEAD_JSON).write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match="teleportation"):
        load_head(tmp_path / "m", config)
    with pytest.raises(ConfigError, match="feedback2journey train"):
        load_head(tmp_path / "nothing-here", config)


def test_head_classifier_uses_its_weights_and_threshold(config):
    ids = ["billing_and_invoices", "delivery_and_courier"]
    proto = PrototypeClassifier(config.taxonomy.touchpoints, calibrate=False)
    proto.prototypes = np.eye(len(ids), 4, dtype=np.float32)
    proto.prototype_owner = np.array([proto.ids.index(i) for i in ids])
    proto.prototype_texts = ["bill example", "parcel example"]
    head = HeadClassifier(ids, np.eye(2, 4) * 10, np.zeros(2), temperature=1.0, min_confidence=0.9,
                          prototypes=proto)
    emb = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0.5, 0.5, 0, 0]], dtype=np.float32)
    out = head.predict(emb, ["my bill", "my parcel", "both"])
    assert out["label"].tolist() == ["billing_and_invoices", "delivery_and_courier", "unclassified"]
    assert out["evidence"][1].startswith("head; delivery_and_courier: keyword 'parcel'")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "support"
    result = runner.invoke(app, ["train", str(LABELED), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result


@pytest.mark.slow
def test_train_writes_npz_and_json_with_metrics(trained, config):
    out, result = trained
    assert "touchpoint: 26 examples" in said(result)
    meta = json.loads((out / HEAD_JSON).read_text())
    assert meta["taxonomy_hash"] == taxonomy_hash(config.taxonomy)
    assert meta["embedding_model"].endswith("all-MiniLM-L6-v2")
    assert set(meta["tasks"]) == {"stage", "touchpoint"}
    assert meta["tasks"]["stage"]["class_counts"] == {"delivery": 6, "billing": 6, "onboarding": 6, "returns": 6}
    assert meta["tasks"]["touchpoint"]["metrics"]["cv_macro_f1"] > 0.7
    with np.load(out / HEAD_NPZ, allow_pickle=False) as z:
        assert z["touchpoint_coef"].shape == (len(meta["tasks"]["touchpoint"]["ids"]), 384)


@pytest.mark.slow
def test_run_with_model_uses_the_head(trained, tmp_path):
    model, _ = trained
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(FIXTURES / "helpdesk_tickets.csv"), "--model", str(model),
                                 "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    run = json.loads((out / "run.json").read_text())
    assert run["models"]["classifier"].startswith("head:support")
    seg = pd.read_parquet(out / "segments.parquet")
    classified = seg[~seg["touchpoint"].isin(["unclassified", "not_analyzed"])]  # not_analyzed: another language
    assert len(classified) > 0
    assert classified["touchpoint_evidence"].str.startswith("head; ").all()


@pytest.mark.slow
def test_run_with_a_missing_model_exits_2(tmp_path):
    result = runner.invoke(app, ["run", str(FIXTURES / "helpdesk_tickets.csv"), "--model", str(tmp_path / "nope"),
                                 "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 2
    assert "feedback2journey train" in said(result)


@pytest.mark.slow
def test_eval_prints_tables_and_writes_json(trained, tmp_path):
    model, _ = trained
    report_path = tmp_path / "eval.json"
    result = runner.invoke(app, ["eval", str(LABELED), "--model", str(model), "--json", str(report_path)])
    assert result.exit_code == 0, result.output
    text = said(result)
    for heading in ("touchpoint: per class", "confusion", "reliability", "macro-F1"):
        assert heading in text
    report = json.loads(report_path.read_text())
    tp = report["tasks"]["touchpoint"]
    assert {r["label"] for r in tp["per_class"]} == {"delivery_and_courier", "billing_and_invoices",
                                                       "account_and_login", "returns_and_refunds"}
    assert tp["n"] == 26 and report["tasks"]["stage"]["n"] == 24
    assert tp["macro_f1"] > 0.9  # the head has seen these rows
    assert len(tp["confusion"]["matrix"]) == 4


@pytest.mark.slow
def test_zero_shot_eval_on_the_fixture(tmp_path):
    result = runner.invoke(app, ["eval", str(LABELED), "--json", str(tmp_path / "e.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "e.json").read_text())
    assert report["model"] == "zero-shot"
    # project-written, unambiguous sentences: the default taxonomy should get most of them
    assert report["tasks"]["touchpoint"]["macro_f1"] >= 0.8
    assert report["tasks"]["stage"]["macro_f1"] >= 0.8
    # every figure three ways on the same rows: whole row, as `run` labels the item, the cosine notebook
    tp = report["tasks"]["touchpoint"]
    assert 0.0 <= tp["baseline_macro_f1"] <= 1.0 and tp["item_level"]["macro_f1"] >= 0.8
    assert all({"item_f1", "baseline_f1"} <= set(r) for r in tp["per_class"])
    assert tp["item_level"]["segments_per_item"] >= 1.0
    text = said(result)
    assert "as run labels the item" in text and "baseline (cosine" in text and "baseline F1" in text


def test_add_item_level_scores_the_runs_item_labels_and_counts_unanalyzed_rows_as_misses():
    labeled = pd.DataFrame({"text": ["a", "b", "c", "d"], "stage": [None] * 4,
                            "touchpoint": ["billing", "billing", "delivery", "delivery"]})
    report = {"tasks": {"touchpoint": {"per_class": [{"label": "billing"}, {"label": "delivery"}]}}}
    items = pd.DataFrame({"stage": ["x"] * 4, "touchpoint": ["billing", "delivery", "delivery", None],
                          "segments": [1, 2, 3, 2]})
    out = add_item_level(report, labeled, items)["tasks"]["touchpoint"]
    assert out["item_level"]["accuracy"] == 0.5  # b is wrong; d was not analyzed (None) and counts as a miss
    assert out["item_level"]["coverage"] == 0.75 and out["item_level"]["segments_per_item"] == 2.0
    assert out["per_class"][0]["item_f1"] == round(2 / 3, 4) and out["per_class"][1]["item_f1"] == 0.5


def test_cosine_baseline_picks_the_nearest_name_and_description():
    class Enc:  # two orthogonal label prompts; rows point at one or the other
        def encode(self, texts):
            return np.array([[1.0, 0.0] if t.startswith("Billing") else [0.0, 1.0] for t in texts])

    from feedback2journey.config import Label
    labels = (Label("billing", "Billing", "charges"), Label("delivery", "Delivery", "parcels"))
    pred = cosine_baseline(np.array([[0.9, 0.1], [0.2, 0.8]]), labels, Enc())
    assert list(pred) == ["billing", "delivery"]


def test_eval_with_unknown_labels_exits_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,stage\nhello there,nowhere\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", str(bad)])
    assert result.exit_code == 2
    assert "nowhere" in said(result)
