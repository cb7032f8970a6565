"""Cluster segments into recurring pain points: UMAP then HDBSCAN over precomputed sentence embeddings.

BERTopic's recipe, called directly: UMAP (seeded) reduces the vectors, HDBSCAN clusters them, and labels come
from c-TF-IDF phrases (BERTopic's ``ClassTfidfTransformer``, in ``labels``) re-ranked by the encoder. BERTopic
itself is not run: it only passed the vectors through and computed topic words that were thrown away.

* **Topical content only** (``cluster_label.topical_mask``): "Awful." is never clustered.
* **Entity-insensitive vectors** (``slots``): with an ``embed`` function, interchangeable slot fillers found in
  the fitted texts ("create a Platinum/Gold/Pro account") are masked and those texts re-encoded for the
  clustering (fit and ``assign``); keywords and labels are computed on the masked texts (a cluster mixing
  plans is not named after one), quotes keep the original text.
* **Parameters scale with the data.** UMAP neighbours grow with log(n); the HDBSCAN minimum cluster size
  is how often a thing is typically said in the data (``select.neighbour_size``: the median number of rows
  within cosine 0.65 of a row, 5-500), or with ``size_rule="dbcv"`` chosen from a grid by DBCV.
* **Outliers** close enough to a cluster centroid (cosine >= ``outlier_threshold``) are reassigned; the
  rest stay -1 and are reported. Clusters whose centroids are near-duplicates are merged.
* **Scale.** The model is fitted on a seeded sample (``sample_size``, default 50,000); every other row goes
  to its nearest centroid with ``Clustering.assign``, which also works chunk by chunk (a streaming pipeline
  fits on ``fit_rows(...)`` and assigns the rest in chunks: same result as the in-memory path).
* **Determinism.** Same input + seed = same clusters, across processes too (``stable_spectral_layout``:
  UMAP's spectral initialisation of small graph components was not). Clusters are numbered by size in the
  fit, then first row.
* **Themes.** Pain points whose centroids are close (average linkage, cosine >= ``theme_similarity``, cut
  to at most ``max_themes``) are rolled up into themes, so a long list reads as a few tens of groups.
* **Nothing computed twice** (``cluster_cache``): numba's compiled code is cached on disk; with ``cache_dir``
  a whole fit is stored and an identical re-fit (same texts, embeddings, parameters, ``cache_tag`` naming the
  ``embed`` model, code and library versions) is read back without importing UMAP or HDBSCAN.
  ``params["cache"]`` says "hit" or "miss".
"""
from __future__ import annotations

import logging
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from feedback2journey.painpoints.cache import ClusteringCache, clustering_key, enable_numba_cache
from feedback2journey.painpoints.knn import exact_cosine_knn, knn_method
from feedback2journey.painpoints.layout import SMALL_COMPONENT, stable_spectral_layout
from feedback2journey.painpoints.model import Clustering, nearest_centroid
from feedback2journey.painpoints.labels import (Cluster, cluster_terms, non_topical_words,  # noqa: F401
                                            prefetch, rank_phrases, representative_labels, topical_mask)
from feedback2journey.painpoints.select import dbcv, neighbour_size, pick_min_cluster_size, score_grid, size_grid
from feedback2journey.painpoints.select import hdbscan_model as make_hdbscan
from feedback2journey.painpoints.slots import MASK, SlotMasker, find_slots, masked_vectors

log = logging.getLogger(__name__)


def _centroids(embeddings: np.ndarray, labels: np.ndarray, ids: list[int]) -> np.ndarray:
    cents = np.stack([embeddings[labels == t].mean(axis=0) for t in ids]).astype(np.float32)
    return cents / np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)


# units that join this many segments (median) are counted on centered vectors (select.neighbour_size)
MULTI_SEGMENT_UNITS = 2


def _groups(cents: np.ndarray, similarity: float, at_most: int = 0) -> np.ndarray:
    """Average-linkage groups of centroids whose cosine similarity is >= ``similarity`` (cut further to
    ``at_most`` groups when given)."""
    if len(cents) < 2:
        return np.zeros(len(cents), dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    groups = AgglomerativeClustering(n_clusters=None, distance_threshold=1 - similarity, metric="cosine",
                                     linkage="average").fit_predict(cents)
    if at_most and len(set(groups.tolist())) > at_most:
        groups = AgglomerativeClustering(n_clusters=at_most, metric="cosine", linkage="average").fit_predict(cents)
    return groups


class PainPointClusterer:
    def __init__(self, min_cluster_size: int = 0, seed: int = 42, min_segments: int = 30,
                 outlier_threshold: float = 0.3, n_keywords: int = 8, sample_size: int = 50_000,
                 merge_threshold: float = 0.9, embed: Callable[[list[str]], np.ndarray] | None = None,
                 previous_params: dict | None = None, theme_similarity: float = 0.5, max_themes: int = 30,
                 cache_dir: str | Path | None = None, cache_tag: str | None = None, mask_slots: bool = True,
                 size_rule: str = "neighbours"):
        if size_rule not in ("neighbours", "dbcv"):
            raise ValueError(f"size_rule must be 'neighbours' or 'dbcv', not {size_rule!r}")
        self.min_cluster_size = min_cluster_size
        self.size_rule = size_rule  # how the minimum cluster size is found when not given (select.py)
        self.mask_slots = mask_slots  # with embed: cluster on vectors of texts with slot fillers masked (slots.py)
        self.seed = seed
        self.min_segments = min_segments
        self.outlier_threshold = outlier_threshold
        self.n_keywords = n_keywords
        self.sample_size = sample_size
        self.merge_threshold = merge_threshold
        self.theme_similarity = theme_similarity
        self.max_themes = max_themes  # a list a researcher reads: tens, not a hundred
        self.embed = embed  # optional: re-rank label phrases by similarity to the centroid
        # the previous run's chosen size, as a share of its rows: reused so granularity stays put as data grows
        self.previous_params = previous_params or {}
        # store fits in this folder and reuse them (None = off); cache_tag names the embed model
        self.cache_dir, self.cache_tag = cache_dir, cache_tag

    def params_for(self, n: int) -> dict:
        """Parameters for a fit on ``n`` rows. ``min_cluster_size`` None = found at fit time: from ``mcs_grid``
        by DBCV, or (``mcs_grid`` None) from the data's repetition (``neighbour_size``)."""
        nn = int(np.clip(round(1.5 * np.log2(max(n, 2))), 10, 30))
        return {"n_neighbors": nn, "n_components": 5, "umap_init": "spectral", "knn": knn_method(n), "min_cluster_size": self.min_cluster_size or None,
                "mcs_grid": self.mcs_grid(n), "seed": self.seed, "outlier_threshold": self.outlier_threshold,
                "merge_threshold": self.merge_threshold, "sample_size": self.sample_size,
                "theme_similarity": self.theme_similarity, "max_themes": self.max_themes}

    def mcs_grid(self, n: int) -> list[int] | None:
        if self.min_cluster_size:
            return [self.min_cluster_size]
        prev_mcs, prev_n = self.previous_params.get("min_cluster_size"), self.previous_params.get("fitted_on")
        if prev_mcs and prev_n:
            return [int(max(5, round(prev_mcs * n / prev_n)))]
        return size_grid(n) if self.size_rule == "dbcv" else None

    def fit_rows(self, topical: np.ndarray) -> np.ndarray:
        """Rows the model is fitted on: the topical ones, or a seeded sample of ``sample_size`` of them. A
        streaming caller passes the topical mask of all its rows and fits on these (then ``assign``s the rest)."""
        cand = np.flatnonzero(np.asarray(topical, dtype=bool))
        if len(cand) <= self.sample_size:
            return cand
        return np.sort(np.random.default_rng(self.seed).choice(cand, self.sample_size, replace=False))

    def fit(self, texts: list[str], embeddings: np.ndarray) -> Clustering:
        cache, key = self._cache(), None
        if cache is not None:
            key = clustering_key(texts, embeddings, self._key_params())
            hit = cache.get(key, len(texts))
            if hit is not None:
                hit.params["cache"] = "hit"
                hit.encode = self.embed
                if hit.params.get("slots"):  # not stored: encoded again (the embedding cache has them)
                    vecs, rows = masked_vectors(texts, embeddings, SlotMasker(hit.params["slots"]), self.embed)
                    hit.slot_vectors = (rows, vecs[rows])
                return hit
        result = self._fit(texts, embeddings)
        result.encode = self.embed
        if cache is not None:
            if "min_cluster_size" in result.params:  # a fit ran (not the trivial too-few-rows skip)
                cache.put(key, result)
            result.params["cache"] = "miss"
        return result

    def _cache(self) -> ClusteringCache | None:
        if self.cache_dir is None:
            return None
        if self.embed is not None and self._embed_tag() is None:
            log.warning("clustering cache off: labels are re-ranked with an embed function but no cache_tag names it")
            return None
        return ClusteringCache(self.cache_dir)

    def _embed_tag(self) -> str | None:
        if self.embed is None:
            return ""
        return self.cache_tag or getattr(getattr(self.embed, "__self__", None), "model_id", None)

    def _key_params(self) -> dict:
        """Everything besides texts and embeddings that a fit's result depends on."""
        return {"min_cluster_size": self.min_cluster_size, "seed": self.seed, "min_segments": self.min_segments,
                "outlier_threshold": self.outlier_threshold, "n_keywords": self.n_keywords,
                "sample_size": self.sample_size, "merge_threshold": self.merge_threshold,
                "theme_similarity": self.theme_similarity, "max_themes": self.max_themes,
                # of the previous run's params, fit reads only these two (see mcs_grid)
                "previous": [self.previous_params.get("min_cluster_size"), self.previous_params.get("fitted_on")],
                "embed": self._embed_tag(),
                "small_component": SMALL_COMPONENT, "mask_slots": self.mask_slots, "labels": "member-sentence",
                "size_rule": self.size_rule, "multi_segment_units": MULTI_SEGMENT_UNITS}

    def _fit(self, texts: list[str], embeddings: np.ndarray) -> Clustering:
        n = len(texts)
        embeddings = np.asarray(embeddings, dtype=np.float32)
        topical = topical_mask(texts)
        cand = np.flatnonzero(topical)
        base = {"rows": n, "non_topical": int(n - len(cand))}
        empty = np.full(n, -1, dtype=int)
        if len(cand) < self.min_segments:
            log.info("only %d topical segments to cluster (< %d): no pain points", len(cand), self.min_segments)
            return Clustering(empty, {}, {**base, "skipped": f"fewer than {self.min_segments} segments"})
        fit_rows = self.fit_rows(topical)
        p = {**base, **self.params_for(len(fit_rows)), "fitted_on": int(len(fit_rows)),
             # a unit's text is its clustered segments, one per line (painpoints.units): long items are means
             "segments_per_unit": float(np.median([texts[i].count("\n") + 1 for i in fit_rows]))}
        slot_vectors = ()
        if self.mask_slots and self.embed is not None:  # slot fillers found in the fitted texts, masked everywhere
            masker = find_slots([texts[i] for i in fit_rows])
            embeddings, masked = masked_vectors(texts, embeddings, masker, self.embed)
            p.update(slots=masker.surfaces, slot_rows=int(len(masked)))
            slot_vectors = (masked, embeddings[masked])
            # keywords and labels name the request, not one of the slot values a cluster mixes
            texts = [masker.mask(t).replace(MASK, " ") for t in texts] if len(masked) else texts
        try:
            labels, mcs, dbcv = self._fit_sample(embeddings[fit_rows], p)
        except (ValueError, TypeError) as exc:  # e.g. too few distinct documents for UMAP
            log.warning("clustering failed (%s): no pain points", exc)
            return Clustering(empty, {}, {**p, "skipped": str(exc)})
        p.update(min_cluster_size=mcs, dbcv=round(dbcv, 4))
        if not (labels >= 0).any():
            return Clustering(empty, {}, {**p, "clusters_found": 0})
        fit_emb = embeddings[fit_rows]
        labels = self._merge_similar(labels, fit_emb)
        ids = sorted(set(labels.tolist()) - {-1})
        cents = _centroids(fit_emb, labels, ids)
        # the sample's outliers go to the nearest centroid if close enough; clusters are then numbered by
        # their size in the sample, so a streaming caller (fit on the sample, assign the rest) gets the same
        best, _ = nearest_centroid(fit_emb[labels < 0], cents, self.outlier_threshold)
        labels[labels < 0] = np.where(best >= 0, np.asarray(ids)[np.maximum(best, 0)], -1)
        order = self._order(labels)
        cents = cents[[ids.index(t) for t in order]]
        remap = {t: i for i, t in enumerate(order)}
        result = Clustering(empty.copy(), {}, p, cents, self.outlier_threshold, slot_vectors=slot_vectors)
        result.assignments[fit_rows] = [remap.get(t, -1) for t in labels.tolist()]
        rest = np.setdiff1d(cand, fit_rows, assume_unique=True)
        result.assignments[rest] = result.assign(embeddings[rest])
        result.clusters = self._describe(texts, embeddings, result.assignments)
        result.themes = self._themes(texts, embeddings, result)
        p.update(clusters_found=len(result.clusters), themes=len(result.themes))
        return result

    # -- steps -----------------------------------------------------------------------------------------------
    def _fit_sample(self, emb: np.ndarray, p: dict) -> tuple[np.ndarray, int, float]:
        reduced = self._reduce(emb, p)
        # every HDBSCAN fit below builds the same spanning tree (cluster_select.hdbscan_model): build it once
        with tempfile.TemporaryDirectory(prefix="f2j-hdbscan-") as tree_cache:
            # minimum cluster size: how often a thing is said (default), or by DBCV over a grid (size_rule="dbcv",
            # near-ties resolved by a stable rule: a small change of the data does not jump granularity)
            if p["mcs_grid"] is None:  # how often a thing is typically said (select.neighbour_size)
                mcs = neighbour_size(emb, seed=self.seed, center=p["segments_per_unit"] >= MULTI_SEGMENT_UNITS)
            else:
                scores = score_grid(reduced, p["mcs_grid"], tree_cache)
                mcs = pick_min_cluster_size(p["mcs_grid"], scores)
                p["dbcv_grid"] = [round(x, 4) for x in scores]
            hdbscan_model = make_hdbscan(mcs, len(reduced), tree_cache)  # at most half the rows per cluster
            # HDBSCAN directly on the reduced vectors, clusters numbered by size then first row (as BERTopic,
            # which only passed these vectors through, numbered them: the merge step below sees the same order)
            raw = hdbscan_model.fit_predict(reduced)
            number = {t: i for i, t in enumerate(self._order(raw))}
            topics = [number.get(t, -1) for t in raw.tolist()]
            return np.asarray(topics, dtype=int), int(mcs), dbcv(hdbscan_model)

    def _reduce(self, emb: np.ndarray, p: dict) -> np.ndarray:
        try:
            enable_numba_cache()  # before umap/pynndescent compile anything in this process
        except Exception as exc:  # pragma: no cover - a cache must never break a fit
            log.debug("numba disk cache not enabled: %s", exc)
        import umap.umap_ as umap_mod
        from umap import UMAP

        # Identical vectors (the same sentence repeated: templates, "Where is my order?") are laid out once
        # and share that point: duplicates make UMAP's graph ill-conditioned (ARPACK then iterates for minutes)
        # and say nothing new about the layout. HDBSCAN still sees every row, so repeats still add density.
        _, first, inverse = np.unique(emb, axis=0, return_index=True, return_inverse=True)
        if len(first) < len(emb) and len(first) > p["n_neighbors"] + 1:
            order = np.argsort(first, kind="stable")  # distinct rows in their first-occurrence order
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            distinct = {**p, "knn": knn_method(len(first))}  # exact kNN may now pay off
            return self._reduce(emb[first[order]], distinct)[rank[inverse.reshape(-1)]]
        n = len(emb)
        nn = min(p["n_neighbors"], n - 1)
        knn = (None, None, None)
        if p.get("knn") == "exact":  # up to EXACT_KNN_MAX rows: no pynndescent (nor its per-process compile)
            indices, dists = exact_cosine_knn(emb, nn)
            knn = (indices, dists, None)  # no search index: transform is never called
        model = UMAP(n_neighbors=nn, n_components=p["n_components"], min_dist=0.0, metric="cosine",
                     random_state=self.seed, low_memory=True, init=p.get("umap_init", "spectral"), precomputed_knn=knn,
                     n_epochs=p.get("n_epochs"))
        # UMAP looks spectral_layout up in its module at call time: swap in the deterministic variant for
        # this call only (see stable_spectral_layout)
        original, umap_mod.spectral_layout = umap_mod.spectral_layout, stable_spectral_layout
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")
                return model.fit_transform(emb)
        finally:
            umap_mod.spectral_layout = original

    def _merge_similar(self, labels: np.ndarray, emb: np.ndarray) -> np.ndarray:
        ids = sorted(set(labels.tolist()) - {-1})
        if len(ids) < 2 or not self.merge_threshold:
            return labels
        mapping = {t: int(g) for t, g in zip(ids, _groups(_centroids(emb, labels, ids), self.merge_threshold))}
        return np.array([mapping.get(t, -1) for t in labels.tolist()], dtype=int)

    @staticmethod
    def _order(labels: np.ndarray) -> list[int]:
        """Cluster numbers by size (largest first), then first row: independent of HDBSCAN's numbering."""
        ids = sorted(set(labels.tolist()) - {-1})
        first = {t: int(np.argmax(labels == t)) for t in ids}
        size = {t: int((labels == t).sum()) for t in ids}
        return sorted(ids, key=lambda t: (-size[t], first[t]))

    def _describe(self, texts: list[str], embeddings: np.ndarray, assign: np.ndarray,
                  docs_per_cluster: int = 2000) -> dict[int, Cluster]:
        """Each cluster's keywords (c-TF-IDF phrases re-ranked by the encoder) and label (its most central and
        distinctive short segment, ``representative_labels``), first of its ``phrases``."""
        ids = sorted(set(assign.tolist()) - {-1})
        cents = _centroids(embeddings, assign, ids)
        terms = self._terms(texts, embeddings, assign, ids, cents, docs_per_cluster)
        names = representative_labels(texts, embeddings, assign, ids, cents, self.embed)
        clusters = {}
        embed = prefetch(self.embed, [[w for w, _ in kws] for kws in terms])
        for i, (t, c) in enumerate(zip(ids, cents)):
            kws = [w for w, _ in terms[i]]
            clusters[t] = Cluster(t, kws[: self.n_keywords], c, int((assign == t).sum()),
                                  [names[t], *rank_phrases(kws, c, embed)])
        return clusters

    def _terms(self, texts, embeddings, assign, ids, cents, docs_per_group: int):
        picked, owner = [], []
        for i, (t, c) in enumerate(zip(ids, cents)):
            rows = np.flatnonzero(assign == t)
            if len(rows) > docs_per_group:  # the most central members speak for a big group
                rows = rows[np.argsort(-(embeddings[rows] @ c), kind="stable")[:docs_per_group]]
            picked += [texts[j] for j in rows]
            owner += [i] * len(rows)
        return cluster_terms(picked, np.asarray(owner), len(ids), top_n=max(20, self.n_keywords))

    def _themes(self, texts: list[str], embeddings: np.ndarray, result: Clustering) -> dict[int, str]:
        """Roll clusters up into themes (average linkage on centroids) and name each theme by c-TF-IDF over
        its members. Sets ``Cluster.theme``; returns theme number -> label, numbered by size."""
        ids = sorted(result.clusters)
        if not ids:
            return {}
        groups = _groups(np.stack([result.clusters[t].centroid for t in ids]), self.theme_similarity, self.max_themes)
        theme_of = np.full(max(ids) + 1, -1)
        theme_of[ids] = groups
        per_row = np.where(result.assignments >= 0, theme_of[np.maximum(result.assignments, 0)], -1)
        order = self._order(per_row)
        renum = {g: i for i, g in enumerate(order)}
        per_row = np.array([renum.get(g, -1) for g in per_row.tolist()], dtype=int)
        for t, g in zip(ids, groups):
            result.clusters[t].theme = renum[int(g)]
        tids = list(range(len(order)))
        cents = _centroids(embeddings, per_row, tids)
        terms = self._terms(texts, embeddings, per_row, tids, cents, 2000)
        labels = {}
        members = [[t for t in ids if result.clusters[t].theme == i] for i in tids]
        embed = prefetch(self.embed, [[w for w, _ in terms[i]] for i in tids if len(members[i]) > 1])
        for i, c in enumerate(cents):
            if len(members[i]) == 1:  # a theme of one pain point is named like it
                labels[i] = result.clusters[members[i][0]].label
                continue
            kws = [w for w, _ in terms[i]]
            labels[i] = Cluster(i, kws, c, 0, rank_phrases(kws, c, embed, k=2)).label
        return labels
