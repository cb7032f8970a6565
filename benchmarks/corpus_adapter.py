"""Self-training on the run's own texts: the taxonomy's zero-shot guesses teach a head fitted on the corpus.

Zero-shot prototypes know the labels only from a few lines of description and examples; the corpus knows how
its own customers write. So: take the texts each label is most sure of (the top ``share`` of the texts it
wins, at least ``min_per_label``: small labels are never drowned by big ones), fit a class-balanced logistic
regression on their embeddings, and re-label every text with it, blended with the zero-shot probabilities
(``prior``). ``rounds`` repeats that with the new labels. Deterministic: same texts, same result.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CorpusAdapter:
    share: float = 0.2  # of the texts a label wins, the most confident share become its training examples
    rounds: int = 2
    prior: float = 0.5  # weight of the zero-shot probabilities in the result (0: the corpus head alone)
    min_per_label: int = 5  # a label with fewer winning texts takes no part in the head
    C: float = 1.0  # inverse regularisation of the head

    def fit(self, embeddings: np.ndarray, prob: np.ndarray):
        """The fitted head as (coef, intercept, classes) for ``transform``, or None when fewer than two labels
        have enough confident texts (then the zero-shot probabilities stand)."""
        from sklearn.linear_model import LogisticRegression

        x = np.asarray(embeddings, dtype=np.float32)
        p, head = np.asarray(prob, dtype=np.float64), None
        for _ in range(self.rounds):
            rows, labels = self._confident(p)
            if len(set(labels.tolist())) < 2:
                return head
            lr = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000)
            lr.fit(x[rows], labels)
            head = (lr.coef_.astype(np.float32), lr.intercept_.astype(np.float32), lr.classes_.astype(int))
            p = self.transform(x, prob, head)
        return head

    def transform(self, embeddings: np.ndarray, prob: np.ndarray, head) -> np.ndarray:
        """Probabilities (n x labels): the corpus head's, blended with the zero-shot ``prob``. Row by row, so
        any chunking of the rows gives the same result."""
        prob = np.asarray(prob, dtype=np.float64)
        if head is None:
            return prob
        coef, intercept, classes = head
        z = np.asarray(embeddings, dtype=np.float32) @ coef.T + intercept
        if z.shape[1] == 1:  # two classes: scikit-learn keeps one row of weights
            z = np.hstack([-z, z])
        z = np.exp(z - z.max(axis=1, keepdims=True))
        q = np.zeros_like(prob)
        q[:, classes] = z / z.sum(axis=1, keepdims=True)
        return (1 - self.prior) * q + self.prior * prob

    def fit_predict(self, embeddings: np.ndarray, prob: np.ndarray) -> np.ndarray:
        return self.transform(embeddings, prob, self.fit(embeddings, prob))

    def _confident(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        win, conf = p.argmax(axis=1), p.max(axis=1)
        rows, labels = [], []
        for j in range(p.shape[1]):
            own = np.flatnonzero(win == j)
            if len(own) < self.min_per_label:
                continue
            m = max(self.min_per_label, int(round(self.share * len(own))))
            top = own[np.argsort(-conf[own], kind="stable")[:m]]
            rows.append(top)
            labels.append(np.full(len(top), j))
        if not rows:
            return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
        return np.concatenate(rows), np.concatenate(labels)
