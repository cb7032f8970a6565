"""Write tests/fixtures/pii_cases.jsonl: invented personal data in the formats real exports hold, several
locales, plus look-alikes that must stay (order numbers, dates, prices, versions). Every value is invented or
from a documented test/reserved range (Ofcom drama numbers, NANP 555-01xx, documentation IP ranges, the
payment networks' test cards, the IBAN registry's examples, RFC 2606 domains).

    python benchmarks/pii_fixture.py    # rewrites the fixture; benchmarks/pii.py measures against it

Each line: {"locale", "text", "pii": [[kind, value], ...], "keep": [value, ...]}. ``pii`` values must not survive
masking; ``keep`` values must survive unchanged (a false positive otherwise)."""
import json
from pathlib import Path

P = [  # (locale, template, pii kind/value pairs); "{}" slots are filled with the values in order
    ("en-US", "Call me at (202) 555-0143 tomorrow.", [("phone", "(202) 555-0143")]),
    ("en-US", "my cell is 202-555-0178, thanks", [("phone", "202-555-0178")]),
    ("en-US", "reach me on 202.555.0199 after 5pm", [("phone", "202.555.0199")]),
    ("en-US", "Phone: +1 202 555 0110", [("phone", "+1 202 555 0110")]),
    ("en-GB", "ring 020 7946 0958 or my mobile 07700 900123", [("phone", "020 7946 0958"), ("phone", "07700 900123")]),
    ("en-GB", "Number is +44 (0)20 7946 0018.", [("phone", "+44 (0)20 7946 0018")]),
    ("de-DE", "Rufen Sie mich an: (030) 1234567", [("phone", "(030) 1234567")]),
    ("de-DE", "Tel. 030/12345678, Handy 0151 23456789", [("phone", "030/12345678"), ("phone", "0151 23456789")]),
    ("de-DE", "erreichbar unter +49 30 12345678", [("phone", "+49 30 12345678")]),
    ("fr-FR", "Appelez-moi au 06 12 34 56 78 svp", [("phone", "06 12 34 56 78")]),
    ("fr-FR", "mon numéro: 01.23.45.67.89", [("phone", "01.23.45.67.89")]),
    ("fr-FR", "joignable au +33 6 12 34 56 78", [("phone", "+33 6 12 34 56 78")]),
    ("nl-NL", "bel me op 06-12345678 of 020-1234567", [("phone", "06-12345678"), ("phone", "020-1234567")]),
    ("es-ES", "llámame al 612 345 678 por favor", [("phone", "612 345 678")]),
    ("es-ES", "mi teléfono es +34 912 345 678", [("phone", "+34 912 345 678")]),
    ("it-IT", "chiamatemi al 02 1234 5678", [("phone", "02 1234 5678")]),
    ("it-IT", "cellulare 0039 347 123 4567", [("phone", "0039 347 123 4567")]),
    ("en-US", "Email jane.doe@example.com about it", [("email", "jane.doe@example.com")]),
    ("en-US", "write to jane\u200b.doe@example.com please", [("email", "jane\u200b.doe@example.com")]),
    ("de-DE", "Meine Adresse: max.mustermann+shop@example.de", [("email", "max.mustermann+shop@example.de")]),
    ("fr-FR", "écrivez à marie\u200d@example.fr merci", [("email", "marie\u200d@example.fr")]),
    ("en-US", "charged my card 4111 1111 1111 1111 twice", [("card", "4111 1111 1111 1111")]),
    ("en-US", "card number 4111-1111-1111-1111 was declined", [("card", "4111-1111-1111-1111")]),
    ("en-GB", "used 5555.5555.5555.4444 at checkout", [("card", "5555.5555.5555.4444")]),
    ("en-US", "Amex 3782 822463 10005 failed", [("card", "3782 822463 10005")]),
    ("de-DE", "Karte 4000056655665556 abgelehnt", [("card", "4000056655665556")]),
    ("de-DE", "IBAN DE89 3704 0044 0532 0130 00 bitte erstatten", [("iban", "DE89 3704 0044 0532 0130 00")]),
    ("en-GB", "refund to GB82WEST12345698765432 please", [("iban", "GB82WEST12345698765432")]),
    ("fr-FR", "mon IBAN FR14 2004 1010 0505 0001 3M02 606", [("iban", "FR14 2004 1010 0505 0001 3M02 606")]),
    ("nl-NL", "rekening NL91 ABNA 0417 1643 00", [("iban", "NL91 ABNA 0417 1643 00")]),
    ("es-ES", "cuenta ES91 2100 0418 4502 0005 1332", [("iban", "ES91 2100 0418 4502 0005 1332")]),
    ("en-US", "my IP was 192.0.2.45 when it failed", [("ip", "192.0.2.45")]),
    ("en-US", "blocked from 203.0.113.7 and 2001:db8::8a2e:370:7334", [("ip", "203.0.113.7"), ("ip", "2001:db8::8a2e:370:7334")]),
    ("en-US", "SSN 536-22-8726 was on the form", [("id", "536-22-8726")]),
    ("en-GB", "NI number AB 12 34 56 C on file", [("id", "AB 12 34 56 C")]),
    ("es-ES", "mi DNI 12345678Z no vale", [("id", "12345678Z")]),
    ("es-ES", "NIE X1234567L caducado", [("id", "X1234567L")]),
    ("it-IT", "codice fiscale RSSMRA85T10A562S errato", [("id", "RSSMRA85T10A562S")]),
    ("fr-FR", "numéro de sécu 2 55 08 14 168 025 38", [("id", "2 55 08 14 168 025 38")]),
    ("nl-NL", "mijn BSN 111222333 staat verkeerd", [("id", "111222333")]),
    ("en-GB", "deliver to SW1A 1AA instead", [("postcode", "SW1A 1AA")]),
    ("en-GB", "postcode EC1A 1BB is wrong on the label", [("postcode", "EC1A 1BB")]),
    ("de-DE", "Lieferung nach 10115 Berlin kam nie", [("postcode", "10115")]),
    ("fr-FR", "livré à 75001 Paris au lieu de Lyon", [("postcode", "75001")]),
    ("nl-NL", "bezorgd op 1012 AB Amsterdam", [("postcode", "1012 AB")]),
    ("en-US", "ship to Springfield, IL 62704 next time", [("postcode", "62704")]),
    ("en-US", "I live at 42 Maple Street and it never came", [("address", "42 Maple Street")]),
    ("de-DE", "ich wohne in der Hauptstraße 12 seit Jahren", [("address", "Hauptstraße 12")]),
    ("nl-NL", "mijn adres is Kerkstraat 5a in Utrecht", [("address", "Kerkstraat 5a")]),
    ("fr-FR", "j'habite 12 rue de la Paix depuis 2019", [("address", "12 rue de la Paix")]),
]

KEEP = [  # look-alikes: nothing here is personal data
    ("en-US", "order 1234567890123 arrived late", ["1234567890123"]),
    ("en-US", "ticket #48213977 still open", ["48213977"]),
    ("en-US", "tracking 1Z999AA10123456784 shows nothing", ["1Z999AA10123456784"]),
    ("en-US", "paid $1,299.00 for a $12.50 item", ["1,299.00", "12.50"]),
    ("de-DE", "Bestellung vom 12.03.2024 um 14:30 Uhr", ["12.03.2024", "14:30"]),
    ("en-US", "on 2024-03-12 the app crashed", ["2024-03-12"]),
    ("en-US", "since 03/12/2024 nothing works", ["03/12/2024"]),
    ("en-US", "updated to version 1.2.3.4 and v2.0.1", ["1.2.3.4", "2.0.1"]),
    ("en-US", "rated 5/10, 3 stars out of 5", ["5/10"]),
    ("en-US", "waited 45 minutes, 3 calls, 2 emails", ["45 minutes"]),
    ("en-US", "the iPhone 15 Pro and Galaxy S24", ["iPhone 15", "S24"]),
    ("en-US", "error code 0x80070005 on Windows 11", ["0x80070005"]),
    ("en-US", "50% off but charged 100%", ["50%"]),
    ("en-US", "bought 2 pairs, size 42 and 43", ["size 42 and 43"]),
    ("en-GB", "delivery slot 10:00-12:00 missed", ["10:00-12:00"]),
    ("en-US", "In 2023 I ordered 3 times", ["2023"]),
    ("fr-FR", "commande n° 20240312 livrée en retard", ["20240312"]),
    ("de-DE", "Rechnung 2024-0042 ist falsch, 19 % MwSt.", ["2024-0042"]),
    ("es-ES", "pedido 123456 llegó roto, 3 unidades", ["123456"]),
    ("nl-NL", "bestelling 98765432 kwam niet", ["98765432"]),
    ("it-IT", "ordine 556677889 mai arrivato", ["556677889"]),
    ("en-US", "account balance 10000 points", ["10000 points"]),
    ("en-US", "flight BA 117 delayed 3 hours", ["BA 117"]),
    ("en-US", "model number WM-1234-5678 broke", ["WM-1234-5678"]),
    ("en-US", "coordinates 51.5074, -0.1278 in the app", ["51.5074", "-0.1278"]),
    ("en-US", "the 2 Factor code 123456 never came", ["123456"]),
    ("en-US", "size EU 38 UK 5 US 7.5", ["EU 38", "US 7.5"]),
    ("en-US", "room 1204 on floor 12", ["1204"]),
    ("en-US", "page 404 error and 500 errors", ["404", "500"]),
    ("en-GB", "It took 2 weeks and 3 days.", ["2 weeks"]),
]


def main() -> None:
    out = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pii_cases.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        for locale, text, pii in P:
            fh.write(json.dumps({"locale": locale, "text": text, "pii": [list(p) for p in pii], "keep": []},
                                ensure_ascii=False) + "\n")
        for locale, text, keep in KEEP:
            fh.write(json.dumps({"locale": locale, "text": text, "pii": [], "keep": keep}, ensure_ascii=False) + "\n")
    print(f"wrote {out}: {len(P)} texts with personal data, {len(KEEP)} with look-alikes")


if __name__ == "__main__":
    main()
