"""Map: the journey map (stages as columns, touchpoints, sentiment curve, emotions, pain points per stage) and
the report's drill-down data, built from the analyzed items and segments."""
from feedback2journey.journey.map import build_explorer, build_journey, segment_view

__all__ = ["build_explorer", "build_journey", "segment_view"]
