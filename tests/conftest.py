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


# Fixtures that load the real models (MiniLM, spaCy's senter): every test that needs one, directly or through
# another fixture, is slow, so `pytest -m "not slow"` is a quick run without a list kept by hand.
_MODEL_FIXTURES = {"models", "embedder"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
