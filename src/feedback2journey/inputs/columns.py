"""Find the text, id, date, score, channel and segment columns of an export, by name and by content.

Recognised shapes (see tests/fixtures): help-desk tickets (subject + description, channel, created_at),
app-store / product reviews (title + content/body, rating/stars), surveys (NPS/CSAT score + free text).
Explicit ``ColumnMapping`` fields always win over detection.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pandas as pd

from feedback2journey.errors import UserError, both, opt


class ColumnError(UserError):
    """A required column is missing or ambiguous; the message lists the columns and the option to use."""


@dataclass(frozen=True)
class ColumnMapping:
    """Which input columns hold what. ``text`` may list several columns (title + body are joined)."""

    text: tuple[str, ...] = ()
    id: str | None = None
    date: str | None = None
    score: str | None = None
    channel: str | None = None
    segment: str | None = None
    score_kind: str | None = None  # nps | csat | rating | score
    input_kind: str = "generic"  # tickets | reviews | survey | generic
    detected: tuple[str, ...] = field(default=(), compare=False)  # fields that were detected, not given
    notes: tuple[str, ...] = field(default=(), compare=False)  # what detection passed over, and why (warnings)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


_TITLE = re.compile(r"^(subject|title|summary|headline|review_title|ticket_subject)$")
_BODY = re.compile(r"(^|_)(description|body|content|text|comment|comments|message|review|review_text|feedback|"
                   r"answer|response|verbatim|reason|why|explain|details|note|notes|complaint|remarks)($|_)")
_ID = re.compile(r"^(id|_id|uid|uuid|key|number|no|ticket|ticket_number|ticket_no|case_number)$|(^|_)id$|_(number|no|uuid)$")
_DATE = re.compile(r"(^|_)(date|created|created_at|submitted|submitted_at|timestamp|time|datetime|updated_at|"
                   r"received|opened|posted|reviewed|at)($|_)|^(created|submitted|date)")
_SCORE = re.compile(r"(^|_)(nps|csat|ces|rating|ratings|stars|star_rating|score|likelihood|recommend|satisfaction|grade)($|_)")
_CHANNEL = re.compile(r"^(channel|via|medium|source_channel|contact_channel|contact_method|origin|ticket_channel|channel_name)$")
_SEGMENT = re.compile(r"(^|_)(segment|persona|plan|tier|customer_type|customer_segment|requester_segment|cohort|"
                      r"membership|user_type|account_type)($|_)")


def _text_stats(s: pd.Series) -> tuple[float, float, float]:
    """(mean length, share of values with letters, share unique) over a sample of non-empty values."""
    vals = s.dropna().astype(str).str.strip()
    vals = vals[vals != ""].head(500)
    if vals.empty:
        return 0.0, 0.0, 0.0
    letters = vals.str.contains(r"[^\W\d_]{2,}", regex=True).mean()
    return float(vals.str.len().mean()), float(letters), float(vals.nunique() / len(vals))


def _is_numeric(s: pd.Series) -> bool:
    vals = s.dropna().astype(str).str.strip()
    vals = vals[vals != ""].head(500)
    if vals.empty:
        return False
    return pd.to_numeric(vals.str.replace(",", ".", regex=False), errors="coerce").notna().mean() > 0.9


def _looks_like_dates(s: pd.Series) -> bool:
    vals = s.dropna().astype(str).str.strip()
    vals = vals[vals != ""].head(200)
    if vals.empty or _is_numeric(vals):
        return False
    parsed = pd.to_datetime(vals, errors="coerce", format="mixed", utc=True)
    return parsed.notna().mean() > 0.8


def _pick(columns, pattern, frame, accept=lambda s: True, exclude=()):
    for col in columns:
        if col in exclude:
            continue
        if pattern.search(_norm(col)) and accept(frame[col]):
            return col
    return None


def detect_columns(frame: pd.DataFrame, given: ColumnMapping | None = None) -> ColumnMapping:
    """Fill in every field of ``given`` that is not set, from column names and contents."""
    given = given or ColumnMapping()
    cols = list(frame.columns)
    missing = [c for c in (*given.text, given.id, given.date, given.score, given.channel, given.segment)
               if c and c not in cols]
    if missing:
        raise ColumnError(
            f"column(s) {', '.join(repr(c) for c in missing)} not found. Columns in this input: "
            f"{', '.join(repr(c) for c in cols)}."
        )
    detected = []
    text = given.text or _detect_text(frame)
    if not given.text:
        if not text:
            raise ColumnError(
                "no text column found. Columns in this input: "
                f"{', '.join(repr(c) for c in cols)}. Fix: name it with {opt('text_column', 'COLUMN')} "
                "(several columns join a title and a body)."
            )
        detected.append("text")
    # Columns named explicitly for any role are never detected for another one.
    used = set(text) | {c for c in (given.id, given.date, given.score, given.channel, given.segment) if c}

    def pick(current, pattern, accept=lambda s: True):
        if current:
            return current
        col = _pick(cols, pattern, frame, accept, exclude=used)
        if col:
            used.add(col)
        return col

    notes = []
    id_col = pick(given.id, _ID, lambda s: _is_row_id(s, notes))
    score_col = pick(given.score, _SCORE, _is_numeric)
    date_col = pick(given.date, _DATE, _looks_like_dates)
    channel_col = pick(given.channel, _CHANNEL, lambda s: s.astype(str).nunique() <= max(30, len(s) // 20))
    segment_col = pick(given.segment, _SEGMENT, lambda s: 1 < s.astype(str).nunique() <= max(50, len(s) // 10))
    for name, before, after in (("id", given.id, id_col), ("date", given.date, date_col), ("score", given.score, score_col),
                                ("channel", given.channel, channel_col), ("segment", given.segment, segment_col)):
        if after and not before:
            detected.append(name)
    score_kind = given.score_kind or (_score_kind(score_col, frame[score_col]) if score_col else None)
    kind = _input_kind(text, score_col, score_kind, channel_col)
    return replace(given, text=tuple(text), id=id_col, date=date_col, score=score_col, channel=channel_col,
                   segment=segment_col, score_kind=score_kind, input_kind=kind, detected=tuple(detected),
                   notes=tuple(notes) if not id_col else ())


def _is_row_id(values: pd.Series, notes: list[str]) -> bool:
    """An id column names each row: filled and (nearly) unique. A product or order id also matches the name
    pattern but repeats (a review export's ``Clothing ID``: 95% of rows would be rejected as duplicates), so
    it is passed over, with a note that says how to use it anyway."""
    filled = values.astype(str).str.strip()
    filled = filled[filled.ne("")]
    if len(filled) <= 0.9 * len(values):
        return False
    unique = filled.nunique() / len(filled)
    if unique < 0.9 and len(filled) - filled.nunique() >= 10:  # a few repeats: duplicate rows, rejected as such
        notes.append(f"column {values.name!r} looks like an id but repeats ({1 - unique:.0%} of its first "
                     f"{len(filled):,} values are repeats), so it is not used as the row id and rows are "
                     f"numbered instead. Fix: {both('id_column', str(values.name))} to use it (rows repeating an id "
                     f"are then rejected as duplicates)")
        return False
    return True


def _detect_text(frame: pd.DataFrame) -> list[str]:
    cols = list(frame.columns)
    str_cols = [c for c in cols if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    candidates = []
    for col in str_cols:
        if _is_numeric(frame[col]):
            continue
        mean_len, letters, unique = _text_stats(frame[col])
        if letters < 0.5 or mean_len < 8:
            continue
        name_hit = bool(_BODY.search(_norm(col)))
        # Names decide first; content (long, varied, wordy) breaks ties and finds unnamed columns.
        candidates.append(((name_hit, mean_len * unique), col))
    bodies = [c for (hit, _), c in sorted(candidates, reverse=True) if hit] or \
             [c for (_, score), c in sorted(candidates, reverse=True) if score >= 15]
    if not bodies:
        return []
    body = bodies[0]
    title = next((c for c in str_cols if c != body and _TITLE.match(_norm(c)) and _text_stats(frame[c])[1] > 0.5), None)
    return [title, body] if title else [body]


def _score_kind(col: str, s: pd.Series) -> str:
    name = _norm(col)
    vals = pd.to_numeric(s.astype(str).str.replace(",", ".", regex=False), errors="coerce").dropna()
    hi = vals.max() if not vals.empty else 0
    if "nps" in name or "recommend" in name or "likelihood" in name:
        return "nps"
    if "csat" in name or "satisfaction" in name:
        return "csat"
    if "star" in name or "rating" in name:
        return "rating"
    if hi > 5 and hi <= 10 and vals.min() >= 0:
        return "nps"
    return "score"


def _input_kind(text: list[str], score_col, score_kind, channel_col) -> str:
    names = " ".join(_norm(c) for c in text)
    if score_kind in ("nps", "csat"):
        return "survey"
    if score_kind == "rating" or "review" in names or "title" in names:
        return "reviews"
    if channel_col or "subject" in names or "description" in names:
        return "tickets"
    return "generic"
