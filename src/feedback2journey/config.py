"""Taxonomy and settings: loaded from one YAML file and validated at the door.

Every error names the offending field (``stages[3].parent``) and says how to fix it, because the
people editing this file are analysts, not the authors of the code.
"""
from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from feedback2journey.errors import UserError, opt
from feedback2journey.resources import default_config_path

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SECTIONS = ("stages", "touchpoints", "channels")


class ConfigError(UserError):
    """The taxonomy/settings file is invalid. The message says where and how to fix it."""


@dataclass(frozen=True)
class Label:
    """One stage, touchpoint or channel of the taxonomy."""

    id: str
    name: str
    description: str = ""
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    parent: str | None = None  # stages only: the parent stage id of a sub-stage
    stages: tuple[str, ...] = ()  # touchpoints only: stages where this touchpoint occurs


@dataclass(frozen=True)
class Taxonomy:
    stages: tuple[Label, ...]
    touchpoints: tuple[Label, ...]
    channels: tuple[Label, ...]

    def stage_ids(self) -> list[str]:
        return [s.id for s in self.stages]

    def stage_group(self, stage_id: str) -> str:
        """Top-level ancestor of a stage (a sub-stage rolls up to its parent)."""
        by_id = {s.id: s for s in self.stages}
        seen = set()
        while stage_id in by_id and by_id[stage_id].parent and stage_id not in seen:
            seen.add(stage_id)
            stage_id = by_id[stage_id].parent
        return stage_id


@dataclass(frozen=True)
class Settings:
    """Run settings with their defaults. Every field can be set under ``settings:`` in the YAML."""

    # reading
    max_text_chars: int = 5000  # longer texts are cut at a sentence boundary (or rejected)
    long_text: str = "truncate"  # truncate | reject
    # segmenting
    sentence_splitter: str = "senter"  # senter (spaCy's statistical splitter) | sentencizer (rules)
    split_contrast: bool = True  # "great app but checkout fails" -> two segments
    min_clause_words: int = 3
    # classifying
    stage_min_confidence: float = 0.30  # below this the stage is "unclassified"
    touchpoint_min_confidence: float = 0.25
    keyword_boost: float = 0.08  # added to a label's similarity when one of its keywords matches
    temperature: float = 0.05  # softmax temperature over cosine similarities (used when calibrate is false)
    calibrate: bool = True  # fit the temperature by leave-one-out over the taxonomy's own examples
    joint_stage_touchpoint: bool = True  # choose (stage, touchpoint) together, respecting touchpoint `stages`
    # feeling
    negative_threshold: float = -0.15  # sentiment <= this is "negative"
    positive_threshold: float = 0.15  # sentiment >= this is "positive"
    emotion_set: str = "customer"  # customer | ekman | goemotions (the last two need accurate mode)
    # clustering
    cluster_on: str = "negative"  # negative | all
    min_cluster_size: int = 0  # 0 = scale with the data
    min_segments_to_cluster: int = 30
    cluster_seed: int = 42
    cluster_sample_size: int = 50000  # fit on a seeded sample this big, assign the rest to the nearest cluster
    # report
    quotes_per_pain_point: int = 5
    # languages: items in these (ISO 639-1 codes) are analyzed; the rest are kept, counted and listed as
    # "not analyzed" (docs/languages.md). The models are English: another language here gets English labels.
    languages: tuple[str, ...] = ("en",)


@dataclass(frozen=True)
class Config:
    taxonomy: Taxonomy
    settings: Settings = field(default_factory=Settings)
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        tax = {
            sec: [_label_to_dict(lab, sec) for lab in getattr(self.taxonomy, sec)] for sec in SECTIONS
        }
        return {"version": 1, **tax, "settings": dataclasses.asdict(self.settings)}

    def hash(self) -> str:
        """Stable hash of the effective config (not of the file's formatting or comments)."""
        blob = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:16]


def _label_to_dict(label: Label, section: str) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": label.id,
        "name": label.name,
        "description": label.description,
        "examples": list(label.examples),
        "keywords": list(label.keywords),
    }
    if section == "stages":
        d["parent"] = label.parent
    if section == "touchpoints" and label.stages:
        d["stages"] = list(label.stages)
    return d


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a taxonomy/settings YAML file (the bundled default when ``path`` is None)."""
    src = Path(path) if path is not None else default_config_path()
    if not src.exists():
        raise ConfigError(f"{src}: file not found. Fix: check the path, or run `feedback2journey init` to write one.")
    try:
        raw = yaml.safe_load(src.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{src}: not valid YAML ({exc}). Fix: check indentation and quote strings that contain ':'.") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{src}: not UTF-8 text. Fix: save the file as UTF-8.") from exc
    return config_from_dict(raw, source=str(src))


def config_from_dict(raw: Any, source: str = "<config>") -> Config:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping with keys {', '.join(SECTIONS)} and settings.")
    known = {*SECTIONS, "settings", "version"}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{source}: unknown top-level key '{key}'.{_did_you_mean(key, known)} Allowed: {', '.join(sorted(known))}.")
    sections = {}
    for sec in SECTIONS:
        if sec not in raw or not raw[sec]:
            raise ConfigError(f"{source}: '{sec}' is missing or empty. Fix: list at least one entry with an id and a name.")
        if not isinstance(raw[sec], list):
            raise ConfigError(f"{source}: '{sec}' must be a list of entries (each starting with '- id: ...').")
        sections[sec] = tuple(_parse_label(entry, sec, i, source) for i, entry in enumerate(raw[sec]))
        ids = [lab.id for lab in sections[sec]]
        dupes = sorted({x for x in ids if ids.count(x) > 1})
        if dupes:
            raise ConfigError(f"{source}: {sec}: duplicate id(s) {', '.join(dupes)}. Fix: every id in a section must be unique.")
    stage_ids = {s.id for s in sections["stages"]}
    for i, st in enumerate(sections["stages"]):
        if st.parent is not None and st.parent not in stage_ids:
            raise ConfigError(
                f"{source}: stages[{i}].parent: '{st.parent}' is not a stage id.{_did_you_mean(st.parent, stage_ids)} "
                f"Fix: use one of {', '.join(sorted(stage_ids))}, or null for a top-level stage."
            )
        if st.parent == st.id:
            raise ConfigError(f"{source}: stages[{i}].parent: a stage cannot be its own parent.")
    for i, tp in enumerate(sections["touchpoints"]):
        for s in tp.stages:
            if s not in stage_ids:
                raise ConfigError(
                    f"{source}: touchpoints[{i}].stages: '{s}' is not a stage id.{_did_you_mean(s, stage_ids)} "
                    f"Fix: use ids from the stages section."
                )
    taxonomy = Taxonomy(**sections)
    settings = _parse_settings(raw.get("settings") or {}, source)
    return Config(taxonomy=taxonomy, settings=settings, path=source)


def _parse_label(entry: Any, section: str, index: int, source: str) -> Label:
    where = f"{source}: {section}[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping with at least 'id' and 'name', got {type(entry).__name__}.")
    allowed = {"id", "name", "description", "examples", "keywords"}
    if section == "stages":
        allowed.add("parent")
    if section == "touchpoints":
        allowed.add("stages")
    for key in entry:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown field '{key}'.{_did_you_mean(key, allowed)} Allowed: {', '.join(sorted(allowed))}.")
    label_id = entry.get("id")
    if not isinstance(label_id, str) or not _ID_RE.match(label_id):
        raise ConfigError(f"{where}.id: {label_id!r} is not a valid id. Fix: use lowercase letters, digits and '_' (e.g. 'post_purchase').")
    where = f"{source}: {section}[{index}] ({label_id})"
    name = entry.get("name") or label_id.replace("_", " ").title()
    if not isinstance(name, str):
        raise ConfigError(f"{where}.name: must be text.")
    description = entry.get("description") or ""
    if not isinstance(description, str):
        raise ConfigError(f"{where}.description: must be text.")
    examples = _str_list(entry.get("examples"), f"{where}.examples")
    keywords = tuple(k.lower().strip() for k in _str_list(entry.get("keywords"), f"{where}.keywords"))
    if not description and not examples and not keywords:
        raise ConfigError(
            f"{where}: has no description, examples or keywords, so nothing can be matched to it. "
            f"Fix: add a description and a few example sentences."
        )
    parent = entry.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise ConfigError(f"{where}.parent: must be a stage id or null.")
    stages = _str_list(entry.get("stages"), f"{where}.stages")
    return Label(id=label_id, name=name, description=description.strip(), examples=examples,
                 keywords=keywords, parent=parent, stages=stages)


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        raise ConfigError(f"{where}: must be a list, e.g. [\"first\", \"second\"], not a single string.")
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: must be a list of non-empty strings.")
    return tuple(v.strip() for v in value)


CLUSTER_ON = ("negative", "all")  # which segments pain point clustering looks at
EMOTION_SETS = ("customer", "ekman", "goemotions")  # feel.emotion_sets.NAMES (a test keeps them equal)
_CHOICES = {
    "long_text": {"truncate", "reject"},
    "sentence_splitter": {"senter", "sentencizer"},
    "cluster_on": set(CLUSTER_ON),
    "emotion_set": set(EMOTION_SETS),
}


def check_cluster_on(value: str | None) -> str | None:
    """``value`` if it is a known ``cluster_on`` (or None: the config's), else a ConfigError naming the fix."""
    if value is not None and value not in CLUSTER_ON:
        raise ConfigError(f"cluster_on: {value!r} is not one of {', '.join(CLUSTER_ON)}. "
                          f"Fix: {opt('cluster_on', 'negative')} (the default) or {opt('cluster_on', 'all')}.")
    return value


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


def _languages(value: Any, source: str) -> tuple[str, ...]:
    """settings.languages: a non-empty list of ISO 639-1 codes ("en", "de"), as the detector names them."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, tuple):  # Config.to_dict() gives the parsed tuple back
        value = list(value)
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{source}: settings.languages: expected a list of language codes like [en], got {value!r}.")
    codes = []
    for v in value:
        code = str(v).strip().lower() if isinstance(v, str) else v
        if not isinstance(code, str) or not _LANGUAGE_CODE.match(code):
            raise ConfigError(f"{source}: settings.languages: {v!r} is not a language code. Fix: use ISO 639-1 codes "
                              f"such as en, de, es (the analysis models read English: see docs/languages.md).")
        codes.append(code)
    return tuple(dict.fromkeys(codes))


def _parse_settings(raw: Any, source: str) -> Settings:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: settings must be a mapping of name: value.")
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            raise ConfigError(f"{source}: settings.{key}: unknown setting.{_did_you_mean(key, fields)} Known: {', '.join(fields)}.")
        default = fields[key].default
        expected = type(default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if key == "languages":
            value = _languages(value, source)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{source}: settings.{key}: expected {expected.__name__} (like {default!r}), got {value!r}.")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise ConfigError(f"{source}: settings.{key}: {value!r} is not one of {', '.join(sorted(_CHOICES[key]))}.")
        values[key] = value
    settings = Settings(**values)
    if not -1 <= settings.negative_threshold < settings.positive_threshold <= 1:
        raise ConfigError(f"{source}: settings: need -1 <= negative_threshold < positive_threshold <= 1.")
    for key in ("stage_min_confidence", "touchpoint_min_confidence"):
        if not 0 <= getattr(settings, key) <= 1:
            raise ConfigError(f"{source}: settings.{key}: must be between 0 and 1.")
    if settings.max_text_chars < 20:
        raise ConfigError(f"{source}: settings.max_text_chars: must be at least 20.")
    if settings.cluster_sample_size < 1000:
        raise ConfigError(f"{source}: settings.cluster_sample_size: must be at least 1000 (default 50000).")
    if settings.min_cluster_size < 0:
        raise ConfigError(f"{source}: settings.min_cluster_size: must be 0 (scale with the data) or more.")
    if settings.temperature <= 0:
        raise ConfigError(f"{source}: settings.temperature: must be > 0.")
    return settings


def _did_you_mean(word: str, options) -> str:
    match = difflib.get_close_matches(str(word), [str(o) for o in options], n=1)
    return f" Did you mean '{match[0]}'?" if match else ""
