"""Where bundled files live: inside the wheel (``_bundled/``) or at the repo root in a checkout."""
from __future__ import annotations

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
