"""feedback2journey: customer feedback in, annotated journey map out.

    from feedback2journey import analyze
    result = analyze(["tickets.csv"])      # JourneyResult: items, segments, pain_points, journey, rejected
    result.write("journey-out")
"""
__version__ = "0.1.0"

_API = {
    "analyze": "feedback2journey.run.pipeline",
    "JourneyResult": "feedback2journey.run.result",
    "Models": "feedback2journey.run.pipeline",
    "load_config": "feedback2journey.config",
    "Config": "feedback2journey.config",
    "ConfigError": "feedback2journey.config",
    "ColumnMapping": "feedback2journey.inputs.columns",
    "InputError": "feedback2journey.inputs.read",
}
__all__ = ["__version__", *_API]


def __getattr__(name):  # lazy: `feedback2journey --help` should not import torch
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'feedback2journey' has no attribute {name!r}")
