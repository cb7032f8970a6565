import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# CLI runs in tests use a throwaway embedding cache, never the user's
os.environ["F2J_CACHE_DIR"] = tempfile.mkdtemp(prefix="f2j-test-cache-")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def config():
    from feedback2journey.config import load_config

    return load_config()


@pytest.fixture(scope="session")
def models(config):
    """The real models (MiniLM, spaCy senter), loaded once for the whole session."""
    from feedback2journey.run.pipeline import Models

    return Models(config)


@pytest.fixture(scope="session")
def embedder(models):
    return models.embedder
