"""Embed: sentence vectors from a local model (all-MiniLM-L6-v2 on torch, its int8 ONNX export, or fast mode's
static model), in fixed-shape batches so a vector never depends on its batch-mates, cached on disk."""
from feedback2journey.embed.embedder import Embedder, EmbeddingCache

__all__ = ["Embedder", "EmbeddingCache"]
