"""Loaders for the quality scoreboard (benchmarks/scoreboard.py): one function per public set.

Each returns a ``Loaded`` (a frame with ``text`` and the gold columns, the sample it drew, notes on what was
tuned where), or raises ``Absent`` when its files are not under the data folder. Nothing here is copied into
the repository: the sets are read from ``../shared/data`` at run time (shared/data/README.md).

Samples are drawn with ``DataFrame.sample(n, random_state=seed)``; ``n=None`` keeps every row.
"""
from __future__ import annotations

import hashlib
import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from heldout_splits import uci_part  # noqa: E402  (the split the sentiment encoder's training uses)
from feedback2journey.feel.encoder import EKMAN  # GoEmotions' Ekman mapping plus neutral, as the model uses it

TAXONOMIES = Path(__file__).resolve().parent / "taxonomies"

TO_EKMAN = {g: e for e, gs in EKMAN.items() for g in gs}


class Absent(Exception):
    """The set's files are not under the data folder."""


@dataclass
class Loaded:
    frame: pd.DataFrame  # text (+ title for reviews) and gold columns, one row per input row
    sample: str  # what was drawn: "n=1,500 of 4,692, seed 19"
    notes: list[str] = field(default_factory=list)  # what was tuned on this set, held-out splits...
    info: dict = field(default_factory=dict)  # label lists etc.


def _need(path: Path) -> Path:
    if not path.exists():
        raise Absent(str(path))
    return path


def _sample(frame: pd.DataFrame, n: int | None, seed: int, what: str = "") -> tuple[pd.DataFrame, str]:
    total = len(frame)
    if n is not None and n < total:
        frame = frame.sample(n, random_state=seed)
        desc = f"n={n:,} of {total:,}{what}, seed {seed}"
    else:
        desc = f"all {total:,}{what}"
    return frame.reset_index(drop=True), desc


def _read_tsv(path: Path, ncols: int) -> list[list[str]]:
    rows = []
    for line in _need(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            parts = line.rsplit("\t", ncols - 1)
            rows.append(parts)
    return rows


def goemotions(data: Path, n: int | None, seed: int) -> Loaded:
    """GoEmotions test: 28 labels (multi-label), the same rows' Ekman-7 and 4-way sentiment groups."""
    root = data / "goemotions"
    names = _need(root / "labels.txt").read_text().split()
    groups = (root / "group" / "labels.txt").read_text().split()
    ekman = (root / "ekman" / "labels.txt").read_text().split()
    base, grp, ekm = (_read_tsv(p, 3) for p in (root / "test.tsv", root / "group" / "test.tsv",
                                                   root / "ekman" / "test.tsv"))
    assert [r[2] for r in base] == [r[2] for r in grp] == [r[2] for r in ekm], "GoEmotions files not aligned"
    frame = pd.DataFrame({
        "text": [r[0] for r in base],
        "emo28": [tuple(names[int(i)] for i in r[1].split(",")) for r in base],
        "ekman": [tuple(ekman[int(i)] for i in r[1].split(",")) for r in ekm],
        "group": [tuple(groups[int(i)] for i in r[1].split(",")) for r in grp],
    })
    frame, desc = _sample(frame, n, seed, " test")
    # sentiment gold: rows with exactly one 4-way group that is not "ambiguous"
    frame["sentiment"] = [g[0] if len(g) == 1 and g[0] != "ambiguous" else None for g in frame["group"]]
    train = _read_tsv(root / "train.tsv", 3)  # only the label column: the most frequent label baseline
    counts = pd.Series([names[int(i)] for r in train for i in r[1].split(",")]).value_counts()
    return Loaded(frame, desc, ["test split only: the sentiment encoder is trained on GoEmotions train, its thresholds and emotion cut-offs chosen on dev (models/sentiment_encoder/MODEL_CARD.md)"],
                  {"labels28": names, "ekman": ekman, "most_frequent": counts.index[0]})


def semeval(data: Path, n: int | None, seed: int, domain: str = "restaurants") -> Loaded:
    """SemEval-2014 train sentences whose aspect terms share one polarity; ODD rows only (held-out half)."""
    d = pd.read_csv(_need(data / "semeval2014_absa" / f"semeval2014_{domain}_train.csv"))

    def one(a):
        pol = {x["polarity"] for x in json.loads(a)}
        return pol.pop() if len(pol) == 1 and next(iter(pol)) in ("positive", "negative", "neutral") else None

    d["sentiment"] = d["aspect_terms"].map(one)
    d = d.dropna(subset=["sentiment"]).reset_index(drop=True)
    total = len(d)
    d = d[d.index % 2 == 1][["text", "sentiment"]]  # even rows: docs/sentiment.md chose the neutral bias on them
    d["text"] = d["text"].str.strip()
    frame, desc = _sample(d, n, seed, f" odd rows ({total:,} single-polarity)")
    return Loaded(frame, desc, ["held-out odd half; the even half was used to choose the sentiment neutral bias",
                                "not training the sentiment encoder on MAMS was decided after its first runs had printed "
                                "SemEval figures (docs/sentiment.md, 'Choice of recipe')"])


def clothing(data: Path, n: int | None, seed: int) -> Loaded:
    """Women's clothing reviews, fixed held-out split (row id % 5 == 0), rating <= 2 vs >= 4."""
    d = pd.read_csv(_need(data / "womens_clothing_reviews" / "reviews.csv"))
    d = d.rename(columns={d.columns[0]: "row_id"})
    d = d[d["Review Text"].notna() & (d["row_id"].astype(int) % 5 == 0) & (d["Rating"] != 3)]
    d = pd.DataFrame({"title": d["Title"].astype(object).fillna(""), "text": d["Review Text"],
                      "binary": ["negative" if r <= 2 else "positive" for r in d["Rating"]]})
    frame, desc = _sample(d, n, seed, " held-out split")
    return Loaded(frame, desc, ["held-out split (row id % 5 == 0); the sentiment encoder is trained on the other rows; the mixed-item roll-up was changed after this row read 0.666 (forced negative), so its figure is not a clean held-out one for that rule"])


def uci(data: Path, n: int | None, seed: int) -> Loaded:
    """UCI sentences, the test part only (scripts/heldout_splits.py: md5 of the text; the sentiment encoder trains
    on the train part and its recipe was chosen with the dev part)."""
    rows = []
    for name in ("amazon_cells", "yelp", "imdb"):
        for text, y in _read_tsv(data / "uci_sentiment_sentences" / f"{name}_labelled.txt", 2):
            if uci_part(text) == "test":
                rows.append((text.strip(), "positive" if y.strip() == "1" else "negative", name))
    frame, desc = _sample(pd.DataFrame(rows, columns=["text", "binary", "source"]), n, seed, " test part (3 sources)")
    return Loaded(frame, desc, ["the sentiment encoder trains on the train part of the same sources (in domain); "
                                "these are the test part's sentences, never trained on or used for a choice"])


def bitext(data: Path, n: int | None, seed: int) -> Loaded:
    """Bitext held-out rows (md5 of the text >= 30%: docs/classification.md chose settings on the rest)."""
    d = pd.read_csv(_need(data / "bitext_customer_support" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"),
                    usecols=["instruction", "intent", "category"])
    dev = [int(hashlib.md5(t.encode()).hexdigest()[:8], 16) / 2**32 < 0.30 for t in d["instruction"]]
    d = d[~pd.Series(dev, index=d.index)]
    d = pd.DataFrame({"text": d["instruction"], "intent": d["intent"], "label": d["category"].str.lower()})
    frame, desc = _sample(d, n, seed, " held-out rows")
    return Loaded(frame, desc, ["held-out rows (classifier settings chosen on the 30% dev rows)",
                                "clustering parameters (grain, outlier threshold, labels) were chosen on Bitext and Banking77 (docs/pain_points.md)",
                                "the lead-segment roll-up was chosen on padded Bitext and HWU64 requests (benchmarks/rollup_check.py); the "
                                "language rule's 30-letter bound on Bitext and Banking77 (docs/languages.md)"],
                  {"taxonomy": TAXONOMIES / "bitext.yaml"})


def clinc150(data: Path, n: int | None, seed: int) -> Loaded:
    root = data / "clinc150"
    rows = json.loads(_need(root / "data_full.json").read_text())["test"]  # in-scope test; oos_test excluded
    domain_of = {i: dom for dom, intents in json.loads((root / "domains.json").read_text()).items() for i in intents}
    d = pd.DataFrame(rows, columns=["text", "intent"])
    d["label"] = d["intent"].map(domain_of)
    assert d["label"].notna().all()
    frame, desc = _sample(d, n, seed, " in-scope test")
    return Loaded(frame, desc, ["nothing in the pipeline is fitted on it"], {"taxonomy": TAXONOMIES / "clinc150.yaml"})


def hwu64(data: Path, n: int | None, seed: int) -> Loaded:
    root = data / "hwu64" / "test"
    texts = _need(root / "seq.in").read_text(encoding="utf-8").splitlines()
    labels = (root / "label").read_text(encoding="utf-8").splitlines()
    assert len(texts) == len(labels)
    d = pd.DataFrame({"text": [t.strip() for t in texts], "intent": [x.strip() for x in labels]})
    d["label"] = d["intent"].str.split("_").str[0]
    frame, desc = _sample(d, n, seed, " test")
    return Loaded(frame, desc, ["the item roll-up's lead-segment rule was chosen on Bitext and HWU64 requests wrapped in "
                                "project-written context sentences (benchmarks/rollup_check.py); nothing else is fitted on it"],
                  {"taxonomy": TAXONOMIES / "hwu64.yaml"})


def banking77(data: Path, n: int | None, seed: int) -> Loaded:
    d = pd.read_csv(_need(data / "banking77" / "train.csv")).rename(columns={"category": "intent"})
    families = yaml.safe_load((TAXONOMIES / "banking77_families.yaml").read_text())
    family_of = {i: fam for fam, intents in families.items() for i in intents}
    d["label"] = d["intent"].map(family_of)
    assert d["label"].notna().all(), "every intent needs a family"
    frame, desc = _sample(d[["text", "intent", "label"]], n, seed, " train")
    return Loaded(frame, desc, ["clustering parameters (grain, outlier threshold, labels) were chosen on Banking77 and Bitext "
                                "(docs/pain_points.md); the sentiment encoder is trained on Banking77 (not scored here); the language "
                                "rule's 30-letter bound was chosen on Bitext and Banking77 (docs/languages.md)"],
                  {"taxonomy": TAXONOMIES / "banking77.yaml"})


def mams(data: Path, n: int | None, seed: int) -> Loaded:
    """MAMS ACSA test + val sentences with their aspect categories and polarities (every sentence has >= 2
    aspects of different polarity, so the single-polarity / single-category subsets are empty)."""
    rows = []
    for split in ("test", "val"):
        root = ET.parse(_need(data / "mams_acsa" / f"{split}.xml")).getroot()
        for s in root.iter("sentence"):
            aspects = [(a.get("category"), a.get("polarity")) for a in s.iter("aspectCategory")]
            rows.append((s.findtext("text").strip(), tuple(sorted({c for c, _ in aspects})),
                         tuple(sorted({p for _, p in aspects}))))
    d = pd.DataFrame(rows, columns=["text", "categories", "polarities"])
    d["label"] = [c[0] if len(c) == 1 else None for c in d["categories"]]
    d["sentiment"] = [p[0] if len(p) == 1 else None for p in d["polarities"]]
    frame, desc = _sample(d, n, seed, " test+val")
    return Loaded(frame, desc, ["nothing in the pipeline is fitted on it; the val sentences (half of these rows) chose the "
                                "sentiment encoder's recipe (no sentiment row here; they feed the negative items' rows)"],
                  {"taxonomy": TAXONOMIES / "mams.yaml"})
