"""Render the self-contained HTML journey map from ``journey.json`` data.

Safety: every value goes through Jinja2 autoescaping. The one script is the project's own
(``explorer.js``), allowed by its SHA-256 hash in the Content-Security-Policy; nothing else can run, load
from the network or submit. Feedback reaches the script only as JSON in a non-executing
``application/json`` block with ``<``, ``>`` and ``&`` escaped, and the script writes it with
``textContent`` only. Colour is never the only carrier of meaning: each cell also shows a symbol
(▼ ● ▲) and its number; cells and stage headers are focusable and open with Enter.
"""
from __future__ import annotations

import base64
import hashlib
import json
from importlib.resources import files

from jinja2 import Environment, StrictUndefined, select_autoescape
from markupsafe import Markup


def _script() -> str:
    return files("feedback2journey").joinpath("templates/explorer.js").read_text("utf-8")


def csp_for(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
            f"base-uri 'none'; form-action 'none'; connect-src 'none'")


def json_for_html(data) -> Markup:
    """JSON that can sit inside <script type="application/json">: no '</script>', no HTML-significant chars."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return Markup(text)  # safe by construction above


def sentiment_colour(value: float | None) -> str:
    if value is None:
        return "#eeeeee"
    v = max(-1.0, min(1.0, float(value)))
    hue = round((v + 1) / 2 * 130)  # red (0) .. green (130)
    return f"hsl({hue}, 70%, {88 - abs(v) * 18:.0f}%)"


def sentiment_symbol(value: float | None, neg: float = -0.15, pos: float = 0.15) -> str:
    if value is None:
        return ""
    return "▼" if value <= neg else "▲" if value >= pos else "●"


def signed(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value:+.{digits}f}".replace("-", "−")


def _env() -> Environment:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(colour=sentiment_colour, symbol=sentiment_symbol, signed=signed)
    return env


def curve_scale(curve: list[dict]) -> float:
    """Half-height of the curve's y axis: zoomed to the data (means rarely leave ±0.5), never below ±0.25."""
    top = max([abs(c["mean_sentiment"] or 0.0) for c in curve] + [0.0])
    return min(1.0, max(0.25, round(top * 1.25 + 0.049, 1)))


def curve_points(curve: list[dict], top: float = 1.0, width: int = 900, height: int = 220,
                 pad: int = 40) -> list[dict]:
    """Positions of the emotion curve's points in an SVG (sentiment -top..+top, bottom..top)."""
    n = len(curve)
    step = (width - 2 * pad) / max(1, n - 1)
    pts = []
    for i, c in enumerate(curve):
        s = max(-top, min(top, c["mean_sentiment"] or 0.0))
        pts.append({**c, "x": round(pad + i * step if n > 1 else width / 2, 1),
                    "y": round(pad + (1 - (s / top + 1) / 2) * (height - 2 * pad), 1)})
    return pts


def render_report(journey: dict, run_info: dict, explorer: dict) -> str:
    template = _env().from_string(files("feedback2journey").joinpath("templates/report.html.j2").read_text("utf-8"))
    stages = [s for s in journey["stages"] if s["volume"]]
    stage_ids = [s["id"] for s in stages]
    cells = {(c["stage"], c["touchpoint"]): c for c in journey["cells"]}
    # Lanes by volume, the unclassified lane last: it is the least informative row.
    lanes = sorted(journey["touchpoints"], key=lambda t: (t["id"] == "unclassified", -t["volume"]))
    pain_by_id = {p["pain_point_id"]: p for p in journey["pain_points"]}
    top = curve_scale(journey["emotion_curve"])
    points = curve_points(journey["emotion_curve"], top)
    script = _script()
    st_index = {sid: i for i, sid in enumerate(explorer.get("stages", []))}
    tp_index = {tid: i for i, tid in enumerate(explorer.get("touchpoints", []))}
    return template.render(
        j=journey, run=run_info, csp=csp_for(script), script=Markup(script), data=json_for_html(explorer),
        ex=explorer, st_index=st_index, tp_index=tp_index, stages=stages, stage_ids=stage_ids, lanes=lanes, cells=cells,
        pain_by_id=pain_by_id, points=points, polyline=" ".join(f"{p['x']},{p['y']}" for p in points),
        quotes=_stage_quotes(explorer), axis={"top": top, "zero": 110},
        names={s["id"]: s["name"] for s in journey["stages"]},
        tp_names={t["id"]: t["name"] for t in journey["touchpoints"]},
        themes=pain_themes(journey["pain_points"]),
    )


def pain_themes(pain_points: list[dict]) -> list[dict]:
    """Pain points grouped by their theme (a roll-up of close clusters, issue #5), themes by summed priority and
    pain points by priority inside each, so a list of a hundred reads as a few tens of headings. A pain point
    without a theme is its own group."""
    groups: dict[object, dict] = {}
    for p in sorted(pain_points, key=lambda p: -p["priority"]):
        key = p.get("theme_id") if p.get("theme_id") is not None else ("alone", p["pain_point_id"])
        g = groups.setdefault(key, {"label": p.get("theme") or p["label"], "pain_points": [], "size": 0,
                                    "priority": 0.0})
        g["pain_points"].append(p)
        g["size"] += p["size"]
        g["priority"] += p["priority"]
    return sorted(groups.values(), key=lambda g: -g["priority"])


def _stage_quotes(explorer: dict, per_stage: int = 4) -> dict[str, list[dict]]:
    """Strongest quotes per stage for the printable (no-script) stage cards: negatives first."""
    out: dict[str, list[dict]] = {}
    stages = explorer.get("stages", [])
    for q in sorted(explorer.get("quotes", []), key=lambda q: -abs(q[5])):
        bucket = out.setdefault(stages[q[0]], [])
        negatives = sum(1 for b in bucket if b["sentiment"] < 0)
        if len(bucket) < per_stage and (q[5] < 0 and negatives < per_stage // 2 + 1 or q[5] >= 0 and
                                        len(bucket) - negatives < per_stage // 2):
            bucket.append({"text": q[6], "sentiment": q[5]})
    return out
