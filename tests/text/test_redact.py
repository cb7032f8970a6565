"""PII masking on the project's fixture (several locales, invented data): the formats the issue found leaking,
recall and false positives above a floor, and masks that keep the character after them."""
import json

import pytest

from feedback2journey.text.clean import clean_text
from feedback2journey.text.redact import mask_pii

from conftest import FIXTURES

CASES = [json.loads(line) for line in (FIXTURES / "pii_cases.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("text,leaked", [
    ("Ruf an: (030) 1234567", "1234567"),  # brackets
    ("Tel. 030/12345678", "12345678"),  # slashes
    ("Appelez le 06 12 34 56 78 svp", "34 56 78"),  # spaced pairs
    ("write to jane\u200b.doe@example.com please", "example.com"),  # zero-width inside an e-mail
    ("used 5555.5555.5555.4444 at checkout", "5555.4444"),  # dotted card number
    ("blocked from 203.0.113.7", "203.0.113.7"),
    ("deliver to SW1A 1AA instead", "1AA"),
    ("NI number AB 12 34 56 C on file", "34 56"),
    ("mi DNI 12345678Z no vale", "12345678Z"),
])
def test_formats_that_leaked_are_masked(text, leaked):
    assert leaked not in mask_pii(text)


def test_a_mask_keeps_the_space_after_it():
    assert mask_pii("card 4111 1111 1111 1111 thanks") == "card [card] thanks"
    assert mask_pii("call +44 20 7946 0958 now") == "call [phone] now"


def test_order_numbers_dates_and_prices_stay():
    text = "order 1234567890123 of 12.03.2024, invoice 2024-0042, paid 1,299.00 for version 1.2.3.4"
    assert mask_pii(text) == text


def test_recall_and_false_positives_on_the_fixture():
    """Floors, not the measured figures (benchmarks/pii.py prints those: docs/privacy.md)."""
    found = total = kept = looks = 0
    for case in CASES:
        out = mask_pii(case["text"])
        for _, value in case["pii"]:
            total += 1
            found += value.replace("\u200b", "").replace("\u200d", "") not in out and value not in out
        for value in case["keep"]:
            looks += 1
            kept += value in out
    assert total >= 50 and looks >= 30
    assert found / total >= 0.95, (found, total)
    assert kept / looks >= 0.95, (kept, looks)


def test_zero_width_and_bidi_controls_are_removed_before_analysis():
    spoof = "Great \u202eecivres\u202c service\u200b, fast\u2066 refund\u2069 &#8203;ok"
    assert clean_text(spoof) == "Great ecivres service, fast refund ok"
