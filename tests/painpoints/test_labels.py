"""Pain point labels: a representative short segment of the cluster, trimmed to a sticky note."""
import numpy as np

from feedback2journey.painpoints.labels import representative_labels, sticky_note


def test_a_sticky_note_drops_greetings_and_closing_punctuation_but_keeps_the_problem():
    assert sticky_note("Hi, my card has not arrived yet!!") == "My card has not arrived yet"
    assert sticky_note("hello please cancel my order.") == "Cancel my order"
    assert sticky_note("No refund after three weeks.") == "No refund after three weeks"  # "No" is the problem
    assert sticky_note("Where is my parcel?") == "Where is my parcel?"
    assert sticky_note("  okay, the app crashes at checkout  ") == "The app crashes at checkout"
    assert sticky_note("Box smashed, item cracked [url]") == "Box smashed, item cracked"
    assert sticky_note("Parcel never came, see htt...") == "Parcel never came, see"


def test_a_long_segment_is_cut_to_twelve_words_at_a_clause_boundary():
    long = ("The app crashes every time I open the checkout page, and I have tried reinstalling it twice "
            "with no luck at all")
    note = sticky_note(long)
    assert note == "The app crashes every time I open the checkout page"
    assert len(note.split()) <= 12


def _unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_the_label_is_the_central_and_distinctive_short_member():
    # cluster 0 (x axis): a central long text, a central short one, and a short one leaning towards cluster 1
    texts = ["my card has not arrived and I have been waiting for more than two weeks now with nothing at all",
             "card has not arrived", "card or pin not arrived", "app crashes", "the app crashes on login"]
    emb = np.stack([_unit([1, 0, 0]), _unit([1, 0.05, 0]), _unit([1, 0.6, 0]), _unit([0, 1, 0]),
                    _unit([0.1, 1, 0])])
    assign = np.array([0, 0, 0, 1, 1])
    cents = np.stack([_unit([1, 0.2, 0]), _unit([0.05, 1, 0])])
    labels = representative_labels(texts, emb, assign, [0, 1], cents)
    assert labels[0] == "Card has not arrived"  # not the long one (over 12 words), not the one near cluster 1
    assert labels[1] in {"App crashes", "The app crashes on login"}
    assert set(labels) == {0, 1}


def test_a_cluster_of_long_narratives_is_named_by_its_best_sentence():
    texts = ["I have been a loyal customer for ten years and never had trouble before this month. "
             "My card has not arrived after three weeks of waiting. I called twice and nobody could help me.",
             "We moved house last spring and updated the address online as the website asked us to do. "
             "The new card never arrived at the new address. Nobody answers the phone."]
    emb = np.stack([_unit([1, 0.1, 0]), _unit([1, 0, 0.1])])
    vec = {"card": _unit([1, 0, 0]), "other": _unit([0.2, 1, 0])}

    def embed(sentences):
        return np.stack([vec["card"] if "card" in s.lower() else vec["other"] for s in sentences])
    labels = representative_labels(texts, emb, np.array([0, 0]), [0], np.stack([_unit([1, 0, 0])]), embed)
    assert labels[0] in {"My card has not arrived after three weeks of waiting", "The new card never arrived at the new address"}
    # without an encoder: the best member, trimmed to a note
    assert len(representative_labels(texts, emb, np.array([0, 0]), [0], np.stack([_unit([1, 0, 0])]))[0].split()) <= 12


def test_a_joined_item_is_named_by_one_of_its_lines_never_by_masked_data():
    # units are an item's clustered segments, one per line: "Cant login" + "The app crashes at checkout"
    texts = ["Cant login\nThe app crashes at checkout", "Box smashed htt...\nbox smashed, item cracked [url]"]
    emb = np.stack([_unit([1, 0, 0]), _unit([0, 1, 0])])
    vec = {"crash": _unit([1, 0, 0]), "login": _unit([0.6, 0.8, 0]), "box": _unit([0, 1, 0])}

    def embed(sentences):
        return np.stack([vec["crash"] if "crash" in s else vec["login"] if "login" in s else vec["box"]
                         for s in sentences])
    cents = np.stack([_unit([1, 0, 0]), _unit([0, 1, 0])])
    labels = representative_labels(texts, emb, np.array([0, 1]), [0, 1], cents, embed)
    assert labels[0] == "The app crashes at checkout"
    assert labels[1] in {"Box smashed", "Box smashed, item cracked"}  # no "[url]", no cut-off "htt..."
