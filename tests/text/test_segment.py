import pandas as pd
import pytest

from feedback2journey.text.segment import Segmenter


def run(texts, **kw):
    items = pd.DataFrame({"item_id": [f"i{k}" for k in range(len(texts))], "text": texts})
    return Segmenter(**kw).segment(items), items


@pytest.mark.parametrize("method", ["senter", "sentencizer"])
def test_contrast_gives_two_segments(method):
    seg, _ = run(["The app is great but checkout keeps failing."], method=method)
    assert seg["text"].tolist() == ["The app is great", "but checkout keeps failing."]


def test_offsets_point_into_the_cleaned_text():
    texts = ["Delivery was fast, however the box was crushed. Sad really.\nWould not buy again",
             "ordr never arived cant login either"]
    seg, items = run(texts)
    by_id = dict(zip(items["item_id"], items["text"]))
    for row in seg.itertuples():
        assert by_id[row.item_id][row.start:row.end] == row.text
    assert seg.groupby("item_id")["segment_index"].apply(list).to_dict()["i0"] == [0, 1, 2, 3]


def test_no_split_inside_short_or_idiomatic_clauses():
    seg, _ = run(["My parcel has not yet arrived", "I got nothing but trouble", "It was fine, though."])
    assert seg["text"].tolist() == ["My parcel has not yet arrived", "I got nothing but trouble", "It was fine, though."]


def test_sentences_and_lines_split_and_empty_bits_dropped():
    seg, _ = run(["Subject line\nI waited 3 weeks! Thanks in advance ...", "😡😡 ..."])
    assert seg["text"].tolist() == ["Subject line", "I waited 3 weeks!", "Thanks in advance ...", "😡😡 ..."]


def test_contrast_split_can_be_disabled():
    seg, _ = run(["The app is great but checkout keeps failing."], split_contrast=False)
    assert len(seg) == 1


def test_masked_placeholders_are_never_split():
    seg, _ = run(["@LarkspurHelp ordr never arived [url]", "Mail me at [email] please, thanks",
                  "call [phone] now [url] ok", "Refund came. [url] Great service!"])
    texts = seg["text"].tolist()
    assert "@LarkspurHelp ordr never arived [url]" in texts and "Mail me at [email] please, thanks" in texts
    assert "call [phone] now [url] ok" in texts
    assert not any(t.startswith(("url]", "email]", "phone]")) or t.endswith("[") for t in texts)


EDGE_TEXTS = ["", "ok", "Hi", "Thanks!", "...", "?!", "  spaced  out  ", "Two.  Spaces.", "a\n\nb", "\nleading",
              "Great app.\nGreat app.", "Refund came. [url] Great service!", "call [phone] now", "😡😡 ...",
              "Wait... what?! It broke. Again", "No punctuation at all here but it keeps failing for days",
              "Dr. Who said hi. Mr. Smith left!", "«Quoted.» Then more。Fullwidth！ Done", "What is this?!",
              "Really?!? ", "Hi ", " Hi", "\tTab\t", "¿Qué pasa?", "ok!!!", "No.", "(see below)", "e.g. this",
              "Is it [url]?", "Order #12345 - status: shipped;", "Thanks :)", "Done... ok"]


@pytest.mark.parametrize("method", ["senter", "sentencizer"])
def test_sentence_spans_match_spacy_sents(method):
    # spans are read from token arrays (and the sentencizer rule is applied to them): same as doc.sents
    seg = Segmenter(method)
    from feedback2journey.text.segment import _keep_placeholders_whole
    for text in EDGE_TEXTS:
        expected, pos = [], 0
        for line in text.split("\n"):
            doc = seg.nlp(line)
            sents = [(s.start_char, s.end_char) for s in doc.sents] if len(doc) else []
            expected += [(pos + a, pos + b) for a, b in _keep_placeholders_whole(line, sents)]
            pos += len(line) + 1
        assert seg.sentence_spans([text]) == [expected], text


@pytest.mark.slow  # UMAP/HDBSCAN fits, the whole pipeline or 10k+ segments
@pytest.mark.parametrize("method", ["senter", "sentencizer"])
def test_repeated_lines_give_the_same_segments_as_alone(method):
    # distinct lines are split once per call: a text's segments must not depend on the other texts
    texts = EDGE_TEXTS + EDGE_TEXTS[::-1] + ["Great app.", "Great app.\nBut checkout keeps failing all the time"]
    together, items = run(texts, method=method)
    alone = pd.concat([run([t], method=method)[0].assign(item_id=f"i{k}") for k, t in enumerate(texts)],
                      ignore_index=True)
    pd.testing.assert_frame_equal(together, alone.astype(together.dtypes.to_dict()), check_exact=True)
    by_id = dict(zip(items["item_id"], items["text"]))
    assert all(by_id[r.item_id][r.start:r.end] == r.text for r in together.itertuples())


def test_no_items_give_an_empty_table_with_the_contract_columns():
    seg, _ = run([])
    assert seg.columns.tolist() == ["item_id", "segment_index", "start", "end", "text"] and seg.empty
    assert str(seg["start"].dtype) == "int32"
