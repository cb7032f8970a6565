"""Cluster segments into recurring pain points: BERTopic over precomputed sentence embeddings.

Sub-models are explicit (UMAP, HDBSCAN, CountVectorizer, c-TF-IDF) and seeded, and no embedding model
name is ever given to BERTopic, so nothing is fetched from a hub. Cluster size scales with the data
(defaults over-fragment). Outliers close enough to a cluster centroid are reassigned; the rest stay -1
and are reported.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

log = logging.getLogger(__name__)


@dataclass
class Cluster:
    topic: int
    keywords: list[str]
    centroid: np.ndarray

    @property
    def label(self) -> str:
        """Up to three keywords, skipping any whose words an earlier pick already covers."""
        picked, covered = [], set()
        for kw in self.keywords:
            words = set(kw.split())
            if words <= covered:
                continue
            picked.append(kw)
            covered |= words
            if len(picked) == 3:
                break
        return " / ".join(picked) if picked else f"cluster {self.topic}"


@dataclass
class Clustering:
    """``assignments[i]`` is the cluster of input row i, or -1 (unassigned)."""

    assignments: np.ndarray
    clusters: dict[int, Cluster] = field(default_factory=dict)
    params: dict = field(default_factory=dict)

    @property
    def unassigned(self) -> int:
        return int((self.assignments < 0).sum())


class PainPointClusterer:
    def __init__(self, min_cluster_size: int = 0, seed: int = 42, min_segments: int = 30,
                 outlier_threshold: float = 0.55, n_keywords: int = 8):
        self.min_cluster_size = min_cluster_size
        self.seed = seed
        self.min_segments = min_segments
        self.outlier_threshold = outlier_threshold
        self.n_keywords = n_keywords

    def params_for(self, n: int) -> dict:
        mcs = self.min_cluster_size or int(np.clip(round(n * 0.012), 8, 500))
        return {"min_cluster_size": mcs, "min_samples": max(3, mcs // 3),
                "n_neighbors": int(np.clip(round(np.sqrt(n) / 2), 10, 50)), "n_components": 5, "seed": self.seed}

    def fit(self, texts: list[str], embeddings: np.ndarray) -> Clustering:
        n = len(texts)
        if n < self.min_segments:
            log.info("only %d segments to cluster (< %d): no pain points", n, self.min_segments)
            return Clustering(np.full(n, -1, dtype=int), {}, {"skipped": f"fewer than {self.min_segments} segments"})
        from bertopic import BERTopic
        from bertopic.vectorizers import ClassTfidfTransformer
        from hdbscan import HDBSCAN
        from sklearn.feature_extraction.text import CountVectorizer
        from umap import UMAP

        p = self.params_for(n)
        umap_model = UMAP(n_neighbors=min(p["n_neighbors"], n - 1), n_components=p["n_components"], min_dist=0.0,
                          metric="cosine", random_state=self.seed, low_memory=True)
        hdbscan_model = HDBSCAN(min_cluster_size=p["min_cluster_size"], min_samples=p["min_samples"],
                                metric="euclidean", cluster_selection_method="eom", prediction_data=False)
        # c-TF-IDF sees one document per cluster: min_df must stay 1 or words unique to a cluster vanish.
        vectorizer = CountVectorizer(stop_words="english", ngram_range=(1, 2), min_df=1,
                                     token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z']+\b")
        model = BERTopic(embedding_model=None, umap_model=umap_model, hdbscan_model=hdbscan_model,
                         vectorizer_model=vectorizer, ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
                         top_n_words=self.n_keywords, calculate_probabilities=False, verbose=False)
        logging.getLogger("BERTopic").setLevel(logging.ERROR)  # set after init, which resets it; its notes are expected
        try:
            topics, _ = model.fit_transform(texts, embeddings=embeddings)
        except (ValueError, TypeError) as exc:  # e.g. too few distinct documents for the vectorizer / UMAP
            log.warning("clustering failed (%s): no pain points", exc)
            return Clustering(np.full(n, -1, dtype=int), {}, {**p, "skipped": str(exc)})
        topics = np.asarray(topics)
        topics = self._reassign_outliers(topics, embeddings)
        if (topics >= 0).any():
            try:
                model.update_topics(texts, topics=topics.tolist(), vectorizer_model=vectorizer,
                                    ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
                                    top_n_words=self.n_keywords)
            except ValueError as exc:
                log.warning("could not recompute keywords after outlier reassignment: %s", exc)
        clusters = {}
        for t in sorted(set(topics.tolist()) - {-1}):
            words = [w for w, _ in (model.get_topic(t) or []) if w]
            members = embeddings[topics == t]
            centroid = members.mean(axis=0)
            clusters[t] = Cluster(t, words[: self.n_keywords], centroid / (np.linalg.norm(centroid) or 1.0))
        return Clustering(topics, clusters, p)

    def _reassign_outliers(self, topics: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
        ids = sorted(set(topics.tolist()) - {-1})
        out = topics.copy()
        outliers = np.flatnonzero(topics == -1)
        if not ids or outliers.size == 0:
            return out
        cents = np.stack([embeddings[topics == t].mean(axis=0) for t in ids])
        cents /= np.linalg.norm(cents, axis=1, keepdims=True)
        sims = embeddings[outliers] @ cents.T
        best = sims.argmax(axis=1)
        ok = sims[np.arange(len(best)), best] >= self.outlier_threshold
        out[outliers[ok]] = np.asarray(ids)[best[ok]]
        return out
