"""Classify: each segment's journey stage and touchpoint from the taxonomy, zero-shot from its descriptions,
examples and keywords (``zero_shot``), or with a head trained on labelled rows (``train``); ``evaluate``
scores either against labels."""
from feedback2journey.classify.evaluate import evaluate, load_labeled
from feedback2journey.classify.train import build_classifier, load_head, train
from feedback2journey.classify.zero_shot import ChannelResolver, JourneyClassifier, PrototypeClassifier

__all__ = ["ChannelResolver", "JourneyClassifier", "PrototypeClassifier", "build_classifier", "evaluate",
           "load_head", "load_labeled", "train"]
