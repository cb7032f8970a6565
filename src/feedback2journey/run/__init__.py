"""Run: the steps put together. ``pipeline.analyze`` in memory, ``batch.run_batch`` chunked and resumable (the
CLI's path, locally or on workers), both ending in ``finish`` (clustering, roll-up, journey); ``Models`` builds
every component from the validated config, once."""
from feedback2journey.run.batch import BatchOptions, run_batch
from feedback2journey.run.pipeline import Models, analyze, analyze_chunk
from feedback2journey.run.result import JourneyResult

__all__ = ["BatchOptions", "JourneyResult", "Models", "analyze", "analyze_chunk", "run_batch"]
