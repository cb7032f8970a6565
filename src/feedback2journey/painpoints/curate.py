"""Pain point ids that survive the next run, and a researcher's curation file.

**Stable ids.** Every run stores its clusters' centroids beside its outputs (``pain_point_centroids.npy``
+ ``pain_point_centroids.json``). The next run matches its clusters to them one-to-one (Hungarian
assignment on cosine similarity, >= ``MATCH_THRESHOLD``): a matched cluster keeps the old id and name; a
further new cluster that is as close to an already-matched old one joins it (a theme split in two by more
data stays one pain point); anything else gets a new, never reused id. Changes are reported: new, grown,
shrunk, stable, gone.

**Curation file** (``pain_points.yaml``; ``feedback2journey pain-points DIR --init-curation`` writes one)::

    pain_points:
      PP03:
        name: Refund takes weeks       # rename (the automatic label stays in auto_label)
        pin: true                      # keep it: matched more loosely, re-created from close segments if gone
      PP07:
        merge_into: PP03               # its segments join PP03
      PP09:
        ignore: true                   # not a pain point (its segments get no pain point id)
      PP02:
        split:                         # segments of PP02 mentioning a keyword become their own pain point
          - keywords: [tracking, courier]
            name: Tracking information
            id: PP40                   # optional; otherwise a new id is given and remembered

It is applied after the ids are matched, so it keeps working as data grows.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from feedback2journey.errors import UserError
from feedback2journey.files import atomic_write
from feedback2journey.painpoints.ids import split_absorbed

STATE_JSON = "pain_point_centroids.json"
STATE_NPY = "pain_point_centroids.npy"
CURATION_FILE = "pain_points.yaml"
MATCH_THRESHOLD = 0.80
PIN_MATCH_THRESHOLD = 0.70
_ID_RE = re.compile(r"^PP\d{2,}$")


class CurationError(UserError):
    """The curation file is invalid; the message names the field and the fix."""


@dataclass(eq=False)  # eq=False: pandas compares DataFrame.attrs, and arrays have no truth value
class PainPointState:
    """What a run leaves for the next one: raw cluster ids and centroids, split ids, final sizes."""

    ids: list[str] = field(default_factory=list)
    centroids: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    labels: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    next_id: int = 1
    splits: dict[str, str] = field(default_factory=dict)
    final: dict[str, dict] = field(default_factory=dict)  # id -> {size, share, label}
    params: dict = field(default_factory=dict)  # the clustering's chosen min_cluster_size and fitted_on

    def centroid(self, pp_id: str) -> np.ndarray | None:
        return self.centroids[self.ids.index(pp_id)] if pp_id in self.ids else None

    def new_id(self) -> str:
        pp = f"PP{self.next_id:02d}"
        self.next_id += 1
        return pp


def _num(pp_id: str) -> int:
    return int(pp_id[2:]) if _ID_RE.match(pp_id) else 0


def save_state(state: PainPointState, out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"version": 1, "ids": state.ids, "labels": state.labels, "sizes": state.sizes, "next_id": state.next_id,
            "splits": state.splits, "final": state.final, "params": state.params, "centroids_file": STATE_NPY}
    cents = np.asarray(state.centroids, dtype=np.float32)
    atomic_write(out / STATE_NPY, lambda p: np.save(open(p, "wb"), cents))
    atomic_write(out / STATE_JSON, lambda p: p.write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8"))
    return [out / STATE_NPY, out / STATE_JSON]


def load_state(path: str | Path | None) -> PainPointState | None:
    """The state in a previous run's folder (or its ``pain_point_centroids.json``); None if there is none."""
    if path is None:
        return None
    p = Path(path)
    meta_path = p / STATE_JSON if p.is_dir() else p
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    cents = np.load(meta_path.parent / meta.get("centroids_file", STATE_NPY))
    return PainPointState(list(meta["ids"]), cents.astype(np.float32), list(meta.get("labels", [])),
                          list(meta.get("sizes", [])), int(meta.get("next_id", 1)), dict(meta.get("splits", {})),
                          dict(meta.get("final", {})), dict(meta.get("params", {})))


# -- stable ids ------------------------------------------------------------------------------------------------
def split_back(clustering, previous: PainPointState, embeddings: np.ndarray, pinned: set[str] = frozenset(),
               threshold: float = MATCH_THRESHOLD) -> dict:
    """``ids.split_absorbed`` with the match thresholds of ``assign_ids`` (pinned ids need less). Splits
    ``clustering`` in place; returns the reroutes for rows outside the sample (``ids.reroute``)."""
    need = {pp: PIN_MATCH_THRESHOLD if pp in pinned else threshold for pp in previous.ids}
    return split_absorbed(clustering, previous, np.asarray(embeddings, dtype=np.float32), need)


def assign_ids(clustering, previous: PainPointState | None, pinned: set[str] = frozenset(),
               threshold: float = MATCH_THRESHOLD, embeddings: np.ndarray | None = None
               ) -> tuple[dict[int, str], PainPointState]:
    """Map each cluster number to a pain point id, reusing ``previous`` ids where centroids match.

    With ``embeddings`` (rows aligned with ``clustering.assignments``), an old pain point that more data
    folded into a neighbour's cluster first gets its own rows back (``split_back``), so ids stay put."""
    if previous is not None and embeddings is not None:
        split_back(clustering, previous, embeddings, pinned, threshold)
    topics = sorted(clustering.clusters, key=lambda t: (-clustering.clusters[t].size, t))
    if previous is not None and topics and previous.centroids.size and \
            previous.centroids.shape[1] != clustering.clusters[topics[0]].centroid.shape[0]:
        import logging

        logging.getLogger(__name__).warning("previous pain point centroids come from another embedding model: "
                                            "ids are not matched this time")
        previous = PainPointState(next_id=previous.next_id, splits=previous.splits)
    state = PainPointState(next_id=previous.next_id if previous else 1,
                           splits=dict(previous.splits) if previous else {},
                           params={k: clustering.params[k] for k in ("min_cluster_size", "fitted_on")
                                   if isinstance(clustering.params.get(k), int)})
    mapping: dict[int, str] = {}
    if previous is not None and len(previous.ids) and topics:
        from scipy.optimize import linear_sum_assignment

        new = np.stack([clustering.clusters[t].centroid for t in topics])
        sims = new @ previous.centroids.T
        need = np.array([PIN_MATCH_THRESHOLD if i in pinned else threshold for i in previous.ids])
        r, c = linear_sum_assignment(-sims)
        for i, j in zip(r, c):
            if sims[i, j] >= need[j]:
                mapping[topics[i]] = previous.ids[j]
        for i, t in enumerate(topics):  # a second fragment of a matched theme keeps that theme's id
            if t not in mapping:
                j = int(np.argmax(sims[i]))
                if sims[i, j] >= need[j] and previous.ids[j] in mapping.values():
                    mapping[t] = previous.ids[j]
        state.next_id = max(state.next_id, max((_num(x) for x in previous.ids), default=0) + 1)
    elif previous is not None:
        state.next_id = max(state.next_id, max((_num(x) for x in previous.final), default=0) + 1)
    for t in topics:
        if t not in mapping:
            mapping[t] = state.new_id()
    # The state keeps every cluster's centroid (an id that took two fragments has two), so the next run on the
    # same data matches each fragment to its own centroid and folds them the same way again.
    for t in topics:
        cl = clustering.clusters[t]
        state.ids.append(mapping[t])
        state.labels.append(cl.label)
        state.sizes.append(int(cl.size))
    if topics:
        state.centroids = np.stack([clustering.clusters[t].centroid for t in topics]).astype(np.float32)
    return mapping, state


# -- the curation file -------------------------------------------------------------------------------------------
@dataclass
class Split:
    source: str
    keywords: tuple[str, ...]
    name: str | None = None
    id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.source}|{','.join(sorted(k.lower() for k in self.keywords))}"

    def matches(self, text: str) -> bool:
        return any(re.search(rf"\b{re.escape(k)}", text, re.I) for k in self.keywords)


@dataclass
class Curation:
    rename: dict[str, str] = field(default_factory=dict)
    merge: dict[str, str] = field(default_factory=dict)
    ignore: set[str] = field(default_factory=set)
    pin: set[str] = field(default_factory=set)
    splits: list[Split] = field(default_factory=list)
    path: str | None = None

    def is_empty(self) -> bool:
        return not (self.rename or self.merge or self.ignore or self.pin or self.splits)


_ENTRY_KEYS = {"name", "pin", "ignore", "merge_into", "split", "note"}


def load_curation(path: str | Path | None) -> Curation:
    """Read and validate a curation file. A missing file (or None) is an empty curation."""
    if path is None or not Path(path).exists():
        return Curation()
    src = str(path)
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CurationError(f"{src}: not valid YAML ({exc}). Fix: check indentation.") from exc
    if not isinstance(raw, dict) or set(raw) - {"pain_points", "version"}:
        raise CurationError(f"{src}: expected a mapping with one key 'pain_points:' (id -> changes).")
    entries = raw.get("pain_points") or {}
    if not isinstance(entries, dict):
        raise CurationError(f"{src}: pain_points must map ids (PP03) to changes (name, pin, ignore, merge_into, split).")
    cur = Curation(path=src)
    for pp, entry in entries.items():
        where = f"{src}: pain_points.{pp}"
        if not isinstance(pp, str) or not _ID_RE.match(pp):
            raise CurationError(f"{where}: {pp!r} is not a pain point id. Fix: use the ids of pain_points.csv (PP03).")
        entry = entry or {}
        if not isinstance(entry, dict):
            raise CurationError(f"{where}: expected a mapping like {{name: ..., pin: true}}.")
        unknown = set(entry) - _ENTRY_KEYS
        if unknown:
            raise CurationError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}. Allowed: {', '.join(sorted(_ENTRY_KEYS))}.")
        if "name" in entry:
            if not isinstance(entry["name"], str) or not entry["name"].strip():
                raise CurationError(f"{where}.name: must be non-empty text.")
            cur.rename[pp] = entry["name"].strip()
        for flag, bucket in (("pin", cur.pin), ("ignore", cur.ignore)):
            if flag in entry:
                if not isinstance(entry[flag], bool):
                    raise CurationError(f"{where}.{flag}: must be true or false.")
                if entry[flag]:
                    bucket.add(pp)
        if "merge_into" in entry:
            target = entry["merge_into"]
            if not isinstance(target, str) or not _ID_RE.match(target) or target == pp:
                raise CurationError(f"{where}.merge_into: must be another pain point id, e.g. PP03.")
            cur.merge[pp] = target
        for i, sp in enumerate(entry.get("split") or []):
            w = f"{where}.split[{i}]"
            if not isinstance(sp, dict) or not sp.get("keywords"):
                raise CurationError(f"{w}: needs keywords: [word, ...] (and optionally name, id).")
            kws = sp["keywords"]
            if isinstance(kws, str) or not all(isinstance(k, str) and k.strip() for k in kws):
                raise CurationError(f"{w}.keywords: must be a list of words, e.g. [tracking, courier].")
            sid = sp.get("id")
            if sid is not None and (not isinstance(sid, str) or not _ID_RE.match(sid)):
                raise CurationError(f"{w}.id: must look like PP40.")
            cur.splits.append(Split(pp, tuple(k.strip() for k in kws), sp.get("name"), sid))
    for a in cur.merge:  # follow chains, refuse cycles
        seen, b = {a}, cur.merge[a]
        while b in cur.merge:
            if b in seen:
                raise CurationError(f"{src}: merge_into forms a cycle through {b}. Fix: merge each into one final id.")
            seen.add(b)
            b = cur.merge[b]
    return cur


def apply_curation(row_ids: np.ndarray, texts: list[str], embeddings: np.ndarray, cur: Curation,
                   state: PainPointState, previous: PainPointState | None,
                   threshold: float = 0.45, present: set[str] | None = None) -> tuple[np.ndarray, dict]:
    """Apply splits, merges, pins and ignores to per-row ids (None = unassigned). Returns new ids + a log.

    Row by row once ``state`` has seen a first call: rows outside a fitted sample are curated by calling it
    again with ``present`` = the ids the sample had before curation (pins re-created the same way)."""
    ids = np.asarray(row_ids, dtype=object).copy()
    notes: dict = {"split": {}, "merged": {}, "ignored": [], "pinned_recreated": [], "unknown_ids": []}
    present = set(x for x in ids if x is not None) if present is None else present
    known = present | set(previous.ids if previous else []) | set(previous.final if previous else [])
    for pp in sorted(set(cur.rename) | set(cur.merge) | cur.ignore | cur.pin | {s.source for s in cur.splits}):
        if pp not in known and pp not in {s.id for s in cur.splits}:
            notes["unknown_ids"].append(pp)
    # pinned ids that found no cluster this time: re-created from close unassigned segments
    if previous is not None:
        for pp in sorted(cur.pin - present):
            c = previous.centroid(pp)
            if c is None:
                continue
            free = np.flatnonzero(ids == None)  # noqa: E711
            hit = free[(embeddings[free] @ c) >= threshold] if len(free) else free
            if len(hit):
                ids[hit] = pp
                notes["pinned_recreated"].append(pp)
                if pp not in state.ids:
                    state.ids.append(pp)
                    state.labels.append(previous.labels[previous.ids.index(pp)] if previous.labels else pp)
                    state.sizes.append(int(len(hit)))
                    state.centroids = np.vstack([state.centroids, c[None, :]]) if state.centroids.size else c[None, :]
    for sp in cur.splits:
        sid = sp.id or state.splits.get(sp.key) or state.new_id()
        state.splits[sp.key] = sid
        rows = [i for i in np.flatnonzero(ids == sp.source) if sp.matches(texts[i])]
        ids[rows] = sid
        notes["split"][sid] = {"from": sp.source, "keywords": list(sp.keywords), "segments": len(rows)}
    for src in cur.merge:
        dst = cur.merge[src]
        while dst in cur.merge:
            dst = cur.merge[dst]
        n = int((ids == src).sum())
        ids[ids == src] = dst
        notes["merged"][src] = {"into": dst, "segments": n}
    for pp in sorted(cur.ignore):
        n = int((ids == pp).sum())
        ids[ids == pp] = None
        notes["ignored"].append({"id": pp, "segments": n})
    # keep next_id past every id a curation file names, so a new cluster never takes it
    for s in cur.splits:
        if s.id:
            state.next_id = max(state.next_id, _num(s.id) + 1)
    return ids, notes


# -- change report ---------------------------------------------------------------------------------------------
def changes(sizes: dict[str, int], previous: PainPointState | None, ratio: float = 1.2) -> tuple[dict[str, str], list[str]]:
    """Per id: new / grown / shrunk / stable (by share of clustered segments); and ids that are gone."""
    if previous is None or not previous.final:
        return {k: "new" for k in sizes}, []
    total = sum(sizes.values()) or 1
    out = {}
    for pp, n in sizes.items():
        old = previous.final.get(pp)
        if old is None:
            out[pp] = "new"
            continue
        share, old_share = n / total, float(old.get("share") or 0.0)
        if old_share and share > old_share * ratio and n - old.get("size", 0) >= 3:
            out[pp] = "grown"
        elif share < old_share / ratio:
            out[pp] = "shrunk"
        else:
            out[pp] = "stable"
    gone = sorted(set(previous.final) - set(sizes), key=_num)
    return out, gone


def curation_template(table, path: str | Path) -> str:
    """YAML text listing every pain point, all changes commented out, for a researcher to edit."""
    lines = ["# Curation of pain points. Uncomment and edit; the next `feedback2journey run` applies it.",
             "# Fields per id: name, pin (true/false), ignore (true/false), merge_into (id),",
             "#   split (list of {keywords: [...], name: ..., id: optional}).", "pain_points:"]
    for rec in table.itertuples():
        lines += [f"  # {rec.pain_point_id}: {rec.label}  (size {rec.size}, priority {rec.priority})",
                  f"  # {rec.pain_point_id}:", f"  #   name: {json.dumps(rec.label, ensure_ascii=False)}",
                  "  #   pin: false", "  #   ignore: false", "  #   merge_into: PPxx"]
    text = "\n".join(lines) + "\n"
    Path(path).write_text(text, encoding="utf-8")
    return text


# -- helpers for the command line ------------------------------------------------------------------------------
def run_paths(out: str | Path, config: str | Path | None = None, curation: str | Path | None = None,
              previous: str | Path | None = None) -> tuple[Path | None, Path | None]:
    """Where a run finds the previous state and the curation file.

    previous: the given folder, else ``out`` if an earlier run left its centroids there.
    curation: the given file, else ``pain_points.yaml`` beside ``--config``, else in ``out``.
    """
    out = Path(out)
    prev = Path(previous) if previous else (out if (out / STATE_JSON).exists() else None)
    if curation:
        if not Path(curation).exists():
            raise CurationError(f"{curation}: file not found. Fix: check the path, or start one from a finished "
                                f"run's pain points (the pain-points command writes a template).")
        return prev, Path(curation)
    for cand in ([Path(config).with_name(CURATION_FILE)] if config else []) + [out / CURATION_FILE]:
        if cand.exists():
            return prev, cand
    return prev, None
