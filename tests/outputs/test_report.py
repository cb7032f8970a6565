"""The report is safe with hostile feedback, self-contained, small, and carries its explorer data."""
import base64
import hashlib
import json
import html as html_lib
import re

import pandas as pd
import pytest

from feedback2journey.run.pipeline import analyze
from feedback2journey.outputs.report import csp_for, json_for_html

from conftest import FIXTURES

PAYLOAD_MARKERS = ["<script>document.title", "<img src=x", "<svg onload", 'href="javascript:', "</script><script>",
                   "<script>window.__pwned"]


@pytest.fixture(scope="module")
def hostile_run(models, tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    res = analyze([FIXTURES / "hostile.csv"], models.config, models=models, segment_by="segment")
    res.write(out, xlsx=True)
    return res, out


def test_json_for_html_cannot_close_the_script_block():
    text = str(json_for_html({"q": "</script><script>alert(1)</script> & <!--"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"q": "</script><script>alert(1)</script> & <!--"}


def test_csp_pins_the_one_script_by_hash():
    csp = csp_for("console.log(1)")
    digest = base64.b64encode(hashlib.sha256(b"console.log(1)").digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp and "unsafe-eval" not in csp


@pytest.mark.slow
def test_hostile_text_is_escaped_everywhere_in_the_html(hostile_run):
    res, out = hostile_run
    html = (out / "report.html").read_text(encoding="utf-8")
    for marker in PAYLOAD_MARKERS:
        assert marker not in html, marker
    assert html.count("<script") == 2  # the JSON data block and our own script, nothing else
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert html_lib.unescape(meta) == csp_for(scripts[0])
    # the entity-encoded payload reached the data as text (so escaping, not cleaning, is what protects)
    assert any("<img src=x onerror=window.__pwned=8>" in q[6] for q in res.explorer["quotes"])
    # template syntax in feedback stays text: never evaluated by Jinja
    assert "{{ 7*7 }}" in html and "Refund 49" not in html


@pytest.mark.slow
def test_pii_is_masked_in_outputs_and_quotes(hostile_run):
    res, out = hostile_run
    blob = " ".join([(out / n).read_text(encoding="utf-8") for n in ("items.csv", "report.html", "journey.json",
                                                                     "pain_points.csv")])
    blob += " ".join(pd.read_parquet(out / "segments.parquet")["text"])
    for secret in ("jane.doe@example.com", "7946 0958", "4111 1111", "12 Rose Lane"):
        assert secret not in blob, secret
    assert "[email]" in blob and "[card]" in blob and "[address]" in blob
    quotes = " ".join(q[6] for q in res.explorer["quotes"])
    assert "Maria Lopez" not in quotes  # spaCy NER on quotes


@pytest.mark.slow
def test_no_redact_keeps_the_text(models):
    res = analyze([FIXTURES / "hostile.csv"], models.config, models=models, redact=False)
    assert res.items["text"].str.contains("jane.doe@example.com", regex=False).any()


@pytest.mark.slow
def test_segment_view_and_filters_data(hostile_run):
    res, _ = hostile_run
    view = res.journey["segment_view"]
    assert view["column"] == "segment"
    assert {v["value"] for v in view["values"]} >= {"normal"}
    ex = res.explorer
    assert ex["filter_column"] == "segment" and "normal" in ex["segments"]
    assert sum(g[5] for g in ex["groups"]) == len(res.segments)


@pytest.mark.slow  # UMAP/HDBSCAN fits, the whole pipeline or 10k+ segments
def test_explorer_read_in_blocks_equals_one_pass(hostile_run):
    """finish builds the explorer from millions of segments in blocks: sums and quote picks must not change."""
    from feedback2journey.journey.map import build_explorer

    res, _ = hostile_run
    one = build_explorer(res.items, res.segments, res_config(res), filter_column="segment")
    blocks = build_explorer(res.items, res.segments, res_config(res), filter_column="segment", block_rows=3)
    assert len(res.segments) > 6
    assert blocks["groups"] == [g[:6] + [pytest.approx(g[6], abs=1e-3), g[7]] for g in one["groups"]]
    assert blocks["quotes"] == one["quotes"]
    rows = []
    texts = build_explorer(res.items, res.segments.drop(columns="text"), res_config(res), filter_column="segment",
                           text_of=lambda r: rows.extend(r) or res.segments["text"].to_numpy()[r])
    assert texts["quotes"] == one["quotes"] and len(rows) == len(one["quotes"])


def res_config(res):
    from feedback2journey.config import load_config

    return load_config(res.run_info["config_path"])


@pytest.mark.slow
def test_report_stays_small_with_many_items(models, tmp_path):
    """Aggregates + sampled quotes: size grows with distinct groups, not rows."""
    rng = pd.Series(range(3000))
    df = pd.DataFrame({"id": rng.astype(str),
                       "comment": rng.map(lambda i: f"My parcel number {i} was late and the courier was rude"),
                       "date": rng.map(lambda i: f"2026-{1 + i % 12:02d}-01")})
    res = analyze(df, models.config, models=models)
    res.write(tmp_path)
    size = (tmp_path / "report.html").stat().st_size
    assert size < 400_000, size
    assert len(res.explorer["quotes"]) < 200


def test_pain_points_are_grouped_by_theme_in_priority_order():
    from feedback2journey.outputs.report import pain_themes

    def pp(pid, priority, theme_id=None, theme=None, size=10):
        return {"pain_point_id": pid, "label": f"label {pid}", "priority": priority, "size": size,
                "theme_id": theme_id, "theme": theme}

    themes = pain_themes([pp("PP1", 1.0, 1, "delivery"), pp("PP2", 3.0, 2, "refunds"), pp("PP3", 2.5, 1, "delivery"),
                          pp("PP4", 0.5)])
    assert [t["label"] for t in themes] == ["delivery", "refunds", "label PP4"]  # 3.5 > 3.0 > 0.5
    assert [p["pain_point_id"] for p in themes[0]["pain_points"]] == ["PP3", "PP1"]
    assert themes[0]["size"] == 20


def test_report_shows_theme_headings_with_escaped_labels(hostile_run):
    import copy

    from feedback2journey.outputs.report import render_report

    res, _ = hostile_run
    journey = copy.deepcopy(res.journey)
    base = {"keywords": ["late"], "items": 3, "mean_sentiment": -0.6, "top_stage": "delivery",
            "top_touchpoint": "delivery_tracking", "quotes": ["It came late"], "size": 4}
    journey["pain_points"] = [
        {**base, "pain_point_id": "PP1", "label": "late parcel", "priority": 2.0, "theme_id": 1,
         "theme": "<img src=x onerror=alert(1)> delivery"},
        {**base, "pain_point_id": "PP2", "label": "lost parcel", "priority": 1.0, "theme_id": 1,
         "theme": "<img src=x onerror=alert(1)> delivery"},
    ]
    html = render_report(journey, res.run_info, res.explorer)
    assert html.count('class="theme"') == 1 and "2 pain points" in html
    journey["totals"]["pain_points"] = 2
    assert "in 1 theme<" in render_report(journey, res.run_info, res.explorer)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; delivery" in html
