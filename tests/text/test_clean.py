from feedback2journey.text.clean import analysis_text, clean_text
from feedback2journey.text.redact import mask_pii


def test_html_is_stripped_and_entities_decoded():
    assert clean_text("<p>My order &amp; refund</p><p>are late<br/>still</p>") == "My order & refund\nare late\nstill"
    assert "alert" not in clean_text("Hi<script>alert(1)</script> there")


def test_quoted_reply_and_header_removed():
    text = ("Where is my parcel?\n\nOn Tue, 4 Mar 2026 at 10:12, Larkspur Support <help@larkspur.example> wrote:\n"
            "> We are sorry for the delay\n> Thanks")
    assert clean_text(text) == "Where is my parcel?"
    outlook = "Still no refund.\n-----Original Message-----\nFrom: Support\nSent: Monday\nYour refund is on its way"
    assert clean_text(outlook) == "Still no refund."


def test_signatures_removed_but_content_kept():
    assert clean_text("Refund please.\n--\nTom Smith\n+44 20 7946 0000") == "Refund please."
    assert clean_text("The box was crushed.\nKind regards,\nMaria Lopez") == "The box was crushed."
    assert clean_text("Great lamp!\nSent from my iPhone") == "Great lamp!"
    # a closing "thanks" on the same line as content is content, not a signature
    assert clean_text("Where is my refund? Thanks in advance!") == "Where is my refund? Thanks in advance!"


def test_whitespace_collapsed_but_lines_kept():
    assert clean_text("  a   b \t c \n\n\n d  ") == "a b c\nd"


def test_analysis_text_drops_handles_urls_numbers_keeps_words():
    out = analysis_text("@LarkspurHelp my order #12345678 never came https://t.co/xyz #fail")
    assert out == "my order never came fail"
    assert analysis_text("but the courier lost it") == "the courier lost it"


def test_mask_pii():
    text = "Mail jane.doe@example.com or call +44 20 7946 0958, card 4111 1111 1111 1111"
    masked = mask_pii(text)
    assert "jane.doe" not in masked and "4111" not in masked and "7946" not in masked
    assert "[email]" in masked and "[card]" in masked and "[phone]" in masked


def test_analysis_text_memo_gives_the_uncached_result():
    texts = ["", "but the courier lost it", "@LarkspurHelp order #12345678 https://t.co/x", "Thanks!"] * 2
    assert [analysis_text(t) for t in texts] == [analysis_text.__wrapped__(t) for t in texts]
