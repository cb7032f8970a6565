"""Text cleaning.

Two levels:
- ``clean_text``: what a human reads (quotes, segments' text). HTML stripped, quoted email replies and
  signatures removed, whitespace collapsed. Line breaks are kept as single newlines, they are sentence hints.
- ``analysis_text``: what the models see. @handles, URLs, emails and ticket boilerplate removed, because
  they otherwise dominate embeddings (clusters form per brand handle, not per problem).
"""
from __future__ import annotations

import html
import re
from functools import lru_cache

_BLOCK_TAGS = re.compile(r"<\s*(br|/p|p|/div|div|li|/li|tr|/tr|h[1-6]|/h[1-6])\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]{0,500}>")
_SCRIPT_STYLE = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>", re.I | re.S)
_HAS_HTML = re.compile(r"<\s*/?\s*[a-z][a-z0-9]*\b[^>]*>|&(?:[a-z]+|#\d+);", re.I)

# Start of a quoted reply: everything from here on is the previous conversation.
_REPLY_HEADERS = [
    re.compile(r"^\s*On .{4,200}? wrote:\s*$", re.I | re.M),
    re.compile(r"^\s*On .{4,200}?\n.{0,200}? wrote:\s*$", re.I | re.M),  # header wrapped over two lines
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}", re.I | re.M),
    re.compile(r"^\s*From:\s.+\n\s*(Sent|Date):\s", re.I | re.M),
    re.compile(r"^\s*_{5,}\s*$", re.M),  # Outlook's separator line
]
_QUOTED_LINE = re.compile(r"^\s*>.*$", re.M)
_SIG_DASHES = re.compile(r"^\s*--\s*$", re.M)
_DEVICE_SIG = re.compile(r"^\s*(Sent from my \w+.*|Get Outlook for \w+.*|Sent from Mail for Windows.*)$", re.I | re.M)
_VALEDICTION = re.compile(
    r"^\s*(kind regards|best regards|warm regards|regards|best wishes|best|cheers|sincerely|yours sincerely|"
    r"thanks|thank you|many thanks|thx|br|mit freundlichen grüßen|saludos|cordialement)\s*[,!.]?\s*$",
    re.I,
)

_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_HANDLE = re.compile(r"(?<![\w@])@\w{2,30}")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_TICKET_REF = re.compile(r"\b(ticket|case|ref|reference|order)\s*(?:no\.?|number|#)?\s*[:#]?\s*[A-Z]{0,4}-?\d{4,}\b", re.I)
_LONG_NUMBER = re.compile(r"#?\b[A-Z]{0,4}-?\d{5,}\b")  # order/ticket/tracking numbers: noise to a model
_LEADING_CONNECTIVE = re.compile(r"^(?:but|however|although|though|whereas|yet|and|also|even though|except that|"
                                 r"unfortunately|sadly|otherwise)\b[\s,]*", re.I)
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")
_MANY_NL = re.compile(r"\s*\n\s*")


def strip_html(text: str) -> str:
    if not _HAS_HTML.search(text):
        return text
    text = _SCRIPT_STYLE.sub(" ", text)
    text = _BLOCK_TAGS.sub("\n", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text)


# A literal that each pattern cannot match without (casefolded, as re.I compares): most texts have none of
# them, and ingest runs once per row of a million-row export, so the regexes run only where they can match.
_REPLY_NEEDS = ("wrote:", "wrote:", "original message", "from:", "_____")


def strip_quoted_reply(text: str) -> str:
    folded = text.casefold()
    cut = len(text)
    for pattern, needed in zip(_REPLY_HEADERS, _REPLY_NEEDS):
        if needed not in folded:
            continue
        m = pattern.search(text)
        if m and m.start() > 0:  # a text that is only a quote keeps its quote: nothing else to analyze
            cut = min(cut, m.start())
    text = text[:cut]
    if ">" not in text:
        return text
    stripped = _QUOTED_LINE.sub("", text)
    return stripped if stripped.strip() else text


def strip_signature(text: str) -> str:
    if "--" in text:
        m = _SIG_DASHES.search(text)
        if m and m.start() > 0:
            text = text[: m.start()]
    folded = text.casefold()
    if "sent from" in folded or "get outlook" in folded:
        text = _DEVICE_SIG.sub("", text)
    # A valediction followed by at most three short name/contact lines at the very end.
    lines = text.rstrip().split("\n")
    for i in range(max(0, len(lines) - 4), len(lines)):
        if _VALEDICTION.match(lines[i]) and i > 0:
            tail = lines[i + 1:]
            if all(len(t.split()) <= 4 for t in tail):
                return "\n".join(lines[:i])
    return text


def collapse_whitespace(text: str) -> str:
    text = _WS.sub(" ", text)
    return _MANY_NL.sub("\n", text).strip()


# Zero-width and bidi control characters: invisible, so they hide an e-mail address from a pattern
# ("jane\u200b@example.com") or reorder what a reader sees (U+202E RIGHT-TO-LEFT OVERRIDE: display spoofing).
# Removed before anything else reads the text; the report and every export then show what the models saw.
INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def strip_invisible(text: str) -> str:
    return text if text.isascii() or not INVISIBLE.search(text) else INVISIBLE.sub("", text)


def clean_text(text: str) -> str:
    """Human-readable clean text: the offsets of segments refer to this string."""
    text = strip_invisible(strip_html(text))  # after HTML: "&#8203;" is a zero-width space too
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_quoted_reply(text)
    text = strip_signature(text)
    return collapse_whitespace(text)


@lru_cache(maxsize=100_000)  # called once per segment, and segments repeat (greetings, closers, boilerplate)
def analysis_text(text: str) -> str:
    """What the models see: no handles, URLs, emails or ticket numbers; hashtags keep their word."""
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _TICKET_REF.sub(r"\1", text)
    text = _LONG_NUMBER.sub(" ", text)
    text = _HASHTAG.sub(r"\1", text)
    text = collapse_whitespace(text.replace("\n", " "))
    # A clause split off at "but" keeps its word for quotes; the models need only the clause itself.
    return _LEADING_CONNECTIVE.sub("", text) or text
