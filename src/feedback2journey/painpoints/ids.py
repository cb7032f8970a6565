"""Ids that survive growth: give an old pain point its rows back when more data merged it into a neighbour.

Used by ``curate.assign_ids`` when it is given the clustered rows' embeddings.
"""
from __future__ import annotations

import numpy as np

from feedback2journey.painpoints.labels import Cluster


def split_absorbed(clustering, previous, emb: np.ndarray, need_by_id: dict[str, float],
                   loose: float = 0.6, min_rows: int = 3) -> dict:
    """Give an old pain point its rows back when the new run merged it into another one's cluster.

    HDBSCAN's cut moves as data grows: two themes that were separate clusters can come out as one. For each
    new cluster, the old ids that matched no cluster one-to-one but are close to it (cosine >= ``loose``)
    compete with the id it matched: every member goes to the nearest of those old centroids. A piece that
    then matches its old centroid at the normal threshold becomes its own cluster (a new cluster number,
    the parent's keywords); otherwise its rows stay. Modifies ``clustering``'s assignments and clusters in place
    and returns the reroutes: each accepted piece as topic -> (candidates, {old index: new topic}), which
    ``reroute`` applies to rows outside the fitted sample so they are split the same way."""
    from scipy.optimize import linear_sum_assignment

    topics = sorted(clustering.clusters, key=lambda t: (-clustering.clusters[t].size, t))
    reroutes: dict = {}
    if not topics or not len(previous.ids) or previous.centroids.shape[1] != emb.shape[1]:
        return reroutes
    sims = np.stack([clustering.clusters[t].centroid for t in topics]) @ previous.centroids.T
    need = np.array([need_by_id[i] for i in previous.ids])
    r, c = linear_sum_assignment(-sims)
    winner = {int(i): int(j) for i, j in zip(r, c) if sims[i, j] >= need[j]}
    matched = set(winner.values())
    free = [j for j in range(len(previous.ids)) if j not in matched and previous.ids[j] not in
            {previous.ids[m] for m in matched}]
    claims: dict[int, list[int]] = {}
    for j in free:
        i = int(np.argmax(sims[:, j]))
        if i in winner and sims[i, j] >= loose:
            claims.setdefault(i, []).append(j)
    next_topic = max(clustering.clusters) + 1
    for i, js in sorted(claims.items()):
        t = topics[i]
        rows = np.flatnonzero(clustering.assignments == t)
        cand = [winner[i]] + js
        nearest = np.asarray(cand)[np.argmax(emb[rows] @ previous.centroids[cand].T, axis=1)]
        parent = clustering.clusters[t]
        keep = np.ones(len(rows), dtype=bool)
        for j in js:
            piece = rows[nearest == j]
            if len(piece) < min_rows or keep.sum() - len(piece) < min_rows:
                continue
            cent = emb[piece].mean(axis=0)
            cent /= max(float(np.linalg.norm(cent)), 1e-12)
            if float(cent @ previous.centroids[j]) < need[j]:
                continue
            clustering.assignments[piece] = next_topic
            label = previous.labels[j] if j < len(previous.labels) else parent.label
            clustering.clusters[next_topic] = Cluster(next_topic, list(parent.keywords), cent.astype(np.float32),
                                                      int(len(piece)), [label[:1].lower() + label[1:]],
                                                      getattr(parent, "theme", -1))
            keep &= nearest != j
            reroutes.setdefault(t, (np.asarray(cand), {}))[1][j] = next_topic
            next_topic += 1
        rows = rows[keep]
        if len(rows) != parent.size:  # the parent keeps the rest: its size and centroid follow
            cent = emb[rows].mean(axis=0)
            parent.centroid = (cent / max(float(np.linalg.norm(cent)), 1e-12)).astype(np.float32)
            parent.size = int(len(rows))
    clustering.params["split_back"] = next_topic - max(topics) - 1
    return reroutes


def reroute(topics: np.ndarray, emb: np.ndarray, previous, reroutes: dict) -> np.ndarray:
    """Rows outside the fitted sample: the split that ``split_absorbed`` made in the sample, row by row
    (a row of a split cluster goes to the piece of its nearest old centroid, if that piece was split off)."""
    out = np.asarray(topics).copy()
    for t, (cand, pieces) in reroutes.items():
        rows = np.flatnonzero(out == t)
        if not len(rows):
            continue
        nearest = cand[np.argmax(emb[rows] @ previous.centroids[cand].T, axis=1)]
        for j, new_topic in pieces.items():
            out[rows[nearest == j]] = new_topic
    return out
