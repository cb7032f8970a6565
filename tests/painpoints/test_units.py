"""Items as the clustered unit: texts joined, vectors averaged over the topical segments."""
import numpy as np

from feedback2journey.painpoints.units import Units


def test_units_follow_items_in_first_appearance_order():
    u = Units.of(["b", "b", "a", "c", "c", "c"])
    assert u.count == 3
    assert u.of_row.tolist() == [0, 0, 1, 2, 2, 2]
    assert u.texts(["I got my card.", "How do I activate it?", "x", "1", "2", "3"]) == [
        "I got my card.\nHow do I activate it?", "x", "1\n2\n3"]
    # a title copied into the body is said once
    assert Units.of(["a", "a"]).texts(["Search is slow", "search is slow"]) == ["Search is slow"]


def test_a_unit_vector_is_the_mean_of_its_topical_segments():
    u = Units.of(["a", "a", "a", "b"])
    vecs = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]], dtype=np.float32)
    texts = ["The courier lost my parcel", "Refund never arrived", "Awful.", "So disappointed!!"]
    out = u.vectors(vecs, texts)
    # "Awful." carries no topic: item a is the mean of its first two segments only
    np.testing.assert_allclose(out[0], np.array([1, 1, 0]) / np.sqrt(2), atol=1e-6)
    # an item with nothing topical keeps the mean of what it has
    np.testing.assert_allclose(out[1], [0, 0, 1], atol=1e-6)
    # the same rows give the same vector whatever else is in the call
    np.testing.assert_array_equal(Units.of(["a", "a", "a"]).vectors(vecs[:3], texts[:3])[0], out[0])


def test_no_rows_no_units():
    u = Units.of([])
    assert u.count == 0 and u.texts([]) == []
    assert u.vectors(np.zeros((0, 4), dtype=np.float32), []).shape == (0, 4)
