"""Render the self-contained HTML journey map from ``journey.json`` data.

Safety: every value goes through Jinja2 autoescaping; the page has no script at all and a
Content-Security-Policy that forbids scripts, remote loads and forms, so hostile feedback text can
neither run nor phone home. Colour is never the only carrier of meaning: each cell also shows a
symbol (▼ ● ▲) and its number.
"""
from __future__ import annotations

from importlib.resources import files

from jinja2 import Environment, StrictUndefined, select_autoescape

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


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


def render_report(journey: dict, run_info: dict, stage_quotes: dict[str, list[dict]]) -> str:
    template = _env().from_string(files("feedback2journey").joinpath("templates/report.html.j2").read_text("utf-8"))
    stages = [s for s in journey["stages"] if s["volume"]]
    stage_ids = [s["id"] for s in stages]
    cells = {(c["stage"], c["touchpoint"]): c for c in journey["cells"]}
    # Lanes by volume, the unclassified lane last: it is the least informative row.
    lanes = sorted(journey["touchpoints"], key=lambda t: (t["id"] == "unclassified", -t["volume"]))
    pain_by_id = {p["pain_point_id"]: p for p in journey["pain_points"]}
    top = curve_scale(journey["emotion_curve"])
    points = curve_points(journey["emotion_curve"], top)
    return template.render(
        j=journey, run=run_info, csp=CSP, stages=stages, stage_ids=stage_ids, lanes=lanes, cells=cells,
        pain_by_id=pain_by_id, points=points, polyline=" ".join(f"{p['x']},{p['y']}" for p in points),
        quotes=stage_quotes, axis={"top": top, "zero": 110},
        names={s["id"]: s["name"] for s in journey["stages"]},
        tp_names={t["id"]: t["name"] for t in journey["touchpoints"]},
        pain_ranked=sorted(journey["pain_points"], key=lambda p: -p["priority"]),
    )
