"""Pain point vocabulary and labels: which words are topical, c-TF-IDF key phrases, KeyBERT-style re-ranking.

* A segment with no word outside stop words, filler and VADER's sentiment lexicon ("Awful.", "So
  disappointed!!") is not topical: it is never clustered (it would form a cluster around an emotion).
* A pain point's **label** is one of its own short segments, the one a researcher would copy onto a sticky
  note: the member closest to its centroid and furthest from the other centroids, among members of 2-12 words,
  trimmed of greetings and closing punctuation ("Card has not arrived yet"). No keyword list in brackets.
* Its **keywords** are 1-3-word phrases from c-TF-IDF (BERTopic's ``ClassTfidfTransformer``) over the topical
  vocabulary, re-ranked by similarity to the centroid and diversified with MMR; a theme is named by its best
  phrase. No LLM.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

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
    theme: int = -1  # the theme (roll-up of close clusters) it belongs to; see Clustering.themes

    @property
    def label(self) -> str:
        """A short readable name: the first label candidate (a representative segment, or the best key phrase),
        capitalised. One phrase: the keywords have their own column."""
        for name in (*self.phrases, *self.keywords):
            if name.strip():
                return name.strip()[:1].upper() + name.strip()[1:]
        return f"cluster {self.topic}"


# a greeting or "please" leads nothing a label needs; "ok", "so", "no"... only when set off by a comma ("No
# refund yet" keeps its "No")
_LEAD = re.compile(r"^(?:(?:(?:hi|hello|hey|dear \w+|good (?:morning|afternoon|evening)|please|excuse me)\b"
                   r"|(?:ok|okay|so|well|um+|uh+|yes|no)\s*[,.!:;-])[\s,.!:;-]*)+", re.I)
_WORDS = re.compile(r"\S+")


def sticky_note(text: str, max_words: int = 12) -> str:
    """A segment trimmed to a label: no leading greeting or filler, no masked data or cut-off last word, no
    closing full stop or exclamation marks, at most ``max_words`` words (cut at a clause boundary when there is
    one), first letter capitalised."""
    t = " ".join(text.split())
    t = re.sub(r"\s*\[\w+\]", "", t)  # masked data ("[url]", "[email]") says nothing on a sticky note
    t = re.sub(r"\s*\S*(?:\.\.\.|…)$", "", t)  # nor does a word cut off by an export ("htt...")
    t = _LEAD.sub("", t).strip(" \"'`,;:-")
    words = _WORDS.findall(t)
    if len(words) > max_words:
        head = " ".join(words[:max_words])
        cut = max(head.rfind(","), head.rfind(";"), head.rfind(" - "))
        t = head[:cut] if cut > len(head) // 3 else head
    t = t.rstrip(" .!,;:-")
    return t[:1].upper() + t[1:] if t else text.strip()


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_PLACEHOLDER = re.compile(r"\[\w+\]|\.\.\.|…")  # masked data ("[url]") or a cut-off ("htt...") makes a poor label


def _sentences(text: str, max_words: int) -> list[str]:
    """The text's lines and sentences of 2..``max_words`` words."""
    out = (m.group().strip() for m in _SENTENCE.finditer(text))
    return [x for x in out if 2 <= len(_WORDS.findall(x)) <= max_words]


def representative_labels(texts: list[str], embeddings: np.ndarray, assign: np.ndarray, ids: list[int],
                          centroids: np.ndarray, embed: Callable[[list[str]], np.ndarray] | None = None,
                          max_words: int = 12, distinct: float = 1.0, members: int = 5) -> dict[int, str]:
    """Each cluster's label, as a ``sticky_note``: one sentence of its most typical members.

    Members are scored by ``cos(centroid) - distinct * max cos(other centroids)``: typical of the cluster, not of
    its neighbours. The best member that is one sentence of 2..``max_words`` words is the label. When there is
    none (items of several segments, long narratives) the sentences and lines of the ``members`` best members that carry a topic
    (never "Very frustrating.") are scored the same way (needs ``embed``; without it the best member is
    trimmed). A candidate with masked data or a cut-off ("[url]", "...") scores 0.1 lower."""
    emb = np.asarray(embeddings, dtype=np.float32)
    cents = np.asarray(centroids, dtype=np.float32)
    out, pending = {}, {}
    for i, t in enumerate(ids):
        rows = np.flatnonzero(assign == t)
        if not len(rows):
            continue
        score = _score(emb[rows], cents, i, distinct)
        single = np.array([_sentences(texts[j], max_words) == [texts[j].strip()] and not _PLACEHOLDER.search(texts[j])
                           for j in rows])
        if single.any():  # a member that is one short sentence: the best of those
            out[t] = sticky_note(texts[rows[int(np.argmax(np.where(single, score, -np.inf)))]], max_words)
            continue
        top = rows[np.argsort(-score, kind="stable")[:members]]
        best = texts[top[0]]
        cand = list(dict.fromkeys(x for j in top for x in _sentences(texts[j], max_words)))
        cand = [x for x, ok in zip(cand, topical_mask(cand) if cand else []) if ok]
        if not cand or embed is None:
            out[t] = sticky_note(best, max_words)
            continue
        pending[t] = (i, cand)
    if pending:
        table = prefetch(embed, [c for _, c in pending.values()])
        for t, (i, cand) in pending.items():
            penalty = np.array([0.1 if _PLACEHOLDER.search(x) else 0.0 for x in cand])
            out[t] = sticky_note(cand[int(np.argmax(_score(table(cand), cents, i, distinct) - penalty))], max_words)
    return out


def _score(vectors: np.ndarray, cents: np.ndarray, own: int, distinct: float) -> np.ndarray:
    sims = np.asarray(vectors, dtype=np.float32) @ cents.T
    other = np.delete(sims, own, axis=1).max(axis=1) if cents.shape[0] > 1 else np.zeros(len(sims))
    return sims[:, own] - distinct * other


def prefetch(embed: Callable[[list[str]], np.ndarray] | None, lists: list[list[str]]):
    """``embed`` answered from one call over every list's phrases: the encoder runs fixed-shape batches
    (fixed_batches.py), so ~50 small calls, one per cluster, would each fill whole batches with copies. With
    torch and static the vectors are the same either way (a vector does not depend on its batch-mates); int8
    ONNX vectors depend on their batch-mates, so there one call gives other vectors than 50 would."""
    phrases = list(dict.fromkeys(p for kws in lists for p in kws))
    if embed is None or not phrases:
        return embed
    table = dict(zip(phrases, np.asarray(embed(phrases), dtype=np.float32)))
    return lambda texts: np.stack([table[t] for t in texts])


def rank_phrases(candidates: list[str], centroid: np.ndarray, embed: Callable[[list[str]], np.ndarray] | None,
                 k: int = 5, diversity: float = 0.5) -> list[str]:
    """KeyBERT-style: phrases most similar to the centroid, diversified by MMR. Without ``embed``: c-TF-IDF order."""
    if not candidates or embed is None:
        return candidates[:k]
    vecs = np.asarray(embed(candidates), dtype=np.float32)
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
