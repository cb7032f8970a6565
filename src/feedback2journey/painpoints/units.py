"""What a pain point groups: items, each seen through its clustered segments (issue 22, "long items").

An item's pain point follows what the item is about. Clustering its segments one by one and giving the item
its most negative segment's cluster lost that: a two-sentence request ("I got my card last week. How do I
activate it?") was clustered as two fragments, the intent sets came out at half their real number of problems
(Banking77: 39 pain points for 77 intents, NMI 0.72 against 0.82 for the same clustering of whole texts). So the
unit clustered is the item: its text is its clustered segments joined (the negative ones by default, every one
with ``cluster_on="all"``) and its vector is the mean of their vectors, without encoding anything again. Segments
that carry no topic ("Awful.", ``topical_mask``) take no part in the mean unless the item has nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from feedback2journey.painpoints.labels import topical_mask


@dataclass(frozen=True)
class Units:
    """The items among some segment rows: ``of_row[j]`` is the unit of row j; units are numbered in the order
    their first row appears."""

    of_row: np.ndarray
    count: int

    @classmethod
    def of(cls, item_ids) -> "Units":
        codes, uniques = pd.factorize(np.asarray(item_ids, dtype=object))
        return cls(codes.astype(np.int64), len(uniques))

    def texts(self, row_texts) -> list[str]:
        """Each unit's text: its rows' texts in row order, one per line (a title without a full stop stays apart
        from the sentence after it), a row repeated in the item (a title copied into the body) once."""
        parts: list[dict[str, str]] = [{} for _ in range(self.count)]
        for u, t in zip(self.of_row.tolist(), row_texts):
            t = str(t)
            parts[u].setdefault(t.strip().lower(), t)
        return ["\n".join(p.values()) for p in parts]

    def vectors(self, row_vectors: np.ndarray, row_analysis) -> np.ndarray:
        """Each unit's vector: the normalised mean of its topical rows' vectors (of all its rows when none is
        topical). Row by row sums in float64: the same rows give the same vector whatever else is in the call."""
        x = np.asarray(row_vectors, dtype=np.float64)
        if self.count == 0:
            return np.zeros((0, x.shape[1] if x.ndim == 2 else 0), dtype=np.float32)
        codes, distinct = pd.factorize(np.asarray(list(row_analysis), dtype=object))
        topical = topical_mask(list(distinct))[codes].astype(np.float64)  # once per distinct text
        has_topic = np.zeros(self.count)
        np.add.at(has_topic, self.of_row, topical)
        weight = np.where(has_topic[self.of_row] > 0, topical, 1.0)
        out = np.zeros((self.count, x.shape[1]))
        np.add.at(out, self.of_row, x * weight[:, None])
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)
