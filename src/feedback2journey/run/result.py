"""What a run returns: ``JourneyResult`` (the output tables, the journey and the run's facts), one chunk's
``ChunkResult``, and ``cluster_targets`` (which rows pain point clustering looks at). Shared by the in-memory
API (``pipeline``), the batch runner and ``finish``."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from feedback2journey.config import check_cluster_on
from feedback2journey.outputs.write import write_outputs
from feedback2journey.text.language import NOT_ANALYZED


@dataclass
class JourneyResult:
    items: pd.DataFrame
    segments: pd.DataFrame
    pain_points: pd.DataFrame
    journey: dict
    rejected: pd.DataFrame
    run_info: dict
    explorer: dict = field(default_factory=dict)  # the report's drill-down/filter data
    rows: object = None  # finish.OutputRows: the full output rows chunk by chunk (how write_outputs reads them)
    pain_point_state: object = None  # curate.PainPointState: what the next run reads as --previous (ids stay put)

    def write(self, out_dir: str | Path, xlsx: bool = False) -> dict[str, Path]:
        return write_outputs(self, Path(out_dir), xlsx=xlsx)


@dataclass
class ChunkResult:
    """One chunk after the per-row steps: segments with stage, touchpoint, channel and feelings, and their
    embeddings (row-aligned). Everything corpus-level (clustering, the journey) happens in ``finish``."""

    segments: pd.DataFrame
    embeddings: np.ndarray
    item_language: np.ndarray | None = None  # each item's language (text.language.judge_languages)

    def items_with_language(self, items: pd.DataFrame) -> pd.DataFrame:
        """The chunk's items with their ``language`` column, as they are stored for ``finish``."""
        return items if self.item_language is None else items.assign(language=self.item_language)


def cluster_targets(segments: pd.DataFrame, cluster_on: str) -> np.ndarray:
    """Rows that pain point clustering looks at: negative segments (or all), never greetings/closers, never
    segments left out of the analysis (another language, or no language)."""
    check_cluster_on(cluster_on)  # a typo must not silently mean "all"
    target = segments["sentiment_label"] == "negative" if cluster_on == "negative" else \
        pd.Series(True, index=segments.index)
    read = segments["sentiment_label"] != NOT_ANALYZED if "sentiment_label" in segments else True  # empty chunks
    return (target & ~segments["is_closer"].astype(bool) & read).to_numpy()
