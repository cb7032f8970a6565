"""Cluster segments into recurring pain points: BERTopic over precomputed sentence embeddings.

Sub-models are explicit (UMAP, HDBSCAN, CountVectorizer, c-TF-IDF) and seeded, and no embedding model
name is ever given to BERTopic, so nothing is fetched from a hub.

* **Topical content only.** Segments with no topical word ("Awful.", "So disappointed!!") are left out of
  the fit and never assigned: otherwise they form clusters around an emotion instead of a problem.
* **Parameters scale with the data.** UMAP neighbours grow with log(n); the HDBSCAN minimum cluster size
  is chosen from a grid (0.4%-1.2% of the rows, at least 10, at most 500) by density-based cluster validity (DBCV), so 15 real themes give
  ~15-30 clusters, not 170 fragments.
* **Outliers** close enough to a cluster centroid (cosine >= ``outlier_threshold``) are reassigned; the
  rest stay -1 and are reported. Clusters whose centroids are near-duplicates are merged.
* **Scale.** The model is fitted on a seeded sample (``sample_size``, default 50,000) and every other row
  goes to its nearest centroid (same threshold), so 500k segments cost one 50k fit plus a matrix product.
* **Determinism.** Same input + seed = same clusters; cluster numbers are ordered by size, then first row.
* **Labels.** Candidate 1-3-word phrases from c-TF-IDF over a vocabulary without stop words, sentiment
  words or filler, re-ranked by similarity to the centroid (KeyBERT-style, when an ``embed`` function is
  given) and diversified with MMR.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

log = logging.getLogger(__name__)

# Words that carry feeling or filler, not a topic. Together with VADER's lexicon they never make a label
# and a segment made only of them is not clustered.
_FILLER = set("""
really very so just still even ever also quite pretty totally absolutely completely literally honestly
seriously again already yet thing things stuff lot lots bit way time times day days experience service
company customer customers people guys team one get got getting go going went make made do did does done
would could should will can cant can't wont won't dont don't didnt didn't doesnt doesn't isnt isn't wasnt
wasn't im i'm ive i've youre you're thats that's theres there's please thanks thank hi hello dear regards
never always nothing anything everything something someone anyone everyone all any much many more most
want wanted need needed know knew think thought say said tell told like feel felt look looks seem seems
absolutely worst best ok okay yes no oh wow well bad good great terrible horrible awful poor
hasn't haven't hadn't aren't weren't couldn't wouldn't shouldn't mustn't needn't i'd i'll it's what's
where's who's let's we're we've they're they've she's he's you've you'll you'd it'll there'll
""".split())
_TOKEN = re.compile(r"[a-z][a-z']+")
# Valenced in VADER but they name the problem itself: they stay topical and may label a cluster.
_PROBLEM_WORDS = set("""
problem problems issue issues broken broke damaged damage lost stolen fraud scam charged overcharged charge
charges delay delayed delays late crash crashed crashes crashing error errors fail failed fails failing
failure rude refund refunds cancel cancelled canceled cancellation wrong missing declined decline blocked
block locked stuck dirty cold expensive unpaid fee fees leak leaking smashed crushed bug bugs freeze frozen
freezes slow lag dispute disputed rejected reject denied deny overdue hidden spam loss cheated crack cracked
support beneficiary care free security secure warranty reward rewards bonus gift promotion discount savings
credit insurance top
""".split())
# sklearn's English stop words include some words that name topics in feedback (top-up, bill, call...).
_NOT_STOP = {"top", "bill", "call", "fire", "system", "detail", "interest", "amount", "empty", "full", "front",
             "back", "move", "name", "part", "show", "side", "fill", "bottom", "find", "found"}


@lru_cache(maxsize=1)
def _sentiment_words() -> frozenset[str]:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        lex = SentimentIntensityAnalyzer().lexicon
        return frozenset(w for w, v in lex.items() if abs(v) >= 0.8 and w.isalpha() and w not in _PROBLEM_WORDS)
    except Exception:  # pragma: no cover - vaderSentiment is a dependency
        return frozenset()


@lru_cache(maxsize=1)
def non_topical_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return (frozenset(ENGLISH_STOP_WORDS) | frozenset(_FILLER) | _sentiment_words()) - _NOT_STOP - _PROBLEM_WORDS


def topical_mask(texts: list[str]) -> np.ndarray:
    """True where a text has at least one word that is not a stop word, filler or sentiment word."""
    stop = non_topical_words()
    return np.array([any(len(w) > 2 and w not in stop for w in _TOKEN.findall(t.lower())) for t in texts], dtype=bool)


@dataclass
class Cluster:
    topic: int
    keywords: list[str]
    centroid: np.ndarray
    size: int = 0
    phrases: list[str] = field(default_factory=list)  # label candidates, best first

    @property
    def label(self) -> str:
        """A short readable name: the best key phrase, then up to two more that add new words."""
        picked, covered = [], set()
        for kw in self.phrases or self.keywords:
            words = set(kw.split())
            if words <= covered:
                continue
            picked.append(kw)
            covered |= words
            if len(picked) == 3:
                break
        if not picked:
            return f"cluster {self.topic}"
        first = picked[0][:1].upper() + picked[0][1:]
        return first + (f" ({', '.join(picked[1:])})" if len(picked) > 1 else "")


@dataclass
class Clustering:
    """``assignments[i]`` is the cluster of input row i, or -1 (unassigned)."""

    assignments: np.ndarray
    clusters: dict[int, Cluster] = field(default_factory=dict)
    params: dict = field(default_factory=dict)

    @property
    def unassigned(self) -> int:
        return int((self.assignments < 0).sum())


def nearest_centroid(embeddings: np.ndarray, centroids: np.ndarray, threshold: float,
                     chunk: int = 65536) -> tuple[np.ndarray, np.ndarray]:
    """Index of each row's most similar centroid (-1 below ``threshold``) and that similarity."""
    best = np.full(len(embeddings), -1, dtype=int)
    sim = np.zeros(len(embeddings), dtype=np.float32)
    if len(centroids) == 0:
        return best, sim
    for lo in range(0, len(embeddings), chunk):
        s = embeddings[lo: lo + chunk] @ centroids.T
        b = s.argmax(axis=1)
        v = s[np.arange(len(b)), b]
        best[lo: lo + chunk] = np.where(v >= threshold, b, -1)
        sim[lo: lo + chunk] = v
    return best, sim


def _centroids(embeddings: np.ndarray, labels: np.ndarray, ids: list[int]) -> np.ndarray:
    cents = np.stack([embeddings[labels == t].mean(axis=0) for t in ids]).astype(np.float32)
    return cents / np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)


class PainPointClusterer:
    def __init__(self, min_cluster_size: int = 0, seed: int = 42, min_segments: int = 30,
                 outlier_threshold: float = 0.45, n_keywords: int = 8, sample_size: int = 50_000,
                 merge_threshold: float = 0.9, embed: Callable[[list[str]], np.ndarray] | None = None,
                 previous_params: dict | None = None):
        self.min_cluster_size = min_cluster_size
        self.seed = seed
        self.min_segments = min_segments
        self.outlier_threshold = outlier_threshold
        self.n_keywords = n_keywords
        self.sample_size = sample_size
        self.merge_threshold = merge_threshold
        self.embed = embed  # optional: re-rank label phrases by similarity to the centroid
        # the previous run's chosen size, as a share of its rows: reused so granularity stays put as data grows
        self.previous_params = previous_params or {}

    def params_for(self, n: int) -> dict:
        """Parameters for a fit on ``n`` rows. ``min_cluster_size`` 0 = chosen from ``mcs_grid`` at fit time."""
        nn = int(np.clip(round(1.5 * np.log2(max(n, 2))), 10, 30))
        return {"n_neighbors": nn, "n_components": 5, "min_cluster_size": self.min_cluster_size or None,
                "mcs_grid": self.mcs_grid(n), "seed": self.seed, "outlier_threshold": self.outlier_threshold,
                "merge_threshold": self.merge_threshold, "sample_size": self.sample_size}

    def mcs_grid(self, n: int) -> list[int]:
        if self.min_cluster_size:
            return [self.min_cluster_size]
        prev_mcs, prev_n = self.previous_params.get("min_cluster_size"), self.previous_params.get("fitted_on")
        if prev_mcs and prev_n:
            return [int(max(10, round(prev_mcs * n / prev_n)))]
        lo, hi = max(10.0, n * 0.004), max(10.0, min(500.0, n * 0.012))
        return sorted({int(round(x)) for x in np.geomspace(lo, max(lo, hi), 5)})

    def fit(self, texts: list[str], embeddings: np.ndarray) -> Clustering:
        n = len(texts)
        embeddings = np.asarray(embeddings, dtype=np.float32)
        topical = topical_mask(texts)
        cand = np.flatnonzero(topical)
        base = {"rows": n, "non_topical": int(n - len(cand))}
        if len(cand) < self.min_segments:
            log.info("only %d topical segments to cluster (< %d): no pain points", len(cand), self.min_segments)
            return Clustering(np.full(n, -1, dtype=int), {},
                              {**base, "skipped": f"fewer than {self.min_segments} segments"})
        rng = np.random.default_rng(self.seed)
        fit_rows = cand if len(cand) <= self.sample_size else np.sort(rng.choice(cand, self.sample_size, replace=False))
        p = {**base, **self.params_for(len(fit_rows)), "fitted_on": int(len(fit_rows))}
        try:
            labels, mcs, sil = self._fit_sample([texts[i] for i in fit_rows], embeddings[fit_rows], p)
        except (ValueError, TypeError) as exc:  # e.g. too few distinct documents for UMAP
            log.warning("clustering failed (%s): no pain points", exc)
            return Clustering(np.full(n, -1, dtype=int), {}, {**p, "skipped": str(exc)})
        p.update(min_cluster_size=mcs, dbcv=round(sil, 4))
        assign = np.full(n, -1, dtype=int)
        ids = sorted(set(labels.tolist()) - {-1})
        if not ids:
            return Clustering(assign, {}, {**p, "clusters_found": 0})
        fit_emb = embeddings[fit_rows]
        labels = self._merge_similar(labels, fit_emb)
        ids = sorted(set(labels.tolist()) - {-1})
        cents = _centroids(fit_emb, labels, ids)
        # outliers of the sample and every row outside it: nearest centroid if close enough
        assign[fit_rows] = labels
        rest = cand[assign[cand] < 0]
        best, _ = nearest_centroid(embeddings[rest], cents, self.outlier_threshold)
        assign[rest] = np.where(best >= 0, np.asarray(ids)[np.maximum(best, 0)], -1)
        assign = self._renumber(assign)
        clusters = self._describe(texts, embeddings, assign)
        p["clusters_found"] = len(clusters)
        return Clustering(assign, clusters, p)

    # -- steps -----------------------------------------------------------------------------------------------
    def _fit_sample(self, texts: list[str], emb: np.ndarray, p: dict) -> tuple[np.ndarray, int, float]:
        from bertopic import BERTopic
        from bertopic.dimensionality import BaseDimensionalityReduction
        from hdbscan import HDBSCAN
        from umap import UMAP

        n = len(texts)
        umap_model = UMAP(n_neighbors=min(p["n_neighbors"], n - 1), n_components=p["n_components"], min_dist=0.0,
                          metric="cosine", random_state=self.seed, low_memory=True)
        reduced = umap_model.fit_transform(emb)
        # Pick the minimum cluster size by density-based cluster validity (DBCV, HDBSCAN's relative_validity_):
        # unlike silhouette it does not reward shattering a theme into many tight fragments.
        best = (-2.0, p["mcs_grid"][0], None)
        for mcs in p["mcs_grid"]:
            if mcs >= n:
                continue
            h = HDBSCAN(min_cluster_size=mcs, min_samples=int(np.clip(mcs // 3, 3, 10)), metric="euclidean",
                        cluster_selection_method="eom", gen_min_span_tree=True).fit(reduced)
            k = len(set(h.labels_.tolist()) - {-1})
            score = float(h.relative_validity_) if k >= 2 else -1.0
            if score > best[0]:
                best = (score, mcs, h.labels_)
        score, mcs, _ = best
        hdbscan_model = HDBSCAN(min_cluster_size=mcs, min_samples=int(np.clip(mcs // 3, 3, 10)),
                                metric="euclidean", cluster_selection_method="eom")
        # BERTopic runs the chosen HDBSCAN on the already-reduced vectors (reduction done once, above).
        model = BERTopic(embedding_model=None, umap_model=BaseDimensionalityReduction(), hdbscan_model=hdbscan_model,
                         vectorizer_model=_vectorizer(min_df=1), calculate_probabilities=False, verbose=False)
        logging.getLogger("BERTopic").setLevel(logging.ERROR)  # set after init, which resets it
        try:
            topics, _ = model.fit_transform(texts, embeddings=reduced)
        except ValueError:  # vocabulary too small for c-TF-IDF: fall back to the clustering alone
            topics = hdbscan_model.fit_predict(reduced)
        return np.asarray(topics, dtype=int), int(mcs), float(score)

    def _merge_similar(self, labels: np.ndarray, emb: np.ndarray) -> np.ndarray:
        ids = sorted(set(labels.tolist()) - {-1})
        if len(ids) < 2 or not self.merge_threshold:
            return labels
        from sklearn.cluster import AgglomerativeClustering

        cents = _centroids(emb, labels, ids)
        groups = AgglomerativeClustering(n_clusters=None, distance_threshold=1 - self.merge_threshold,
                                         metric="cosine", linkage="average").fit_predict(cents)
        mapping = {t: int(g) for t, g in zip(ids, groups)}
        return np.array([mapping.get(t, -1) for t in labels.tolist()], dtype=int)

    @staticmethod
    def _renumber(assign: np.ndarray) -> np.ndarray:
        ids = [t for t in set(assign.tolist()) if t >= 0]
        first = {t: int(np.argmax(assign == t)) for t in ids}
        size = {t: int((assign == t).sum()) for t in ids}
        order = sorted(ids, key=lambda t: (-size[t], first[t]))
        mapping = {t: i for i, t in enumerate(order)}
        return np.array([mapping.get(t, -1) for t in assign.tolist()], dtype=int)

    def _describe(self, texts: list[str], embeddings: np.ndarray, assign: np.ndarray,
                  docs_per_cluster: int = 2000) -> dict[int, Cluster]:
        ids = sorted(set(assign.tolist()) - {-1})
        cents = _centroids(embeddings, assign, ids)
        picked, owner = [], []
        for i, (t, c) in enumerate(zip(ids, cents)):
            rows = np.flatnonzero(assign == t)
            if len(rows) > docs_per_cluster:  # the most central members speak for a big cluster
                rows = rows[np.argsort(-(embeddings[rows] @ c), kind="stable")[:docs_per_cluster]]
            picked += [texts[j] for j in rows]
            owner += [i] * len(rows)
        terms = cluster_terms(picked, np.asarray(owner), len(ids), top_n=max(20, self.n_keywords))
        clusters = {}
        for i, (t, c) in enumerate(zip(ids, cents)):
            kws = [w for w, _ in terms[i]]
            phrases = self._rank_phrases(kws, c)
            clusters[t] = Cluster(t, kws[: self.n_keywords], c, int((assign == t).sum()), phrases)
        return clusters

    def _rank_phrases(self, candidates: list[str], centroid: np.ndarray, k: int = 5, diversity: float = 0.5) -> list[str]:
        """KeyBERT-style: phrases most similar to the centroid, diversified by MMR. Without ``embed``: c-TF-IDF order."""
        if not candidates or self.embed is None:
            return candidates[:k]
        vecs = np.asarray(self.embed(candidates), dtype=np.float32)
        rel = vecs @ centroid
        # small preference for c-TF-IDF rank and for multi-word phrases (more readable)
        rel = rel + 0.02 * np.array([len(c.split()) > 1 for c in candidates]) - 0.002 * np.arange(len(candidates))
        chosen = [int(np.argmax(rel))]
        while len(chosen) < min(k, len(candidates)):
            rest = [j for j in range(len(candidates)) if j not in chosen]
            red = np.max(vecs[rest] @ vecs[chosen].T, axis=1)
            mmr = (1 - diversity) * rel[rest] - diversity * red
            chosen.append(rest[int(np.argmax(mmr))])
        return [candidates[j] for j in chosen]


def _vectorizer(min_df: int = 1):
    from sklearn.feature_extraction.text import CountVectorizer

    # c-TF-IDF sees one document per cluster: min_df must stay 1 or words unique to a cluster vanish.
    return CountVectorizer(stop_words=sorted(non_topical_words()), ngram_range=(1, 3), min_df=min_df,
                           token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z']+\b")


def cluster_terms(texts: list[str], owner: np.ndarray, k: int, top_n: int = 20) -> list[list[tuple[str, float]]]:
    """c-TF-IDF (BERTopic's ClassTfidfTransformer): texts are counted one by one (no n-gram spans two
    segments), summed per cluster (``owner[i]`` = cluster of text i), and each cluster's top terms returned."""
    from bertopic.vectorizers import ClassTfidfTransformer
    from scipy import sparse

    try:
        counts = _vectorizer().fit(texts)
    except ValueError:  # nothing but stop words
        return [[] for _ in range(k)]
    per_text = counts.transform(texts)
    indicator = sparse.csr_matrix((np.ones(len(owner)), (owner, np.arange(len(owner)))), shape=(k, len(owner)))
    x = (indicator @ per_text).tocsr()
    ctfidf = ClassTfidfTransformer(reduce_frequent_words=True).fit_transform(x).tocsr()
    vocab = counts.get_feature_names_out()
    ok_term = np.array([len(set(v.split())) == len(v.split()) for v in vocab])  # no "refund refund"
    out = []
    for i in range(k):
        row = ctfidf.getrow(i).toarray().ravel()
        freq = x.getrow(i).toarray().ravel()
        # a phrase must occur at least twice in the cluster to name it (unless the cluster is tiny)
        row = np.where(freq >= 2, row, row * 0.1) * ok_term
        top = np.argsort(-row, kind="stable")[:top_n]
        out.append([(str(vocab[j]), float(row[j])) for j in top if row[j] > 0])
    return out
