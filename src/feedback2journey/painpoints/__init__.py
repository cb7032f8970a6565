"""Cluster: recurring pain points from the items seen through their clustered (by default negative) segments
(UMAP + HDBSCAN over the embeddings, sized, labelled in plain words), ids kept stable across runs, a
researcher's curation applied, and the pain point table."""
from feedback2journey.painpoints.cluster import PainPointClusterer
from feedback2journey.painpoints.curate import Curation, CurationError, PainPointState, load_curation, load_state
from feedback2journey.painpoints.model import Clustering
from feedback2journey.painpoints.table import PainPointModel, define_pain_points, pain_point_table

__all__ = ["Clustering", "Curation", "CurationError", "PainPointClusterer", "PainPointModel", "PainPointState",
           "define_pain_points", "load_curation", "load_state", "pain_point_table"]
