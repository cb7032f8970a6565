"""finish in bounded memory: pain points defined on a sample and given to every other row chunk by chunk,
and output tables written chunk by chunk with one schema."""
import dataclasses
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from feedback2journey.run.batch import BatchOptions, run_batch
from feedback2journey.painpoints.cluster import Cluster, Clustering
from feedback2journey.painpoints.curate import load_curation
from feedback2journey.painpoints.table import define_pain_points
from feedback2journey.outputs.write import write_chunked
from run.test_batch import _tickets  # the first n tickets of the bundled sample


@pytest.mark.slow  # runs the whole pipeline (MiniLM, clustering) or worker processes
def test_a_sampled_fit_gives_every_clustered_row_the_same_ids_however_the_run_is_chunked(tmp_path, config):
    # fast mode: its vectors do not depend on batch-mates, so only the chunking differs between the runs
    cfg = dataclasses.replace(config, settings=dataclasses.replace(config.settings, cluster_sample_size=150))
    data = _tickets(tmp_path, 500)
    whole, _ = run_batch([data], cfg, tmp_path / "one", embedder={"speed": "fast"},
                         options=BatchOptions(chunk_rows=10_000))
    chunked, _ = run_batch([data], cfg, tmp_path / "many", embedder={"speed": "fast"},
                           options=BatchOptions(chunk_rows=60))
    info = json.loads((tmp_path / "many" / "run.json").read_text())
    assert info["batch"]["chunks"] == 9
    clustering = info["clustering"]
    assert clustering["fitted_on"] == 150 < clustering["clustered_items"] <= clustering["clustered_segments"]
    segs = pd.read_parquet(tmp_path / "many" / "segments.parquet")
    assert segs["pain_point_id"].notna().sum() > 150  # rows outside the sample got ids too
    for name in ("items.parquet", "segments.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one" / name),
                                      pd.read_parquet(tmp_path / "many" / name), check_exact=True)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "one" / "pain_points.csv"),
                                  pd.read_csv(tmp_path / "many" / "pain_points.csv"), check_exact=True)
    # sizes count every row, not just the sample's
    table = pd.read_csv(tmp_path / "many" / "pain_points.csv")
    assert table["size"].sum() == segs["pain_point_id"].notna().sum()


def _two_clusters() -> tuple[Clustering, np.ndarray, list[str]]:
    e = np.eye(3, dtype=np.float32)
    emb = np.stack([e[0], e[0], e[0], e[1], e[1], e[1]])
    texts = ["parcel arrived late", "late parcel again", "parcel is late",
             "refund still missing", "refund never came", "where is my refund"]
    clusters = {0: Cluster(0, ["parcel", "late"], e[0], 3, ["late parcel"]),
                1: Cluster(1, ["refund"], e[1], 3, ["missing refund"])}
    clustering = Clustering(np.array([0, 0, 0, 1, 1, 1]), clusters, {}, np.stack([e[0], e[1]]), 0.45)
    return clustering, emb, texts


def test_rows_outside_the_sample_follow_the_fit_and_the_curation_file(tmp_path):
    clustering, emb, texts = _two_clusters()
    model, ids = define_pain_points(texts, clustering, emb)
    assert ids.tolist() == ["PP01"] * 3 + ["PP02"] * 3
    assert model.definitions["PP01"]["label"] and len(model.definitions["PP02"]["quotes"]) == 3
    rest = np.array([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.0, 0.0, 1.0]], dtype=np.float32)
    rest /= np.linalg.norm(rest, axis=1, keepdims=True)
    words = ["parcel late", "refund missing", "printer jam"]
    assert model.assign(rest, words, words).tolist() == ["PP01", "PP02", None]

    cur = tmp_path / "pain_points.yaml"
    cur.write_text(yaml.safe_dump({"pain_points": {
        "PP02": {"split": [{"keywords": ["voucher"], "name": "Voucher refunds", "id": "PP40"}]},
        "PP01": {"ignore": True}}}))
    clustering, emb, texts = _two_clusters()
    model, ids = define_pain_points(texts, clustering, emb, curation=load_curation(cur))
    assert ids.tolist() == [None] * 3 + ["PP02"] * 3
    later = ["parcel late", "refund for my voucher", "refund missing"]
    assert model.assign(rest, later, later).tolist() == [None, "PP40", None]
    # the notes count the later rows too: the sample ignored 3 segments, the later call 1 more
    assert model.notes["ignored"] == [{"id": "PP01", "segments": 4}]
    assert model.notes["split"]["PP40"]["segments"] == 1


def test_chunked_tables_are_written_with_one_schema(tmp_path):
    chunks = [
        (pd.DataFrame({"item_id": ["a", "b"], "extra": [None, None], "code": [1, 2], "score": [1, 2]}),
         pd.DataFrame({"item_id": ["a", "b"], "pain_point_id": [None, None]})),
        (pd.DataFrame({"item_id": ["c"], "extra": ["x"], "code": ["Z9"], "score": [2.5], "late": ["yes"]}),
         pd.DataFrame({"item_id": ["c"], "pain_point_id": ["PP01"]})),
    ]
    paths = {n: tmp_path / n for n in ("items.parquet", "items.csv", "segments.parquet")}
    write_chunked(iter(chunks), paths, tmp_path)
    items = pd.read_parquet(paths["items.parquet"])
    assert items.columns.tolist() == ["item_id", "extra", "code", "score", "late"]
    assert items["code"].tolist() == ["1", "2", "Z9"]  # numbers in one chunk, text in another: text
    assert items["score"].tolist() == [1.0, 2.0, 2.5]
    assert items["extra"].isna().tolist() == [True, True, False] and items["late"].isna().sum() == 2
    segs = pd.read_parquet(paths["segments.parquet"])
    assert segs["pain_point_id"].tolist()[2] == "PP01" and segs["pain_point_id"].isna().sum() == 2
    csv = pd.read_csv(paths["items.csv"])
    assert len(csv) == 3 and csv.columns.tolist() == items.columns.tolist()
    assert pq.ParquetFile(paths["items.parquet"]).metadata.num_row_groups == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".f2j-out-")]  # staging removed


def test_split_backs_of_the_sample_apply_to_later_rows():
    """A cluster the sample split back into two old pain points splits later rows the same way."""
    from feedback2journey.painpoints.curate import PainPointState
    from feedback2journey.painpoints.ids import reroute

    e = np.eye(3, dtype=np.float32)
    previous = PainPointState(ids=["PP01", "PP02"], centroids=np.stack([e[0], e[1]]))
    # topic 0 was split: rows nearest old PP02 (index 1) became topic 5; topic 1 untouched
    reroutes = {0: (np.array([0, 1]), {1: 5})}
    emb = np.stack([e[0], e[1], 0.6 * e[0] + 0.8 * e[1], e[1]]).astype(np.float32)
    assert reroute(np.array([0, 0, 0, 1]), emb, previous, reroutes).tolist() == [0, 5, 5, 1]


def test_automatic_labels_are_redacted_like_quotes_but_a_researchers_name_is_kept():
    from feedback2journey.run.finish import _redact_labels

    class Redactor:  # stands in for QuoteRedactor (spaCy NER): masks one known name
        def redact(self, texts):
            return [t.replace("Maria", "[NAME]") for t in texts]
    defs = {"PP-1": {"label": "Maria never called me back", "auto_label": "Maria never called me back"},
            "PP-2": {"label": "Call-backs (renamed by Maria)", "auto_label": "Ask Maria for a refund"}}
    _redact_labels(Redactor(), defs)
    assert defs["PP-1"] == {"label": "[NAME] never called me back", "auto_label": "[NAME] never called me back"}
    assert defs["PP-2"] == {"label": "Call-backs (renamed by Maria)", "auto_label": "Ask [NAME] for a refund"}


def test_every_item_clustering_looked_at_without_a_pain_point_says_why():
    from feedback2journey.run.finish import (NOTE_NO_TOPIC, NOTE_NOT_CLOSE, NOTE_TOO_FEW, _unassigned_notes)

    items = np.array(["a", "b", "c"], dtype=object)
    ids = np.array(["PP-1", None, None], dtype=object)
    topical = np.array([True, True, False])
    notes = _unassigned_notes(items, ids, topical, {"clusters_found": 3})
    assert notes == {"b": NOTE_NOT_CLOSE, "c": NOTE_NO_TOPIC}  # "a" has a pain point: no note
    # clustering skipped (too few topical rows): every unassigned item says so
    assert _unassigned_notes(items, ids, topical, {"skipped": "fewer than 30 segments"}) == {
        "b": NOTE_TOO_FEW, "c": NOTE_TOO_FEW}
    assert _unassigned_notes(items, np.array([None] * 3, dtype=object), topical, {"clusters_found": 0})["a"] == NOTE_TOO_FEW
