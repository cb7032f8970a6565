"""Row accounting: every input row is analyzed or rejected with a reason."""
import pandas as pd
import pytest

from feedback2journey.inputs.columns import ColumnMapping
from feedback2journey.config import Settings
from feedback2journey.inputs.ingest import ingest_frame, ingest_paths, truncate
from feedback2journey.inputs.read import InputError


def frame():
    return pd.DataFrame({
        "ticket_id": ["A1", "A2", "A3", "A4", "A2", "A6", "A7"],
        "description": ["Parcel late again", "", "   ", "N/A", "Duplicate of A2", "<p>&nbsp;</p>", "Refund?? " * 3],
        "created_at": ["2026-03-01", "2026-03-02", "bad date", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07"],
    })


def test_bad_rows_are_rejected_with_reasons():
    ing = ingest_frame(frame(), None, Settings(), source="tickets")
    reasons = dict(zip(ing.rejected["item_id"], ing.rejected["reason"]))
    assert reasons["A2"] == "empty text"
    assert reasons["A3"] == "whitespace-only text"
    assert reasons["A4"].startswith("placeholder text")
    assert reasons["A6"].startswith("no text left") or reasons["A6"] == "whitespace-only text"
    # the first A2 was rejected (empty), so the later A2 with text is the first analyzable A2 and is kept
    assert ing.items["item_id"].tolist() == ["A1", "A2", "A7"]
    s = ing.inputs[0]
    assert s.rows_read == s.analyzed + s.rejected == 7


def test_duplicate_ids_after_a_kept_row_are_rejected():
    df = pd.DataFrame({"id": ["1", "2", "1"], "text": ["first text", "second text", "third text"]})
    ing = ingest_frame(df, None, Settings())
    assert ing.items["text"].tolist() == ["first text", "second text"]
    assert ing.rejected["reason"].tolist() == ["duplicate id '1' (first seen in row 1)"]
    assert ing.rejected["row_number"].tolist() == [3]


def test_long_texts_truncate_or_reject():
    long = "The parcel was late. " * 50
    df = pd.DataFrame({"text": [long, "short one"]})
    ing = ingest_frame(df, None, Settings(max_text_chars=100))
    assert ing.items["truncated"].tolist() == [True, False]
    assert len(ing.items["text"][0]) <= 100 and ing.items["text"][0].endswith("late.")
    assert ing.inputs[0].warnings and "truncated" in ing.inputs[0].warnings[0]
    ing = ingest_frame(df, None, Settings(max_text_chars=100, long_text="reject"))
    assert ing.items["text"].tolist() == ["short one"]
    assert "longer than 100 characters" in ing.rejected["reason"][0]


def test_truncate_prefers_sentence_end():
    assert truncate("One two three. Four five six seven", 20) == "One two three."
    assert truncate("One two. Three four five six seven", 20) == "One two. Three four"  # too early: at a space


def test_fields_are_parsed_and_input_columns_kept():
    df = pd.DataFrame({"respondent_id": ["r1", "r2"], "NPS": ["9", "3"],
                       "Why did you give this score?": ["Great service overall", "Delivery took forever"],
                       "channel": ["Email", "chat"], "stage": ["x", "y"]})
    ing = ingest_frame(df, None, Settings())
    it = ing.items
    assert it["score"].tolist() == [9.0, 3.0] and set(it["score_kind"]) == {"nps"}
    assert it["channel_raw"].tolist() == ["Email", "chat"]
    # input columns survive unchanged; ones that collide with output columns get an input_ prefix
    assert it["Why did you give this score?"].tolist() == df["Why did you give this score?"].tolist()
    assert it["input_stage"].tolist() == ["x", "y"] and it["input_channel"].tolist() == ["Email", "chat"]


def test_ids_colliding_across_sources_are_qualified(tmp_path):
    (tmp_path / "survey.csv").write_text("id,answer\n1,Loved the quick delivery\n2,Too expensive\n", encoding="utf-8")
    (tmp_path / "reviews.csv").write_text("id,review\n1,App keeps crashing\n9,Nice app\n", encoding="utf-8")
    ing = ingest_paths([tmp_path / "survey.csv", tmp_path / "reviews.csv"], None, Settings())
    assert ing.items["item_id"].tolist() == ["survey:1", "2", "reviews:1", "9"]
    assert ing.items["source"].tolist() == ["survey", "survey", "reviews", "reviews"]


def test_no_text_column_lists_columns_and_suggests_option(tmp_path):
    (tmp_path / "nums.csv").write_text("id,score,amount\n1,5,10.5\n2,3,7.25\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        ingest_paths([tmp_path / "nums.csv"], None, Settings())
    assert "'id', 'score', 'amount'" in str(e.value) and "ColumnMapping(text=('COLUMN',))" in str(e.value)
    assert "--text-column COLUMN" in e.value.for_cli() and "--" not in str(e.value)


def test_explicit_columns_win_and_missing_ones_are_named(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,c\nhello there friend,x,Parcel never came\n", encoding="utf-8")
    ing = ingest_paths([tmp_path / "t.csv"], ColumnMapping(text=("c",)), Settings())
    assert ing.items["text"].tolist() == ["Parcel never came"]
    with pytest.raises(InputError, match="column\\(s\\) 'body' not found"):
        ingest_paths([tmp_path / "t.csv"], ColumnMapping(text=("body",)), Settings(), redact=True)


def test_mask_pii_skips_only_patterns_that_cannot_match():
    # mask_pii runs a pattern only when the text has what it needs ("@", "://", enough digits...): same result
    # as running every pattern
    from feedback2journey.text.redact import mask_pii

    texts = ["", "no personal data here", "mail a.b@x.co.uk now", "WWW.Example.com/x and HTTPS://t.co/y",
             "www.shop.com", "ftp://files.example", "card 4111 1111 1111 1111", "IBAN GB82WEST12345698765432",
             "call +44 20 7946 0958", "I live at 221b Baker Street.", "Ünïcode digits ٤٥٦٧٨ ٩٠١٢٣٤٥", "@handle only",
             "order 12345678 arrived", "wWw.mixed.case", "SSN 536-22-8726, NINO AB 12 34 56 C, DNI 12345678Z",
             "BSN 111222333", "ip 192.0.2.1 or 2001:db8::1", "SW1A 1AA", "10115 Berlin", "Springfield, IL 62704",
             "Hauptstraße 12", "12 rue de la Paix", "ring 06 12 34 56 78"]
    assert [mask_pii(t) for t in texts] == [mask_pii(t, gated=False) for t in texts]
    assert mask_pii("SSN 536-22-8726") == "SSN [id]"


def test_repeated_texts_are_cleaned_and_masked_like_unique_ones():
    # ingest works once per distinct text; repeats must come out exactly as if each were done alone
    mail = "<p>Write to jo.doe@example.com about card 4111 1111 1111 1111</p>"  # a Luhn-valid test card
    df = pd.DataFrame({"id": ["1", "2", "3", "4"], "body": [mail, "Late parcel", mail, "Late parcel"],
                       "subject": ["Call +44 20 7946 0958", ["a", "list"], "Call +44 20 7946 0958", None]})
    ing = ingest_frame(df, ColumnMapping(text=("body",)), Settings(), redact=True)
    texts = ing.items["text"].tolist()
    assert texts[0] == texts[2] and "[email]" in texts[0] and "[card]" in texts[0] and "<p>" not in texts[0]
    assert "@" not in ing.items["body"][2] and ing.items["body"][2] == ing.items["body"][0]
    alone = ingest_frame(df.iloc[[2]], ColumnMapping(text=("body",)), Settings(), redact=True).items
    assert alone["text"][0] == texts[2] and alone["body"][0] == ing.items["body"][2]
    ing = ingest_frame(df, ColumnMapping(text=("subject",)), Settings(), redact=True)
    assert ing.items["subject"].tolist()[0] == "Call [phone]" and ing.items["subject"][1] == ["a", "list"]


def test_zero_width_and_bidi_controls_never_reach_items_or_masked_columns():
    """Display spoofing: U+202E reversed what the report showed; a zero-width space hid an e-mail from masking."""
    df = pd.DataFrame({"id": ["1"], "body": ["Refund \u202ekcab yenom\u202c please, jane\u200b.doe@example.com"]})
    ing = ingest_frame(df, ColumnMapping(text=("body",)), Settings(), redact=True)
    for value in (ing.items["text"][0], ing.items["body"][0]):
        assert not any(c in value for c in "\u202e\u202c\u200b") and "[email]" in value and "example" not in value


def test_text_that_is_no_language_is_rejected_with_its_reason():
    """Emoji, a link or handle alone, ticket boilerplate, an auto-reply, mashing: rejects, never pain points."""
    texts = {"N1": "😡😡", "N2": "https://shop.example.com/track/123", "N3": "@ShopHelp", "N4": "Ticket created via web form",
             "N5": "Automatic reply: out of office until 3 May", "N6": "asdfghjkl", "N7": "Parcel late, box crushed",
             "N8": "ok"}
    df = pd.DataFrame({"id": list(texts), "text": list(texts.values())})
    for redact in (False, True):  # masked first ("[url]") or not, the same reasons
        ing = ingest_frame(df, None, Settings(), redact=redact)
        reasons = dict(zip(ing.rejected["item_id"], ing.rejected["reason"]))
        assert reasons == {"N1": "emoji or symbols only, no words",
                           "N2": "only a link, e-mail address or @handle, no words",
                           "N3": "only a link, e-mail address or @handle, no words",
                           "N4": "ticket system boilerplate only, no customer text",
                           "N5": "automatic reply (out of office or auto-response), not feedback",
                           "N6": "keyboard mashing, no words"}
        assert ing.items["item_id"].tolist() == ["N7", "N8"]
