"""The emotion vocabularies a run can report (``settings.emotion_set``), each defined on GoEmotions' 28 labels.

The fine-tuned encoder (``feel.encoder``) gives 28 GoEmotions probabilities per segment; an emotion set maps
them onto the names a team uses: an emotion's intensity is the highest probability among its member labels.
Each emotion also has a side, so that a segment only shows emotions that agree with its sentiment (a complaint
is never "joy"): GoEmotions' own sentiment grouping gives the side of every label (positive, negative, or
ambiguous: surprise, realization, curiosity, confusion, allowed on any segment).

* ``customer`` (the default): the project's eight (frustration, disappointment, confusion, worry, satisfaction,
  delight, gratitude, neutral). Fast mode has cues and prototypes for these only.
* ``ekman``: Ekman's six plus neutral, by the GoEmotions release's Ekman mapping (anger, disgust, fear, joy,
  sadness, surprise, neutral).
* ``goemotions``: the 28 labels themselves.
``ekman`` and ``goemotions`` need accurate mode (the encoder); the pipeline refuses them otherwise.
"""
from __future__ import annotations

from feedback2journey.feel import encoder as se
from feedback2journey.feel.emotions import EMOTIONS, allowed_emotions

DEFAULT = "customer"
# GoEmotions' sentiment grouping (sentiment_mapping.json of its release)
GOEMOTIONS_POSITIVE = ("admiration", "amusement", "approval", "caring", "desire", "excitement", "gratitude", "joy",
                       "love", "optimism", "pride", "relief")
GOEMOTIONS_NEGATIVE = ("anger", "annoyance", "disappointment", "disapproval", "disgust", "embarrassment", "fear",
                       "grief", "nervousness", "remorse", "sadness")
GOEMOTIONS_AMBIGUOUS = ("confusion", "curiosity", "realization", "surprise")

SETS: dict[str, dict[str, tuple[str, ...]]] = {
    "customer": dict(se.PROJECT_EMOTIONS),
    "ekman": dict(se.EKMAN),
    "goemotions": {e: (e,) for e in se.EMOTIONS},
}
NAMES = tuple(SETS)
SARCASM = {"customer": "frustration", "ekman": "anger", "goemotions": "annoyance"}  # what sarcasm shows at least


def _side_of(members: tuple[str, ...]) -> str:
    sides = {"positive" if m in GOEMOTIONS_POSITIVE else "negative" if m in GOEMOTIONS_NEGATIVE
             else "ambiguous" if m in GOEMOTIONS_AMBIGUOUS else "neutral" for m in members}
    return sides.pop() if len(sides) == 1 else "ambiguous"


def allowed(set_name: str, polarity: str, configured: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The emotions of ``set_name`` a segment of ``polarity`` may show, in the set's order (``neutral`` aside).
    The customer set keeps its hand-made sides (worry and confusion also on neutral questions, gratitude too)."""
    if set_name == DEFAULT:
        group = allowed_emotions(polarity, EMOTIONS)
    else:
        want = {polarity, "ambiguous"}
        group = tuple(e for e, m in SETS[set_name].items() if e != "neutral" and _side_of(m) in want)
    return tuple(e for e in group if configured is None or e in configured)


def check(set_name: str) -> str:
    """``set_name`` if known, else ValueError naming the choices."""
    if set_name not in SETS:
        raise ValueError(f"unknown emotion set {set_name!r}: choose one of {', '.join(NAMES)}")
    return set_name
