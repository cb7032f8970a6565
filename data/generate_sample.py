#!/usr/bin/env python3
"""Generate the bundled synthetic sample data for feedback2journey.

Everything written here is fictional and was written for this project:
"Larkspur" is an invented online home-goods shop with a mobile app and an
optional monthly subscription box ("the Larkspur Box" / membership).

Outputs (in data/sample/):
    tickets.csv   - help-desk export (email, chat, phone, web form, social)
    reviews.json  - app-store / product review export (JSON object)
    survey.csv    - NPS survey export

Texts are built compositionally from hand-written fragments (several phrasings
per idea, openers, closers, signatures, HTML, quoted replies, typos, sarcasm,
emoji, mixed-stage sentences, a few non-English lines).  The generator is
seeded, so reruns are byte-identical:

    python3 data/generate_sample.py

Standard library only.
"""

import csv
import json
import random
import re
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

SEED = 20260301
OUT_DIR = Path(__file__).resolve().parent / "sample"

N_TICKETS = 898          # + 2 duplicated rows inserted by add_bad_ticket_rows()
N_REVIEWS = 650
N_SURVEY = 600

START = datetime(2026, 3, 1)
END = datetime(2026, 9, 1)   # exclusive

R = random.Random(SEED)


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------

def pick(seq):
    return R.choice(seq)


def chance(p):
    return R.random() < p


def weighted(weights):
    """Pick a key from a {key: weight} dict (dict order is deterministic)."""
    keys = list(weights)
    return R.choices(keys, [weights[k] for k in keys])[0]


PROPER_STARTS = {
    "I", "I'm", "I've", "I'd", "I'll", "Larkspur", "PayPal", "Apple", "Google",
    "Instagram", "TikTok", "Klarna", "Pinterest", "Sunday", "Monday", "Tuesday",
    "Wednesday", "Thursday", "Friday", "Saturday", "Northern",
}


def lower_first(text):
    """Lower-case the first letter unless it starts with a name, 'I' or an acronym."""
    if not text:
        return text
    first = text.split(" ", 1)[0].rstrip(",.!?:")
    if first in PROPER_STARTS or first in AGENTS:
        return text
    if len(first) > 1 and first[1].isupper():          # LK123, VAT, FAQ ...
        return text
    return text[0].lower() + text[1:]


def upper_first(text):
    return text[:1].upper() + text[1:] if text else text


def strip_end(text):
    return text.rstrip(" .!")


def single_sentence(text):
    body = text.rstrip(".!? ")
    return not any(mark in body for mark in (". ", "! ", "? "))


CLAUSE_VERB = re.compile(r"\b(is|was|were|are|has|have|had|arrived|took|came|looks|works|"
                         r"made|sorted|called|went|chose|saved)\b")
NOT_A_CLAUSE_START = ("Not ", "Lovely ", "Great ", "Super ", "Really ", "Absolutely ",
                      "Ordered ", "Genuinely ", "Love ", "Getting ", "Much ", "Paying ",
                      "Pausing ", "Setting ", "Early ", "Keep ")


def is_clause(text):
    """Can this sentence follow 'Although ...'? (a full clause, one sentence)"""
    return (single_sentence(text) and CLAUSE_VERB.search(text) is not None
            and not text.startswith(NOT_A_CLAUSE_START) and "thank you" not in text)


# ---------------------------------------------------------------------------
# slot values used inside fragments ({order}, {item}, ...)
# ---------------------------------------------------------------------------

# all start with a consonant so "a {item}" always reads right
FURNITURE = ["solid oak side table", "bookcase", "bar stool", "storage ottoman", "desk chair",
             "bedside table", "coffee table", "shoe rack", "velvet armchair",
             "walnut side table", "chest of drawers", "floor lamp"]
TEXTILES = ["linen duvet cover", "towel set", "wool throw", "cushion cover", "pair of curtains",
            "jute rug", "bath mat", "duvet"]
FRAGILE = ["ceramic table lamp", "round wall mirror", "glass vase", "set of mugs", "dinner set",
           "pendant light", "plant pot", "set of wine glasses"]
KITCHEN = ["cast iron casserole dish", "knife block", "bread bin", "rattan laundry basket"]
PRODUCTS = FURNITURE + TEXTILES + FRAGILE + KITCHEN
PRICES = ["18.50", "24.00", "29.99", "34.99", "39.00", "45.00", "59.99", "64.50",
          "79.00", "89.99", "112.00", "129.00", "149.99", "219.00"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
NTHS = ["1st", "2nd", "3rd", "4th", "5th", "8th", "10th", "12th", "14th", "17th",
        "21st", "23rd", "28th"]
CODES = ["WELCOME15", "SPRING20", "LARK10", "BOXFRIEND", "SUMMER25", "FREESHIP", "HOME20"]
AGENTS = ["Priya", "Jonah", "Aisha", "Callum", "Beatriz", "Tomasz", "Grace", "Marcus",
          "Leonie", "Dev"]
FIRST_NAMES = ["Maria", "Tom", "Aisha", "Daniel", "Sophie", "Liam", "Chloe", "Oliver",
               "Hannah", "Raj", "Fatima", "James", "Emma", "Kwame", "Megan", "Lukas",
               "Zoe", "Ben", "Niamh", "Arjun", "Olivia", "Sam", "Isla", "Ryan", "Ellie",
               "Marek", "Jade", "Owen", "Siobhan", "Yusuf"]
LAST_NAMES = ["Lopez", "Hughes", "Khan", "O'Brien", "Patel", "Nowak", "Williams",
              "Murphy", "Clarke", "Okafor", "Davies", "Singh", "Taylor", "Jones", "Evans",
              "Fraser", "Ahmed", "Byrne", "Walsh", "Mensah", "Kowalski", "Reid"]
COMPANIES = ["Brew & Bloom Café Ltd", "Harbour View Lets", "Northgate Dental Practice",
             "Oakfield Care Home", "Pickle & Pine Studio", "Meadow Lane Nursery"]


def _order(s):
    return pick(["LK", "LK", "LK", "LK-", "#"]) + str(R.randint(300000, 699999))


def same_product(s, category):
    """Reuse the product already mentioned in this text if it fits the category."""
    for key in ("item", "furniture", "textile", "fragile"):
        if key in s and s[key] in category:
            return s[key]
    return pick(category)


SLOT_MAKERS = {
    "order": _order,
    "item": lambda s: same_product(s, PRODUCTS),
    "furniture": lambda s: same_product(s, FURNITURE),
    "textile": lambda s: same_product(s, TEXTILES),
    "fragile": lambda s: same_product(s, FRAGILE),
    "item2": lambda s: pick([p for p in PRODUCTS if p != s["item"]]),
    "days": lambda s: str(R.randint(6, 19)),
    "weeks": lambda s: pick(["two", "three", "3", "4", "2", "five"]),
    "amount": lambda s: "£" + pick(PRICES),
    "amount2": lambda s: "£" + pick([p for p in PRICES if "£" + p != s["amount"]]),
    "fee": lambda s: pick(["£10", "£15", "£20", "£25"]),
    "minutes": lambda s: str(pick([25, 35, 40, 45, 50, 55, 70, 90])),
    "weekday": lambda s: pick(WEEKDAYS),
    "nth": lambda s: pick(NTHS),
    "month": lambda s: pick(["March", "April", "May", "June", "July"]),
    "code": lambda s: pick(CODES),
    "agent": lambda s: pick(AGENTS),
    "version": lambda s: "latest",
    "price_change": lambda s: pick(["from £9.99 to £12.99", "from £14.99 to £17.99",
                                    "from £24.99 to £29.99", "by three pounds"]),
    "ship": lambda s: pick(["£6.95", "£7.99", "£8.50", "£9.95"]),
    "cheap": lambda s: pick(["£9 candle", "£12 set of coasters", "£8 tea towel",
                             "£6 soap dish"]),
    "n": lambda s: pick(["6", "8", "12", "20"]),
}


class Slots(dict):
    """Lazily filled slot values; one instance per text keeps values consistent."""

    def __missing__(self, key):
        value = SLOT_MAKERS[key](self)
        self[key] = value
        return value


def fill(template, slots):
    return template.format_map(slots)


# ---------------------------------------------------------------------------
# the themes: stage, touchpoint, polarity and hand-written fragments
#   core     - full sentences, first person
#   short    - 1-6 word versions (social, survey, titles)
#   sarcasm  - sarcastic complaints
#   ask      - what the customer wants
#   subject  - ticket subject lines
#   note     - third-person agent notes (phone tickets)
# weight: how common the theme is relative to others of the same polarity
# ---------------------------------------------------------------------------

THEMES = {}


def theme(name, stage, touchpoint, polarity, weight, **lists):
    THEMES[name] = dict(stage=stage, touchpoint=touchpoint, polarity=polarity,
                        weight=weight, **lists)


# ----- pain points ---------------------------------------------------------

theme("late_delivery", "delivery", "delivery_and_courier", "neg", 3,
      core=[
          "My order {order} was meant to arrive on {weekday} and it still hasn't turned up.",
          "It's been {days} days since I ordered and there's no sign of the parcel.",
          "The website said 3-5 working days. We're now on day {days}.",
          "I was told my {item} would be here last week and I'm still waiting.",
          "The {item} I ordered on the {nth} has not arrived.",
          "Day {days} and no parcel.",
          "Still waiting for my order, I placed it {weeks} weeks ago.",
          "The delivery date keeps getting pushed back every time I check.",
          "I took a day off work to wait in for the delivery and nobody came.",
          "My order is over a week late and nobody has explained why.",
          "I paid extra for next-day delivery and it still isn't here after {days} days.",
          "Order placed on the 3rd. Today is the 19th.",
          "The {item} was supposed to be here before the weekend for my daughter's birthday.",
          "Delivery was promised between 8am and 6pm on {weekday}, nobody came and there was no message.",
          "I've been waiting nearly a month for a {item}.",
          "My parcel seems to have vanished somewhere between your warehouse and my house.",
      ],
      short=["still no parcel", "order late again", "where is my order??",
             "day {days} and no parcel", "delivery took forever", "slow delivery",
             "waited {weeks} weeks for a {item}", "ordr never arived",
             "still waiting on my order", "late delivery, again",
             "Delivery is far too slow.", "Parcel never arrived."],
      sarcasm=["Great, another week without my order. Love it.",
               "Wonderful, the delivery date has moved again. Such a fun game.",
               "Really loving the suspense of whether my {item} will ever show up.",
               "Ordered in {month}, maybe it'll turn up by Christmas 🙃",
               "Fantastic service, my parcel is apparently on a world tour."],
      ask=["Can you tell me where it actually is?", "Please let me know when it will arrive.",
           "If it isn't here by Friday I want to cancel.", "Can you chase the courier please?",
           "I'd like the delivery charge refunded at the very least."],
      subject=["Where is my order?", "Order {order} not arrived", "Late delivery",
               "Delivery delayed", "Still waiting for my parcel", "order not received",
               "Delivery - {order}", "Parcel still not here", "WHERE IS MY ORDER",
               "Late order {order}"],
      note=["Cust called as order {order} has not arrived, {days} days since purchase.",
            "Caller chasing late delivery, has been waiting {weeks} weeks.",
            "Customer says delivery was due {weekday}, nothing received and no update."])

theme("tracking", "delivery", "delivery_and_courier", "neg", 3,
      core=[
          "The tracking link hasn't updated since {weekday}.",
          "Tracking has said 'label created' for {days} days now.",
          "The tracking page just says 'in transit' and nothing else.",
          "The tracking number in the dispatch email doesn't work on the courier's website.",
          "There's no tracking at all for order {order}, the link just gives an error.",
          "Tracking shows my parcel going back to the depot. Twice.",
          "All I can see is 'processing', no tracking number, nothing.",
          "The tracking in the app and the tracking on the courier site say completely different things.",
          "The tracking says 'out for delivery' every morning and then nothing happens.",
          "I've refreshed the tracking page about fifty times and it hasn't moved since the {nth}.",
          "Your email says it has been dispatched but the courier has no record of it.",
      ],
      short=["tracking not updating", "tracking link broken", "tracking stuck on 'in transit'",
             "tracking hasnt moved in days", "no tracking info", "Tracking is useless.",
             "tracking number doesnt work"],
      sarcasm=["Love how the tracking has said 'in transit' for a week. Very informative.",
               "Ah yes, 'out for delivery' for the fourth day running. Brilliant."],
      ask=["Can you give me a tracking number that actually works?",
           "Can you find out where it actually is?", "Please check with the courier."],
      subject=["Tracking not updating", "Tracking number not working",
               "No tracking info for {order}", "tracking", "Tracking stuck"],
      note=["Cust reports tracking not updated since {weekday}.",
            "Caller says tracking link gives an error, order {order}."])

theme("courier_misdelivery", "delivery", "delivery_and_courier", "neg", 1.5,
      core=[
          "The courier left my parcel at the wrong address.",
          "Tracking says delivered but there's nothing here.",
          "The driver left the box outside my front door in the pouring rain.",
          "The photo on the delivery confirmation shows a door that isn't mine.",
          "My parcel was delivered to a house two streets away, luckily the neighbour brought it round.",
          "The courier marked it as 'customer not in' but I was home all day.",
          "The driver didn't even knock, just left a card and drove off.",
          "It was left with a neighbour I've never met and I had to go door to door to find it.",
          "I left clear delivery instructions and they put it in the communal bin store.",
          "The driver threw the parcel over my side gate.",
      ],
      short=["left at wrong address", "says delivered, it isn't", "driver didnt knock",
             "parcel left in the rain", "delivered to the wrong house"],
      sarcasm=["Thanks for leaving my {item} on the doorstep in a thunderstorm, very thoughtful."],
      subject=["Parcel delivered to wrong address", "Marked as delivered but not received",
               "Delivery not received", "Courier complaint"],
      note=["Cust says tracking shows delivered but nothing received, photo shows wrong door.",
            "Caller complaining driver left parcel outside in rain."])

theme("damaged_item", "delivery", "packaging", "neg", 3,
      core=[
          "The {item} arrived damaged.",
          "The box was crushed and the {fragile} inside was cracked.",
          "I opened the parcel and the {item} was in pieces.",
          "There's a big scratch right across the top of the {furniture}.",
          "One of the legs was snapped off when it arrived.",
          "The packaging was a joke, a single sheet of paper around a glass vase.",
          "It arrived with a huge dent in the side and the box looked like it had been kicked down the street.",
          "The {fragile} arrived chipped along the edge.",
          "The corner of the {furniture} is split and there are marks all over it.",
          "When I took it out of the box there was glass everywhere.",
          "The box was soaking wet and the {item} has water damage.",
          "This is the second replacement that has turned up damaged.",
      ],
      short=["arrived broken", "item damaged on arrival", "box smashed, item cracked",
             "arived damaged 😡", "came broken", "chipped on arrival", "Arrived scratched."],
      sarcasm=["Nice of you to send the {fragile} pre-smashed, saves me the effort I suppose.",
               "Who needs an intact {item} anyway."],
      ask=["I've attached photos.", "Photos attached. Please send a replacement.",
           "I'd like a replacement, not a voucher.",
           "Can you arrange a collection and a new one?"],
      subject=["Damaged item", "Item arrived broken", "Damaged on delivery - {order}",
               "Broken {item}", "Received damaged goods", "Damaged parcel"],
      note=["Cust reports {item} arrived damaged, will email photos.",
            "Caller says box crushed and {fragile} cracked, wants replacement."])

theme("wrong_missing_item", "delivery", "order_management", "neg", 3,
      core=[
          "I ordered a {item} but received a {item2}.",
          "The wrong colour arrived, I ordered grey and got mustard yellow.",
          "One item is missing from my order, the packing slip lists three things but only two were in the box.",
          "Only half of my order turned up.",
          "The parcel was missing the second chair, I ordered a pair.",
          "I've received somebody else's order, it has a different name on the packing slip.",
          "I got a single pillowcase instead of the pair shown on the website.",
          "My account says the order is complete but the {item} wasn't in the box.",
          "You sent a double duvet cover, I ordered a king size.",
          "The box contained a {item2} instead of my {item}.",
          "The {item} is in my order history but wasn't in the delivery, and there's no second parcel.",
      ],
      short=["wrong item sent", "item missing from my order", "got the wrong size",
             "half my order missing", "wrong colour sent", "missing item", "not what i ordered"],
      sarcasm=["Ordered a {item}, got a {item2}. Surprise box, I guess?"],
      ask=["Can you send the right one please?", "Please send the missing item.",
           "How do I send the wrong one back?", "Please send what I actually paid for."],
      subject=["Wrong item received", "Missing item from order {order}", "Incomplete order",
               "Wrong item", "Item missing", "Received wrong colour"],
      note=["Cust received {item2} instead of {item}, needs exchange.",
            "Caller says one item missing from order {order}."])

theme("refund_delay", "returns", "returns_and_refunds", "neg", 3,
      core=[
          "I returned the {item} {weeks} weeks ago and still haven't had my refund.",
          "Still waiting for my refund.",
          "You confirmed you received my return on the {nth} but I haven't seen a penny.",
          "It's been three weeks since I sent it back.",
          "My refund of {amount} still hasn't appeared on my card.",
          "I was told the refund would take 5 working days. That was a month ago.",
          "Every time I ask about my refund I'm told to wait another 48 hours.",
          "I dropped the return off on {weekday} {weeks} weeks ago and I'm still waiting for the money.",
          "The return shows as received in my account but the refund status hasn't changed.",
          "I've got the drop-off receipt, I've got the tracking, what I don't have is my {amount}.",
          "You were very quick to take my money and very slow to give it back.",
          "My bank says nothing has been sent from your side.",
      ],
      short=["still waiting for my refund", "no refund yet", "refund taking forever",
             "refund???", "3 weeks and no refund", "where is my refund",
             "still no money back", "Refunds are painfully slow."],
      sarcasm=["Really enjoying giving Larkspur an interest-free loan of {amount}.",
               "Great to know my refund is 'being processed'. For the fourth week."],
      ask=["When will I actually get my money back?", "Please process the refund today.",
           "Can you send me proof the refund has been issued?",
           "I'll be raising a chargeback with my bank if this isn't sorted this week."],
      subject=["Refund not received", "Where is my refund?", "Refund for order {order}",
               "Refund still pending", "REFUND", "Chasing refund"],
      note=["Cust chasing refund of {amount}, return received {weeks} weeks ago.",
            "Caller says refund still not on card, escalated to finance."])

theme("return_process", "returns", "returns_and_refunds", "neg", 2.5,
      core=[
          "The return label link doesn't work, it just says 'something went wrong'.",
          "The returns portal won't let me select the item I want to send back.",
          "I printed the return label but the drop-off shop said the barcode was invalid.",
          "The nearest drop-off point is 40 minutes' drive away.",
          "I don't have a printer, why can't you just give me a QR code?",
          "There is no option to return a large item, the portal only offers small parcel drop-off.",
          "The drop-off point refused the parcel because it was too big.",
          "I booked a collection three times and nobody came.",
          "The returns page says my order isn't eligible but it's within 30 days.",
          "The return label you emailed me is for a completely different order.",
          "Returning something shouldn't take three emails and a phone call.",
      ],
      short=["return label not working", "cant print the return label", "returns portal broken",
             "no drop off point near me", "collection never came", "Returns process is a faff."],
      sarcasm=["Love a returns portal that returns nothing but error messages."],
      ask=["Can you email me a working label?", "Can you arrange a collection instead?",
           "How am I supposed to send it back?"],
      subject=["Return label not working", "Returns problem", "Can't return item",
               "Return collection", "Return label"],
      note=["Cust unable to generate return label, error in portal.",
            "Caller says drop-off shop rejected the label barcode."])

theme("promo_code", "purchase", "pricing_and_promotions", "neg", 2.5,
      core=[
          "The discount code from your email doesn't work.",
          "I tried to use {code} at checkout and it says 'invalid code'.",
          "My welcome discount wasn't applied to my first order.",
          "The promo code was accepted but the total didn't change.",
          "The code says it has expired, but your email says it's valid until Sunday.",
          "{code} won't work on sale items and nowhere on the site does it say that.",
          "The code from the influencer's video is rejected every time.",
          "I was charged full price even though the basket showed the discount.",
          "The 'apply' button next to the voucher field doesn't do anything.",
          "I got a birthday voucher that can't be used on anything I actually want.",
      ],
      short=["promo code not working", "discount code invalid", "code didnt apply",
             "voucher rejected at checkout", "discount not applied", "{code} doesnt work"],
      sarcasm=["Love a discount code that doesn't discount anything.",
               "Thanks for the 20% off code, shame it's 0% off in practice."],
      ask=["Can you apply the discount manually?", "Can you refund the difference?",
           "Please honour the code."],
      subject=["Discount code not working", "Promo code", "{code} invalid", "Voucher issue",
               "Discount not applied"],
      note=["Cust tried {code}, rejected at checkout. Applied manually.",
            "Caller says welcome discount not applied, wants difference refunded."])

theme("payment_error", "purchase", "checkout_and_payment", "neg", 3,
      core=[
          "My card keeps getting declined at checkout even though it works everywhere else.",
          "PayPal keeps failing at the very last step.",
          "Checkout gets stuck on 'processing payment' and then times out.",
          "I got an error at checkout but the money was taken anyway.",
          "Apple Pay just doesn't work in the app.",
          "The page reloaded at payment and my basket was empty.",
          "I've tried three different cards and they're all declined, my bank says the problem isn't on their side.",
          "The 'Place order' button does absolutely nothing.",
          "The card verification screen never loads, it just spins.",
          "Klarna was offered at checkout and then disappeared when I clicked it.",
          "I've been trying to pay for two days.",
          "Checkout kept saying my postcode was invalid. It isn't.",
      ],
      short=["card declined", "paypal not working", "checkout error", "cant pay",
             "payment keeps failing", "checkout broken", "Checkout is a nightmare.",
             "payment failed 3 times"],
      sarcasm=["Love trying to give you money and being told no."],
      ask=["Can I place the order over the phone instead?", "Did the order go through or not?",
           "Please fix your checkout."],
      subject=["Payment failed", "Card declined", "Checkout not working", "PayPal error",
               "Can't complete order", "Payment problem"],
      note=["Cust unable to pay, card declined x3, bank confirms no block.",
            "Caller got error at checkout but payment taken, checking if order created."])

theme("forced_account", "purchase", "account_and_login", "neg", 1,
      core=[
          "I have to make an account to buy a single cushion? Really?",
          "There's no guest checkout, so I gave up.",
          "I was forced to sign up before I could even see the delivery cost.",
          "Guest checkout kept sending me back to the login page.",
          "I don't want yet another account and password for a one-off purchase.",
          "Signing up asked for my phone number and date of birth, for a lamp.",
      ],
      short=["no guest checkout", "forced to make an account", "why do i need an account??",
             "let me check out as a guest"],
      subject=["Guest checkout", "Account creation", "Don't want an account"])

theme("double_charge", "billing", "billing_and_invoices", "neg", 2.5,
      core=[
          "I've been charged twice for order {order}.",
          "There are two payments of {amount} on my statement for one order.",
          "You took the money twice.",
          "My bank shows a duplicate charge from Larkspur.",
          "I was charged for an order that was cancelled.",
          "I was charged {amount} but the order total was {amount2}.",
          "The payment went through twice when the checkout froze.",
          "There's a pending charge and a completed charge for the same order.",
          "Two identical transactions on my card on the same day, I only placed one order.",
      ],
      short=["charged twice", "double charged!!", "duplicate payment",
             "you took my money twice", "charged for a cancelled order"],
      sarcasm=["Paying twice for one {item} must be a premium feature."],
      ask=["Please refund the duplicate payment.", "I need the extra {amount} back.",
           "Can you confirm which payment will be refunded?"],
      subject=["Charged twice", "Double charge", "Duplicate payment", "Overcharged",
               "Billing error"],
      note=["Cust charged twice for order {order}, refund of duplicate requested.",
            "Caller sees two payments of {amount}, one order only."])

theme("unexpected_renewal", "billing", "subscription", "neg", 2.5,
      core=[
          "I was charged {amount} for a membership renewal I knew nothing about.",
          "My membership renewed without any warning.",
          "There was no reminder email before the yearly renewal.",
          "I found a Larkspur Box charge on my card and I thought I'd cancelled.",
          "The free trial turned into a paid subscription without any heads-up.",
          "You took {amount} from my account for a box I never asked for.",
          "I only signed up for the one-off discount, nobody said it would keep charging me monthly.",
          "The renewal went out a week earlier than the date shown in my account.",
          "My bank flagged a charge from Larkspur that turned out to be an automatic renewal.",
      ],
      short=["renewed without warning", "surprise subscription charge",
             "unexpected renewal charge", "charged for a box i didnt order",
             "no renewal reminder"],
      sarcasm=["Nothing says 'valued member' like a surprise {amount} charge."],
      ask=["Please refund the renewal.",
           "I want the renewal reversed and the membership closed.",
           "Can you refund this and stop any future payments?"],
      subject=["Unexpected charge", "Membership renewal", "Didn't authorise this payment",
               "Subscription charge", "Charged for renewal"],
      note=["Cust disputes membership renewal of {amount}, no reminder received.",
            "Caller didn't know trial converted to paid, wants refund."])

theme("cancel_hard", "renewal", "subscription", "neg", 3,
      core=[
          "I can't find how to cancel the subscription anywhere in the app.",
          "There is no cancel button, only 'pause'.",
          "Why is there a cancellation fee of {fee}? That wasn't mentioned when I signed up.",
          "I cancelled my membership last month and I'm still getting boxes.",
          "I've tried to cancel three times and it keeps taking me back to the offers page.",
          "You have to phone to cancel, and nobody answers the phone.",
          "Cancelling should be as easy as signing up, and it isn't.",
          "The cancel link in the FAQ goes to a page that doesn't exist.",
          "I asked to cancel by email two weeks ago and got no confirmation.",
          "Every time I try to cancel I get offered another discount instead.",
          "I want to cancel my Larkspur Box. That's it. Why is this so hard?",
      ],
      short=["cant cancel subscription", "how do i cancel???", "cancellation is a nightmare",
             "please cancel my membership", "where is the cancel button",
             "Cancelling is deliberately hard."],
      sarcasm=["Cancelling my subscription has been the most exciting puzzle game of the year.",
               "Amazing how easy it was to sign up and how impossible it is to leave."],
      ask=["Please cancel it today and confirm by email.",
           "Cancel my membership and refund this month.", "Just cancel it, please."],
      subject=["Cancel subscription", "Cancel membership", "How do I cancel?",
               "Cancellation request", "CANCEL MY SUBSCRIPTION",
               "Still being sent boxes after cancelling"],
      note=["Cust unable to cancel in app, cancelled on their behalf.",
            "Caller wants membership cancelled, unhappy with {fee} fee."])

theme("price_increase", "billing", "pricing_and_promotions", "neg", 1.2,
      core=[
          "The membership price went up {price_change} with barely any notice.",
          "Prices have crept up a lot this year.",
          "The box costs more now but has fewer things in it.",
          "The {item} I bought in spring is now {amount} more.",
          "The price went up the day after I added it to my basket.",
          "For what the box costs now I could buy the items myself.",
      ],
      short=["price increase", "too expensive now", "prices keep going up",
             "not worth the new price", "box got more expensive"],
      sarcasm=["Higher prices and smaller boxes, what a deal."],
      subject=["Price increase", "Membership price", "Why has the price gone up?"])

theme("shipping_cost", "decision", "pricing_and_promotions", "neg", 1.2,
      core=[
          "I almost didn't buy because of the shipping cost.",
          "{ship} delivery on a {cheap} is too much.",
          "The shipping cost only shows up at the very last step of checkout.",
          "The free delivery threshold is far too high.",
          "Delivery to Northern Ireland costs more than the item itself.",
          "I abandoned my basket when I saw the delivery charge.",
      ],
      short=["shipping too expensive", "delivery costs a fortune", "delivery charge is steep",
             "hidden delivery costs"],
      subject=["Delivery charges", "Shipping cost"])

theme("hold_times", "support", "customer_service", "neg", 3,
      core=[
          "I waited {minutes} minutes on hold.",
          "Your phone line plays music for ages and then cuts off.",
          "Nobody answers the phone.",
          "I was in the chat queue for over an hour.",
          "It took {days} days to get a reply to my email.",
          "I've emailed three times and heard nothing back.",
          "Your website says you reply within 24 hours. It's been a week.",
          "I was number 1 in the queue for 20 minutes.",
          "I spent my entire lunch break on hold.",
          "The contact form says 'thank you' and then silence.",
      ],
      short=["waited {minutes} mins on hold", "no reply to my emails",
             "nobody answers the phone", "still no response", "on hold forever",
             "Impossible to get hold of anyone."],
      sarcasm=["Thanks for the {minutes} minutes of hold music, I know every note now.",
               "Really enjoyed spending my afternoon on hold."],
      ask=["Can someone please just reply?", "Please call me back on the number on my account."],
      subject=["No response", "Waiting for a reply", "Complaint - no reply", "Chasing again",
               "Third email"],
      note=["Cust waited {minutes} mins in queue before call connected, unhappy.",
            "Caller says no reply to 3 emails."])

theme("support_runaround", "support", "customer_service", "neg", 2.5,
      core=[
          "I was passed between four different agents.",
          "I had to explain the whole problem three times.",
          "Every agent tells me something different.",
          "I was promised a call back that never came.",
          "The agent closed my ticket without fixing anything.",
          "I keep getting copy-paste replies that don't answer my question.",
          "Someone promised me a replacement on the phone and the next person said there was no record of it.",
          "I've been transferred so many times I've lost count.",
          "Your team keeps asking for photos I've already sent twice.",
          "Each reply comes from a different person who hasn't read the previous messages.",
      ],
      short=["passed from agent to agent", "had to explain 3 times", "ticket closed without a fix",
             "no one reads my emails", "promised call back never came",
             "Customer service is a runaround."],
      sarcasm=["Explaining my problem for the fourth time was definitely the highlight of my week."],
      ask=["Please can one person own this until it's fixed?", "I'd like to speak to a manager."],
      subject=["Complaint", "Escalation", "Still not resolved", "Formal complaint",
               "Re: still not sorted"],
      note=["Cust frustrated, has spoken to 3 agents already. Escalated to team lead.",
            "Caller says promised call back not received."])

theme("chatbot", "support", "help_center", "neg", 1.5,
      core=[
          "The chat bot is useless, it just sends me links to the FAQ.",
          "Can I speak to an actual human? The bot keeps going round in circles.",
          "The virtual assistant didn't understand a single question.",
          "There's no way to get past the bot to a real person.",
          "The bot told me my order was delivered and closed the chat.",
          "I typed 'agent' about ten times and the bot just kept offering me articles.",
      ],
      short=["chatbot useless", "bot keeps looping", "let me talk to a human!!",
             "the bot is pointless", "real person please"],
      sarcasm=["The chat bot is very polite, I'll give it that. Completely useless, but polite."],
      subject=["Chatbot", "Need a human", "Chat not working"])

theme("app_crash", "usage", "mobile_app", "neg", 3,
      core=[
          "The app crashes every time I open my basket.",
          "The app keeps freezing on the checkout screen.",
          "Since the {version} update the app closes itself when I tap on a product.",
          "The app crashes as soon as I open it.",
          "I can't log in, the app says my password is wrong but it works on the website.",
          "The app logs me out every single time I close it.",
          "Product images don't load in the app, just grey boxes.",
          "cant login",
          "The app goes white and then closes when I try to view my orders.",
          "The password reset email never arrives, so I'm locked out.",
          "The app drains my battery and then crashes.",
          "Since the latest update I can't get past the splash screen.",
      ],
      short=["app keeps crashing", "crashes on launch", "cant login", "app freezes constantly",
             "the update broke the app", "crashes every time", "Can't log in.",
             "app wont open"],
      sarcasm=["Love the new update, the app now crashes twice as fast.",
               "Great app if you enjoy looking at a loading spinner."],
      ask=["Please fix this.", "Is there a fix coming?", "Can you reset my account?"],
      subject=["App crashing", "Can't log in", "App not working", "Login problem",
               "App keeps freezing"],
      note=["Cust reports app crashing after update, advised reinstall.",
            "Caller locked out of account, password reset email not arriving."])

theme("app_search", "usage", "mobile_app", "neg", 1.5,
      core=[
          "Search in the app is painfully slow.",
          "Searching for 'lamp' gives me bath mats.",
          "The filters reset every time I go back to the results.",
          "Everything in the app takes ages to load.",
          "You can't filter by size, so I have to scroll through hundreds of rugs.",
          "The search doesn't find products even when I type the exact name.",
          "Scrolling the app is so laggy it's unusable on my phone.",
      ],
      short=["search is slow", "search results are irrelevant", "filters dont work",
             "app is so slow", "laggy app"],
      subject=["App search", "App slow"])

theme("product_quality", "usage", "product", "neg", 3,
      core=[
          "The {furniture} broke after two weeks.",
          "The quality is much worse than the photos suggest.",
          "The fabric started pilling after one wash.",
          "The colour faded after a couple of washes.",
          "It feels cheap, and the {furniture} wobbles.",
          "The handle came off the first time I used it.",
          "Not worth the money at all.",
          "The veneer is already peeling at the edges.",
          "The stitching came apart within a month.",
          "It's much thinner and flimsier than I expected.",
          "The {textile} smells strongly of chemicals, even after airing it for a week.",
          "It looked lovely for about a fortnight.",
          "Not happy with the quality at all.",
      ],
      short=["poor quality", "broke after 2 weeks", "cheap and flimsy", "fell apart",
             "not happy with the quality", "Quality has gone downhill.", "flimsy"],
      sarcasm=["Lasted a whole fortnight. Built to last, clearly.",
               "Great quality if you only plan to use it once."],
      ask=["I'd like a refund.", "Is this covered by the guarantee?", "Can I get a replacement?"],
      subject=["Faulty item", "Product broke", "Quality complaint", "{item} faulty",
               "Defective product"],
      note=["Cust says {furniture} broke after 2 weeks, offered replacement.",
            "Caller unhappy with quality of {item}, wants refund."])

theme("assembly", "onboarding", "product", "neg", 1.5,
      core=[
          "The assembly instructions are impossible to follow.",
          "The instructions are just pictures and two of the steps are wrong.",
          "Screws were missing from the fittings pack.",
          "It took us four hours to build and the holes didn't line up.",
          "The instructions don't match the parts in the box.",
          "Part C is mentioned in the instructions but there is no part C.",
          "There's no video or online guide, just a tiny leaflet.",
      ],
      short=["instructions unclear", "assembly was a nightmare", "missing screws",
             "holes dont line up", "Instructions are useless."],
      sarcasm=["Building the {furniture} was a fun four-hour escape room."],
      ask=["Can you send the missing fittings?", "Is there a video guide anywhere?"],
      subject=["Assembly instructions", "Missing parts", "Missing screws", "Can't assemble"])

theme("product_info", "consideration", "product_page", "neg", 1.5,
      core=[
          "The product page doesn't list the dimensions.",
          "There's no information about what the {item} is actually made of.",
          "The photos make it look a lot bigger than it is.",
          "I couldn't find out whether the {textile} is machine washable.",
          "The colour in the photos is nothing like the real thing.",
          "The membership pricing is confusing, I couldn't work out what I'd actually pay each month.",
          "The page says 'in stock' but at checkout it's a six-week wait.",
          "There's no weight listed, so I had no idea if I could carry it upstairs.",
      ],
      short=["no dimensions on the product page", "photos are misleading", "pricing unclear",
             "not enough product info", "colour not as pictured"],
      ask=["Can you tell me the dimensions?", "Could you add the measurements to the page?"],
      subject=["Product dimensions?", "Question about {item}", "Product information"])

theme("invoice_missing", "billing", "billing_and_invoices", "neg", 1,
      core=[
          "I need a VAT invoice for order {order} and it isn't in my account.",
          "There was no invoice in the parcel and I need one for our accounts.",
          "The invoice download button gives a blank PDF.",
          "Our finance team needs an invoice with our company name on it, not a receipt.",
          "I asked for an invoice twice and still haven't received it.",
      ],
      short=["invoice missing", "need a VAT invoice", "invoice PDF is blank"],
      subject=["Invoice request", "VAT invoice", "Missing invoice for {order}"],
      note=["Cust needs VAT invoice for {order}, sent manually."])

theme("detractor", "advocacy", "reviews_and_word_of_mouth", "neg", 0,
      core=[
          "I will never recommend Larkspur to anyone.",
          "I've told everyone I know to avoid you.",
          "Never ordering again.",
          "I'm done with Larkspur.",
          "I used to recommend you to friends. Not anymore.",
          "Won't be back.",
          "Going back to buying from the high street.",
          "Cancelled my membership and I won't be coming back.",
      ],
      short=["never again", "avoid", "will not recommend", "do not order from here",
             "NEVER AGAIN"])

# ----- positive ------------------------------------------------------------

theme("fast_delivery", "delivery", "delivery_and_courier", "pos", 3,
      core=[
          "Delivery was quicker than expected.",
          "It arrived the very next day!",
          "Ordered on Sunday night, here by Tuesday morning.",
          "The driver was lovely and even carried the box upstairs.",
          "The tracking was spot on, I got a one-hour window and it arrived in it.",
          "The parcel came two days earlier than the estimate.",
          "Everything arrived well packed and on time.",
          "No problems at all with delivery.",
          "Super fast delivery.",
      ],
      short=["fast delivery", "quick delivery!", "arrived next day", "delivery was spot on",
             "speedy delivery 👍"])

theme("product_love", "usage", "product", "pos", 3,
      core=[
          "Absolutely love my new {item}.",
          "The quality is excellent for the price.",
          "The {item} looks even better than in the photos.",
          "Really sturdy, no problems at all.",
          "I've had it six months and it still looks brand new.",
          "Not bad at all for the price.",
          "Lovely soft fabric, washes really well.",
          "Everything I've bought from Larkspur has been great quality.",
          "The {item} is gorgeous and everyone who visits asks where it's from.",
          "Never had an issue with anything I've ordered.",
          "Great products, nice designs.",
          "Genuinely nice stuff that doesn't cost a fortune.",
      ],
      short=["love the products", "great quality", "beautiful {item}", "good value",
             "lovely products", "not bad", "great stuff"])

theme("helpful_agent", "support", "customer_service", "pos", 2,
      core=[
          "{agent} on the live chat was brilliant and sorted everything in minutes.",
          "The agent was really helpful and sent a replacement straight away.",
          "Customer service were kind, quick and didn't make me jump through hoops.",
          "Special thanks to {agent}, who went above and beyond.",
          "I had a problem with my order and it was fixed in one phone call.",
          "{agent} called me back exactly when they said they would.",
          "The support team actually read my message and answered the question, which is rare these days.",
          "When my {item} arrived damaged they sent a new one the next day, no questions asked.",
      ],
      short=["great customer service", "helpful staff", "{agent} was brilliant",
             "support sorted it quickly", "lovely customer service"])

theme("quick_refund", "returns", "returns_and_refunds", "pos", 1.5,
      core=[
          "The refund was in my account two days after I dropped the parcel off.",
          "Returns were painless.",
          "Free returns made it really easy to send back the one that didn't fit.",
          "The drop-off point was round the corner and the refund came the same week.",
          "Refund was quick, no hassle at all.",
          "I didn't even need to print anything, just showed the QR code.",
      ],
      short=["easy returns", "quick refund", "returns are painless", "refund was fast"])

theme("easy_checkout", "purchase", "checkout_and_payment", "pos", 1,
      core=[
          "Checkout was quick and easy.",
          "Paying with PayPal took seconds.",
          "Ordering was really simple, even on my phone.",
          "The discount code worked first time.",
          "Guest checkout meant I didn't have to make yet another account, thank you.",
      ],
      short=["easy to order", "smooth checkout", "simple ordering"])

theme("app_good", "usage", "mobile_app", "pos", 2,
      core=[
          "The app is easy to use.",
          "Love the new app design, it's much cleaner.",
          "The app is smooth and the wishlist is really handy.",
          "Never had an issue with the app.",
          "The room planner in the app is a brilliant idea.",
          "Getting notified when things are back in stock is so useful.",
          "The app works perfectly on my old phone.",
          "Much easier to shop in the app than on the website.",
      ],
      short=["great app", "easy to use", "app works well", "nice app", "love the app",
             "no complaints about the app"])

theme("subscription_perks", "renewal", "subscription", "pos", 2,
      core=[
          "The box is worth it for the free delivery alone.",
          "I'm staying a member because of the perks.",
          "Every box has something I actually use.",
          "The monthly box is a little treat I look forward to.",
          "Member prices have saved me far more than the membership costs.",
          "Pausing my box while I was away was really easy.",
          "Early access to the sales is worth it.",
          "The Family plan is great value for us.",
      ],
      short=["love the box", "great value membership", "the member perks",
             "free delivery with membership", "box is always a nice surprise"])

theme("onboarding_good", "onboarding", "account_and_login", "pos", 1,
      core=[
          "Setting up my account took two minutes.",
          "My first box arrived beautifully packed with a handwritten note.",
          "Assembly was simple, it took about twenty minutes.",
          "The instructions were clear and all the screws were labelled.",
          "Setting up the app and linking my membership was easy.",
      ],
      short=["easy setup", "easy to assemble", "great first box"])

theme("advocacy", "advocacy", "reviews_and_word_of_mouth", "pos", 0,
      core=[
          "Would recommend to anyone.",
          "I've already told my friends about Larkspur.",
          "Left a 5-star review, well deserved.",
          "My sister ordered after seeing mine.",
          "I recommend Larkspur to everyone who asks where my {item} is from.",
          "Would definitely recommend.",
          "Will definitely order again.",
          "Keep it up!",
      ],
      short=["would recommend", "highly recommend", "recommended to friends",
             "10/10 would recommend", "will order again"])

theme("decision_good", "decision", "pricing_and_promotions", "pos", 0,
      core=[
          "I chose Larkspur because of the free returns.",
          "The first-order discount sealed the deal.",
          "I went with you because the reviews were so good.",
          "It was cheaper than anywhere else I looked.",
          "Free delivery over £40 made it an easy decision.",
          "The 100-night trial on the duvet is what convinced me.",
      ],
      short=["free returns", "good prices", "the reviews convinced me"])

# ----- neutral -------------------------------------------------------------

theme("awareness", "awareness", "social_media", "neu", 0,
      core=[
          "I saw an ad on Instagram and thought I'd give it a go.",
          "Found you on TikTok.",
          "I heard about Larkspur on a podcast.",
          "A friend recommended you.",
          "Found Larkspur through a Google search for a {item}.",
          "My neighbour had the same {item} and told me where it was from.",
          "Saw a Larkspur poster at the train station.",
          "One of those TikTok room makeover videos sent me here.",
          "Came across you via a Pinterest pin.",
      ])

theme("consideration", "consideration", "product_page", "neu", 0,
      core=[
          "I spent a while comparing prices with other shops first.",
          "I read a lot of reviews before buying.",
          "I compared the {item} with a similar one from another shop.",
          "I wasn't sure about the membership at first.",
          "Took me a couple of weeks to decide.",
          "Checked the reviews on here before ordering.",
      ])

theme("neutral", "general", "general", "neu", 0,
      core=[
          "It's fine.", "Average experience, nothing special.", "Does the job.",
          "OK I guess.", "Some things are good, some aren't.",
          "Haven't received my order yet so can't really say.", "It's alright.",
          "Prices are fair, service is average.",
          "Nothing to complain about, nothing to rave about.", "I've only ordered once.",
      ],
      short=["ok", "fine", "average", "its ok", "no strong feelings", "meh", "Decent."])

theme("request_address", "delivery", "order_management", "neu", 1,
      core=[
          "Can I change the delivery address on order {order}? I've just moved.",
          "I put the wrong postcode in by mistake, can you update it before it ships?",
          "Could the courier leave it with my neighbour at number 14 if I'm out?",
          "Is it possible to choose a delivery day for the {item}?",
      ],
      subject=["Change delivery address", "Wrong postcode", "Delivery instructions",
               "Delivery day"])

theme("request_stock", "consideration", "product_page", "neu", 1,
      core=[
          "Will the {item} be back in stock soon?",
          "Do you have the {item} in a darker colour?",
          "Is the {furniture} suitable for outdoor use?",
          "Does the {furniture} come assembled?",
          "What are the exact dimensions of the {item}?",
      ],
      subject=["Stock question", "Question about {item}", "Product enquiry", "Back in stock?"])

theme("request_account", "onboarding", "account_and_login", "neu", 1,
      core=[
          "How do I change the email address on my account?",
          "Can I pause my box for a month while I'm away?",
          "How do I switch from Basic to Family?",
          "Can I add a second delivery address to my account?",
          "Is it possible to gift a membership?",
      ],
      subject=["Account question", "Pause box", "Change plan", "Gift membership"])

NEG_THEMES = [n for n, t in THEMES.items() if t["polarity"] == "neg" and t["weight"] > 0]
POS_THEMES = [n for n, t in THEMES.items() if t["polarity"] == "pos" and t["weight"] > 0]
REQUEST_THEMES = ["request_address", "request_stock", "request_account"]
APP_THEMES = {"app_crash", "app_search", "app_good", "payment_error", "promo_code",
              "forced_account", "chatbot"}
SUBSCRIPTION_THEMES = {"unexpected_renewal", "cancel_hard", "price_increase",
                       "subscription_perks"}

# ---------------------------------------------------------------------------
# non-English lines (about 3% of items)
# ---------------------------------------------------------------------------

FOREIGN = {
    "es": dict(
        open=["Hola,", "Buenas tardes,"], close=["Gracias.", "Un saludo.", "Gracias de antemano."],
        lines=[("late_delivery", "Mi pedido lleva dos semanas de retraso y nadie me dice nada."),
               ("refund_delay", "Todavía estoy esperando el reembolso de la devolución."),
               ("damaged_item", "La lámpara llegó rota, la caja venía aplastada."),
               ("cancel_hard", "No encuentro cómo cancelar la suscripción."),
               ("app_crash", "La aplicación se cierra cada vez que intento pagar."),
               ("fast_delivery", "Muy contenta con la compra, llegó rapidísimo."),
               ("product_love", "Los cojines son preciosos y de muy buena calidad.")]),
    "de": dict(
        open=["Hallo,", "Guten Tag,", "Sehr geehrte Damen und Herren,"],
        close=["Danke im Voraus.", "Viele Grüße", "Mit freundlichen Grüßen"],
        lines=[("late_delivery", "Meine Bestellung ist immer noch nicht angekommen."),
               ("refund_delay", "Ich habe die Rücksendung vor drei Wochen abgeschickt und noch kein Geld zurückbekommen."),
               ("promo_code", "Der Gutscheincode funktioniert nicht."),
               ("double_charge", "Mir wurde die Bestellung zweimal abgebucht."),
               ("hold_times", "Ich hänge seit 40 Minuten in der Warteschleife."),
               ("fast_delivery", "Super Qualität und schnelle Lieferung, gerne wieder!"),
               ("helpful_agent", "Der Kundenservice war sehr freundlich und hilfsbereit.")]),
    "fr": dict(
        open=["Bonjour,", "Bonsoir,"], close=["Merci d'avance.", "Cordialement", "Merci."],
        lines=[("tracking", "Colis toujours pas reçu, le suivi ne bouge plus depuis cinq jours."),
               ("damaged_item", "Très déçue, le vase est arrivé cassé."),
               ("cancel_hard", "Impossible de résilier l'abonnement depuis l'application."),
               ("hold_times", "J'ai attendu 45 minutes au téléphone sans réponse."),
               ("unexpected_renewal", "On m'a prélevé le renouvellement sans aucun rappel."),
               ("helpful_agent", "Service client au top, merci !"),
               ("product_love", "Le plaid est magnifique, je recommande.")]),
    "pt": dict(
        open=["Olá,", "Boa tarde,"], close=["Obrigada.", "Obrigado.", "Cumprimentos"],
        lines=[("refund_delay", "Ainda estou à espera do reembolso."),
               ("promo_code", "O código de desconto não funciona no checkout."),
               ("app_crash", "A aplicação está sempre a bloquear."),
               ("wrong_missing_item", "Recebi o artigo errado."),
               ("product_quality", "A qualidade é muito fraca, partiu-se ao fim de duas semanas."),
               ("fast_delivery", "Entrega rápida e o produto é lindo.")]),
    "nl": dict(
        open=["Hoi,", "Goedemiddag,", "Beste Larkspur,"],
        close=["Alvast bedankt.", "Groetjes", "Met vriendelijke groet"],
        lines=[("late_delivery", "Mijn pakket is nog steeds niet bezorgd."),
               ("app_crash", "De app crasht steeds bij het afrekenen."),
               ("double_charge", "Er is twee keer geld afgeschreven voor dezelfde bestelling."),
               ("cancel_hard", "Geen idee hoe ik mijn abonnement kan opzeggen."),
               ("return_process", "Het retourlabel werkt niet."),
               ("fast_delivery", "Snelle levering en mooie kwaliteit, echt een aanrader!"),
               ("subscription_perks", "De box is elke maand een leuke verrassing.")]),
}


FOREIGN_SUBJECTS = {"es": "Mi pedido", "de": "Meine Bestellung", "fr": "Ma commande",
                    "pt": "A minha encomenda", "nl": "Mijn bestelling"}


def foreign_text(polarity, lang=None, formal=False):
    """1-2 sentences in one language, optionally with greeting/closing."""
    lang = lang or pick(list(FOREIGN))
    spec = FOREIGN[lang]
    lines = [text for name, text in spec["lines"] if THEMES[name]["polarity"] == polarity]
    n = 1 if len(lines) < 2 or chance(0.6) else 2
    parts = R.sample(lines, n)
    USED.append("foreign_" + lang)
    if formal and chance(0.7):
        parts = [pick(spec["open"])] + parts
    if formal and chance(0.6):
        parts.append(pick(spec["close"]))
    return " ".join(parts)


# ---------------------------------------------------------------------------
# shared text building blocks
# ---------------------------------------------------------------------------

GREETINGS = ["Hi,", "Hello,", "Hi there,", "Hello Larkspur team,", "Dear Larkspur,",
             "Dear Sir or Madam,", "Hey,", "Good morning,", "Hiya,", "To whom it may concern,",
             "Hi team,", "Morning,", "Good afternoon,"]
CONTEXT = ["I'm writing about order {order}.", "This is about my recent order ({order}).",
           "Order number: {order}.", "Re my order from the {nth}.",
           "I placed an order on {weekday}.",
           "I've been a customer for years and this is the first time I've had to complain.",
           "I'm a member and order from you most months.", "This is my first order with you.",
           "I've ordered from the Bed & Bath range before with no problems."]
BUSINESS_CONTEXT = ["We ordered {n} bar stools for our café.",
                    "This order is for our holiday let and guests arrive on Friday.",
                    "We're kitting out a new office and ordered through the business account.",
                    "I'm ordering on behalf of our care home."]
ESCALATION = ["This is the second time this has happened.", "I'm really disappointed.",
              "Honestly, not impressed.", "I've been a loyal customer for years.",
              "This is really not good enough.", "I'm losing patience.", "Not happy.",
              "Very frustrating.", "I'm so fed up with this.", "Second time asking."]
GENERIC_ASK = ["Can you please look into this?", "Please sort this out.",
               "What are you going to do about it?", "Please advise.",
               "I want this resolved today.", "Let me know what happens next.",
               "Can someone call me back?", "Please get back to me asap.", "Could you help?"]
CLOSERS = ["Thanks in advance!", "Have a great day :)", "Many thanks", "Thanks", "Thank you.",
           "Cheers", "Thanks for your help.", "Appreciate it.", "Thanks so much!",
           "Look forward to hearing from you.", "Thanks, have a lovely weekend!", "Thanks again"]
SIGNATURES = ["--\n{full}\nSent from my iPhone", "Kind regards,\n{first}", "Best,\n{first}",
              "Thanks,\n{first} {initial}.", "Sent from my Samsung Galaxy smartphone.",
              "Regards,\n{full}\n{company}\nTel: 01632 960{d3}", "Cheers,\n{first}",
              "{first}\n\nGet Outlook for Android", "Many thanks,\n{full}", "{first} x",
              "Kind regards,\n\n{full}\nOffice Manager | {company}"]
COMPLIMENT_OPENERS = ["Not a complaint for once!", "Just wanted to say thank you.",
                      "Quick note to say thanks.", "I don't usually write these but"]
POS_CLOSERS = ["Thanks again!", "Keep it up.", "Thank you!", "🙂", "Have a lovely day."]
POS_SUBJECTS = ["Thank you!", "Compliment", "Feedback", "Great service", "Just a thank you",
                "Happy customer"]

EMOJI_NEG = ["😡", "🤬", "😤", "🙄", "😠", "👎", "😞", "🙃", "😩", "🤦‍♀️"]
EMOJI_POS = ["😍", "👍", "🙌", "❤️", "😊", "⭐⭐⭐⭐⭐", "🥰", "👌", "💛", "🏡"]
EMOJI_NEU = ["🙂", "🤔", "🙏"]
HASHTAGS_NEG = ["#customerservice", "#fail", "#stillwaiting", "#larkspur", "#notimpressed"]
HASHTAGS_POS = ["#happycustomer", "#homedecor", "#larkspur", "#newhome"]

SUPPORT_REPLIES = [
    "We're sorry to hear your order hasn't arrived yet. We've raised this with our courier and will update you within 48 hours.",
    "We're really sorry about this. Please allow 5-7 working days for your refund to reach your account.",
    "I've checked your order and can see it's on its way to you.",
    "Could you please send us a photo of the damage so we can arrange a replacement?",
    "Your ticket has been passed to our specialist team who will be in touch shortly.",
    "As a gesture of goodwill we've added a £5 credit to your account.",
    "Thanks for your patience while we look into this for you.",
]

TYPO_WORDS = {"received": "recieved", "definitely": "definately", "arrived": "arived",
              "order": "ordr", "refund": "refnd", "because": "becuase", "until": "untill",
              "tomorrow": "tommorow", "address": "adress", "waiting": "waitng",
              "delivery": "delivey", "cancel": "cancle", "please": "pls",
              "still": "stil", "the": "teh", "thank": "thnak"}


def casual(text):
    """lowercase, no apostrophes, fewer full stops - how people type on phones"""
    text = text.lower().replace("'", "").replace("’", "")
    if chance(0.45):
        text = text.replace(". ", " ").rstrip(".")
        if chance(0.5):
            text = text.replace(",", "")
    elif chance(0.5):
        text = text.rstrip(".")
    return text


def typo(text, rate=0.035):
    words = text.split(" ")
    out = []
    for w in words:
        core = w.strip(".,!?")
        low = core.lower()
        if low in TYPO_WORDS and chance(0.08 if low == "the" else 0.3):
            w = w.replace(core, TYPO_WORDS[low] if core.islower() else upper_first(TYPO_WORDS[low]))
        elif len(core) >= 5 and core.isalpha() and chance(rate):
            i = R.randrange(1, len(core) - 2)
            op = pick(["drop", "swap", "double"])
            if op == "drop":
                bad = core[:i] + core[i + 1:]
            elif op == "swap":
                bad = core[:i] + core[i + 1] + core[i] + core[i + 2:]
            else:
                bad = core[:i] + core[i] + core[i:]
            w = w.replace(core, bad)
        out.append(w)
    return " ".join(out)


def shout(text):
    text = text.upper()
    if text.endswith("."):
        text = text[:-1] + pick(["!!!", "!!", "!!!!"])
    return text.replace(". ", "! ")


def add_emoji(text, polarity):
    pool = {"pos": EMOJI_POS, "neg": EMOJI_NEG}.get(polarity, EMOJI_NEU)
    e = pick(pool)
    if chance(0.3):
        e = e * R.randint(2, 3) if len(e) == 1 else e
    return f"{text} {e}"


USED = []            # themes used by the item being built (for --stats)
THEME_COUNTS = {}    # (file, theme) -> number of items mentioning it


def finish_item(kind):
    for name in sorted(set(USED)):
        key = (kind, name)
        THEME_COUNTS[key] = THEME_COUNTS.get(key, 0) + 1
    USED.clear()


def sentences(theme_name, slots, n=1, kinds=("core",)):
    """n distinct filled sentences from a theme."""
    USED.append(theme_name)
    th = THEMES[theme_name]
    pool = [t for k in kinds for t in th.get(k, [])]
    n = min(n, len(pool))
    return [fill(t, slots) for t in R.sample(pool, n)]


def one(theme_name, slots, kind="core"):
    USED.append(theme_name)
    th = THEMES[theme_name]
    return fill(pick(th.get(kind) or th["core"]), slots)


def join_mixed(pos, neg, slots):
    """Join a positive and a negative sentence in one item (mixed stages)."""
    p, n = one(pos, slots), one(neg, slots)
    forms = ["but", "however", "although", "only_complaint", "neg_but", "that_said",
             "plus_side", "shame"]
    form = pick(forms)
    if form == "although" and not is_clause(p):
        form = "but"
    if form in ("but", "neg_but") and " but " in (n + p).lower():
        form = "however"       # avoid "... but ... but ..."
    if form == "but":
        return f"{strip_end(p)}{pick([',', ''])} but {lower_first(n)}"
    if form == "however":
        return f"{p} However, {lower_first(n)}"
    if form == "although":
        return f"Although {lower_first(strip_end(p))}, {lower_first(n)}"
    if form == "only_complaint":
        return f"{p} {pick(['Only complaint:', 'The only downside:', 'One thing though:'])} {lower_first(n)}"
    if form == "neg_but":
        return f"{strip_end(n)}, but {lower_first(p)}"
    if form == "that_said":
        return f"{n} That said, {lower_first(p)}"
    if form == "plus_side":
        return f"{n} On the plus side, {lower_first(p)}"
    return f"{p} Shame that {lower_first(n)}" if is_clause(n) else f"{p} But {lower_first(n)}"


def other_stage_theme(name, pool):
    stage = THEMES[name]["stage"]
    options = [t for t in pool if THEMES[t]["stage"] != stage]
    return pick(options)


def theme_weights(pool, boosts=None):
    boosts = boosts or {}
    return {t: THEMES[t]["weight"] * boosts.get(t, 1.0) for t in pool}


def date_boosts(d):
    """Seasonal patterns: a courier backlog in late May, a buggy app release in July."""
    boosts = {}
    if date(2026, 5, 18) <= d <= date(2026, 6, 7):
        boosts.update(late_delivery=2.5, tracking=2.0, courier_misdelivery=1.5)
    if date(2026, 7, 6) <= d <= date(2026, 7, 26):
        boosts.update(app_crash=3.5)
    if date(2026, 8, 1) <= d:
        boosts.update(price_increase=2.5)
    return boosts


def random_datetime(start=START, end=END, business_hours=True):
    days = (end - start).days
    day = start + timedelta(days=R.randrange(days))
    if business_hours:
        hour = weighted({h: (3 if 8 <= h <= 17 else 2 if 18 <= h <= 22 else 0.4)
                         for h in range(24)})
    else:
        hour = R.randrange(24)
    return day.replace(hour=hour, minute=R.randrange(60), second=R.randrange(60))


DAY_ABBR = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DAY_FULL = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTH_FULL = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]


# ---------------------------------------------------------------------------
# tickets
# ---------------------------------------------------------------------------

CHANNELS = {  # raw value -> (kind, weight)
    "email": ("email", 20), "Email": ("email", 6), "E-mail": ("email", 3), "e-mail": ("email", 1),
    "chat": ("chat", 10), "Live Chat": ("chat", 6), "live chat": ("chat", 2), "Chat": ("chat", 2),
    "phone": ("phone", 8), "Phone": ("phone", 4), "voice": ("phone", 2),
    "web form": ("web", 8), "Web Form": ("web", 3), "webform": ("web", 2), "contact form": ("web", 2),
    "twitter": ("social", 4), "Twitter": ("social", 2), "X (Twitter)": ("social", 1),
    "facebook": ("social", 3), "Facebook": ("social", 2), "Facebook Messenger": ("social", 1),
}
SEGMENTS = {"new customer": 30, "returning customer": 33, "subscriber": 27, "business": 10}
WEB_TOPICS = {"delivery": "Delivery", "returns": "Returns & Refunds",
              "billing": "Billing & Payments", "purchase": "Orders & Checkout",
              "renewal": "Membership", "support": "Other", "usage": "Product or App",
              "onboarding": "Assembly & Setup", "consideration": "Product question",
              "decision": "Orders & Checkout", "advocacy": "Feedback", "general": "Other"}
PHONE_ACTIONS = ["Advised to wait 48 hours.", "Escalated to the warehouse team.",
                 "Raised with courier, awaiting response.", "Chased with finance.",
                 "Replacement sent.", "Told cust we'd call back tomorrow.",
                 "Cust not happy with outcome.", "Refund issued.",
                 "Apologised, goodwill credit of £5 applied.", "Follow-up ticket created.",
                 "Sent returns label by email.", "Resolved on call."]


PHONE_ACTIONS_POS = ["Thanked cust, passed feedback on to the team.", "Compliment logged.",
                     "Passed thanks on to the agent."]
PHONE_ACTIONS_NEU = ["Answered question.", "Info given.", "Account updated.",
                     "Updated order details.", "Sent link to help article."]


def person():
    first, last = pick(FIRST_NAMES), pick(LAST_NAMES)
    return dict(first=first, last=last, full=f"{first} {last}", initial=last[0],
                company=pick(COMPANIES), d3=f"{R.randrange(1000):03d}")


def ticket_theme(segment, when):
    roll = R.random()
    if roll < 0.84:
        boosts = date_boosts(when.date())
        if segment != "subscriber":
            for t in ("unexpected_renewal", "cancel_hard", "price_increase"):
                boosts[t] = boosts.get(t, 1.0) * 0.15
        if segment == "business":
            boosts["invoice_missing"] = 6.0
        else:
            boosts["invoice_missing"] = 0.3
        if segment == "new customer":
            boosts.update(forced_account=2.0, promo_code=1.5, payment_error=1.3)
        return weighted(theme_weights(NEG_THEMES, boosts))
    if roll < 0.94:
        return weighted(theme_weights(REQUEST_THEMES))
    return weighted(theme_weights(["helpful_agent", "fast_delivery", "product_love",
                                   "quick_refund", "app_good"]))


def core_body(name, segment, s):
    """The customer's own words for a ticket, as a list of sentences."""
    th = THEMES[name]
    body = []
    if th["polarity"] == "pos":
        if chance(0.6):
            body.append(pick(COMPLIMENT_OPENERS))
        body += sentences(name, s, R.choice([1, 1, 2]))
        if chance(0.4):
            body.append(pick(POS_CLOSERS))
        return body
    if segment == "business" and chance(0.45):
        body.append(fill(pick(BUSINESS_CONTEXT), s))
    elif chance(0.3):
        body.append(fill(pick(CONTEXT), s))
    body += sentences(name, s, R.choice([1, 1, 1, 2, 2, 3]))
    if th["polarity"] == "neg":
        if th.get("sarcasm") and chance(0.1):
            body.append(one(name, s, "sarcasm"))
        if chance(0.2):
            other = other_stage_theme(name, NEG_THEMES)
            connector = pick(["Also, ", "On top of that, ", "And ", "Separately, ",
                              "While I'm here, ", "Plus "])
            body.append(connector + lower_first(one(other, Slots())))
        if chance(0.25):
            body.append(pick(ESCALATION))
        if chance(0.6):
            asks = th.get("ask", []) + GENERIC_ASK
            body.append(fill(pick(asks), s))
    return body


def to_html(text):
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if chance(0.4):
        text = text.replace("'", pick(["&#39;", "&rsquo;"]))
    paras = [p.replace("\n", "<br>") for p in text.split("\n\n")]
    if chance(0.5):
        html = "".join(f"<p>{p}</p>" for p in paras)
    else:
        html = "<br><br>".join(paras)
        html = html.replace(",<br><br>", ",&nbsp;<br><br>", 1)
    if chance(0.5):
        html = f'<div dir="ltr">{html}</div>'
    elif chance(0.3):
        html = f'<html><body><div style="font-family: Arial, sans-serif;">{html}</div></body></html>'
    return html


def quoted_reply(when, who, subject):
    sent = when - timedelta(days=R.randint(1, 6), hours=R.randint(0, 9), minutes=R.randint(0, 59))
    reply = pick(SUPPORT_REPLIES)
    agent = pick(AGENTS)
    if chance(0.75):
        header = (f"On {DAY_ABBR[sent.weekday()]}, {sent.day} {MONTH_ABBR[sent.month - 1]} "
                  f"{sent.year} at {sent:%H:%M}, Larkspur Support <help@larkspur.example> wrote:")
        thanks = "" if reply.startswith("Thanks") else pick(["Thanks for getting in touch. ",
                                                             "Thank you for contacting Larkspur. ", ""])
        lines = [f"Hi {who['first']},", "", f"{thanks}{reply}", "",
                 "Kind regards,", agent, "Larkspur Customer Care"]
        quoted = "\n".join(("> " + l) if l else ">" for l in lines)
        return f"{header}\n{quoted}"
    header = ("________________________________\n"
              "From: Larkspur Support <help@larkspur.example>\n"
              f"Sent: {DAY_FULL[sent.weekday()]}, {sent.day} {MONTH_FULL[sent.month - 1]} {sent.year} {sent:%H:%M}\n"
              f"To: {who['first'].lower()}.{who['last'].lower().replace(chr(39), '')}@mail.example\n"
              f"Subject: RE: {subject}")
    return f"{header}\n\nHi {who['first']},\n\n{reply}\n\nKind regards,\n{agent}\nLarkspur Customer Care"


def email_ticket(name, segment, when, kind, s):
    th = THEMES[name]
    who = person()
    body = core_body(name, segment, s)
    text = " ".join(body)
    polarity = th["polarity"]
    if chance(0.1):
        text = typo(text)
    style = R.random()
    if polarity == "neg" and style < 0.04:
        text = shout(text)
    elif style < 0.14:
        text = casual(text)
    if chance(0.05):
        text = add_emoji(text, polarity)
    # paragraphs: a long body is sometimes split in two
    if len(body) >= 3 and chance(0.5) and text == " ".join(body):
        cut = R.randint(1, len(body) - 1)
        text = " ".join(body[:cut]) + "\n\n" + " ".join(body[cut:])
    parts = []
    if chance(0.72 if kind == "email" else 0.35):
        parts.append(pick(GREETINGS))
    parts.append(text)
    if chance(0.55):
        parts.append(pick(CLOSERS))
    if kind == "email" and chance(0.35):
        sig = pick(SIGNATURES)
        if segment != "business" and "{company}" in sig:
            sig = "Kind regards,\n{first}"
        parts.append(fill(sig, who))
    glue = pick(["\n\n", "\n\n", "\n", " "]) if kind == "email" else pick(["\n\n", " "])
    # greeting/closer sometimes on the same line as the body
    desc = parts[0] + glue + "\n\n".join(parts[1:]) if len(parts) > 1 else parts[0]
    subject = fill(pick(th.get("subject") or POS_SUBJECTS), s)
    if kind == "web":
        topic = WEB_TOPICS.get(th["stage"], "Other")
        subject = topic if chance(0.7) else "Contact form submission"
        if chance(0.25):
            desc = f"Order number: {s['order']}\nTopic: {topic}\nMessage:\n{desc}"
    elif chance(0.12):
        subject = subject.lower()
    elif chance(0.04):
        subject = "(no subject)"
    if kind == "email" and chance(0.13):
        subject = "Re: " + subject
        desc = desc + "\n\n" + quoted_reply(when, who, subject[4:])
    elif chance(0.16):
        desc = to_html(desc)
    return subject, desc


def chat_ticket(name, segment, when, s):
    th = THEMES[name]
    polarity = th["polarity"]
    if polarity == "neg" and chance(0.45):
        bits = [one(name, s, "short")]
        if chance(0.4):
            bits.append(one(name, s))
    else:
        bits = sentences(name, s, R.choice([1, 1, 2]))
        if polarity == "neg" and chance(0.3):
            bits.append(fill(pick(th.get("ask", []) + GENERIC_ASK), s))
    text = " ".join(bits)
    if chance(0.15):
        text = typo(text)
    if chance(0.35):
        text = casual(text)
    if polarity == "neg" and chance(0.05):
        text = shout(text)
    if chance(0.3):
        text = pick(["hi ", "Hi, ", "hello? ", "Hello. ", "hey "]) + text
    if chance(0.15):
        text += " " + pick(["thanks", "ty", "Thanks!", "cheers"])
    who = person()
    return f"Chat with {who['first']} {who['initial']}", text


def social_ticket(name, when, raw_channel, s):
    th = THEMES[name]
    polarity = th["polarity"]
    roll = R.random()
    if polarity == "neg" and th.get("sarcasm") and roll < 0.15:
        body = one(name, s, "sarcasm")
    elif th.get("short") and roll < 0.6:
        body = upper_first(one(name, s, "short")) if chance(0.5) else one(name, s, "short")
        if polarity == "neg" and chance(0.4):
            body += pick([". ", " - ", "... "]) + one(name, s)
    else:
        body = " ".join(sentences(name, s, R.choice([1, 2])))
    if chance(0.1):
        body = typo(body)
    if polarity == "neg" and chance(0.1):
        body = shout(body)
    elif chance(0.3):
        body = casual(body)
    if chance(0.35):
        body = add_emoji(body, polarity)
    twitter = "twitter" in raw_channel.lower()
    if twitter or chance(0.5):
        handle = "@LarkspurHelp" if chance(0.85) else "@LarkspurHelp @LarkspurHome"
        text = f"{handle} {body}"
    else:
        text = body
    if chance(0.55):
        tok = "".join(R.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
                      for _ in range(10))
        url = pick([f"https://t.co/{tok}", f"https://larkspur.example/orders/{s['order'].strip('#')}",
                    f"https://t.co/{tok}"])
        text += " " + url
    if chance(0.15):
        text += " " + pick(HASHTAGS_POS if polarity == "pos" else HASHTAGS_NEG)
    subject = text if len(text) <= 60 else text[:57].rstrip() + "..."
    return subject, text


def phone_ticket(name, segment, when, s):
    th = THEMES[name]
    if th.get("note") and chance(0.75):
        note = fill(pick(th["note"]), s)
    else:
        said = one(name, s, "short" if th.get("short") and chance(0.5) else "core")
        note = f"{pick(['Customer called.', 'Cx called.', 'Inbound call.'])} Said: \"{said}\""
    parts = [note]
    if th["polarity"] == "neg" and chance(0.25):
        parts.append(pick(["Cust very upset.", "Caller angry, raised voice.",
                           "Cust polite but frustrated.", "Second call about this."]))
    parts.append(pick({"neg": PHONE_ACTIONS, "pos": PHONE_ACTIONS_POS}.get(th["polarity"],
                                                                         PHONE_ACTIONS_NEU)))
    subject = pick([f"Call from +44 7700 900{R.randrange(1000):03d}", "Inbound call",
                    "Phone: " + fill(pick(th.get("subject") or ["enquiry"]), s)])
    return subject, " ".join(parts)


def ticket_status(when, polarity):
    recent = when >= datetime(2026, 8, 17)
    if recent:
        return weighted({"new": 15, "open": 35, "pending": 25, "on-hold": 5, "solved": 20})
    return weighted({"solved": 58, "closed": 20, "open": 7, "pending": 9, "on-hold": 6})


def ticket_priority(desc, polarity):
    if polarity != "neg":
        return weighted({"low": 50, "normal": 50})
    letters = [c for c in desc if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        return weighted({"urgent": 60, "high": 40})
    return weighted({"low": 8, "normal": 57, "high": 25, "urgent": 10})


def make_tickets():
    rows = []
    times = sorted(random_datetime() for _ in range(N_TICKETS))
    ticket_no = 100234
    for when in times:
        ticket_no += R.randint(1, 4)
        segment = weighted(SEGMENTS)
        raw_channel = weighted({k: v[1] for k, v in CHANNELS.items()})
        kind = CHANNELS[raw_channel][0]
        name = ticket_theme(segment, when)
        polarity = THEMES[name]["polarity"]
        s = Slots()
        if chance(0.03) and polarity in ("neg", "pos") and kind in ("email", "web", "chat"):
            lang = pick(list(FOREIGN))
            desc = foreign_text(polarity, lang, formal=kind != "chat")
            subject = FOREIGN_SUBJECTS[lang] if chance(0.8) else "(no subject)"
        elif kind in ("email", "web"):
            subject, desc = email_ticket(name, segment, when, kind, s)
        elif kind == "chat":
            subject, desc = chat_ticket(name, segment, when, s)
        elif kind == "social":
            subject, desc = social_ticket(name, when, raw_channel, s)
        else:
            subject, desc = phone_ticket(name, segment, when, s)
        rows.append({
            "ticket_id": f"T-{ticket_no}",
            "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "channel": raw_channel,
            "subject": subject,
            "description": desc,
            "status": ticket_status(when, polarity),
            "priority": ticket_priority(desc, polarity),
            "customer_segment": segment,
        })
        finish_item("tickets")
    add_bad_ticket_rows(rows)
    return rows


def add_bad_ticket_rows(rows):
    """Five broken rows, as real exports have them: three blank descriptions
    (one with a blank subject too, one whitespace-only) and two duplicated ids."""
    positions = sorted(R.sample(range(50, len(rows) - 50), 5))
    blanks = [("Order enquiry", ""), ("", ""), ("Refund", "   \n  \t ")]
    for pos, (subject, desc) in zip(positions[:3], blanks):
        rows[pos].update(subject=subject, description=desc, status="closed", priority="low")
    duplicate = dict(rows[positions[3]])                 # exact duplicate row
    updated = dict(rows[positions[4]])                   # same id, text edited later
    updated["description"] += "\n\nUpdate: still nothing, please reply."
    updated["status"] = "open"
    # insert from the back so the earlier position stays valid
    rows.insert(positions[4] + 1 + R.randint(0, 3), updated)
    rows.insert(positions[3] + 1 + R.randint(0, 3), duplicate)


# ---------------------------------------------------------------------------
# reviews
# ---------------------------------------------------------------------------

VERSIONS = [(date(2026, 3, 1), "4.8.0"), (date(2026, 3, 19), "4.8.2"),
            (date(2026, 4, 14), "4.9.0"), (date(2026, 5, 6), "4.9.1"),
            (date(2026, 6, 2), "4.10.0"), (date(2026, 6, 23), "4.10.3"),
            (date(2026, 7, 6), "4.11.0"), (date(2026, 7, 27), "4.11.1"),
            (date(2026, 8, 18), "4.12.0")]
TITLES = {
    5: ["Love it", "Brilliant", "Five stars", "Great shop", "So happy", "Exactly what I wanted",
        "Best home shop app", "Highly recommend", "Gorgeous!", "Perfect", "Really impressed",
        "Can't fault them", "Love Larkspur ❤️"],
    4: ["Pretty good", "Good but...", "Nearly perfect", "Happy overall", "Nice products",
        "Solid app", "Good experience", "Mostly great"],
    3: ["Mixed feelings", "It's ok", "Average", "Could be better", "Hit and miss", "Meh",
        "Fine I guess", "Good products, poor service"],
    2: ["Disappointed", "Not great", "Needs work", "Expected better", "Frustrating",
        "Going downhill"],
    1: ["Awful", "Avoid", "Terrible service", "Never again", "Worst app ever", "Do not order",
        "Useless", "Absolute joke", "AVOID!!!", "Shocking"],
}
VERY_SHORT = {
    "pos": ["Love it ❤️", "Brilliant, thanks!", "Great shop.", "Perfect 👌", "So pleased!",
            "Five stars.", "Lovely stuff", "👍👍👍"],
    "neg": ["Rubbish.", "Awful app.", "Do not bother.", "USELESS", "Shocking service.",
            "Waste of time", "Total joke"],
}


def app_version(d):
    current = [i for i, (start, _) in enumerate(VERSIONS) if start <= d][-1]
    if current > 0 and chance(0.2):
        current -= 1
    return VERSIONS[current][1]


def review_pools(platform, d):
    boosts = date_boosts(d)
    boosts = dict(boosts)
    if platform == "web":
        for t in APP_THEMES:
            boosts[t] = boosts.get(t, 1.0) * 0.25
    else:
        for t in APP_THEMES:
            boosts[t] = boosts.get(t, 1.0) * 3.0
    boosts["invoice_missing"] = 0.2
    neg = theme_weights(NEG_THEMES, boosts)
    pos = theme_weights(POS_THEMES, boosts)
    return neg, pos


def journey_intro(s):
    name = weighted({"awareness": 2, "decision_good": 2, "consideration": 1.2})
    return one(name, s)


def review_content(rating, platform, d, s):
    neg_w, pos_w = review_pools(platform, d)
    flip = chance(0.03)
    if flip:  # mis-tapped stars: the text does not match the rating
        rating = 6 - rating
    sents = []
    first_theme = None
    if rating == 5:
        if chance(0.12):
            return pick(VERY_SHORT["pos"]), None
        if chance(0.3):
            sents.append(journey_intro(s))
        first_theme = weighted(pos_w)
        sents += sentences(first_theme, s, R.choice([1, 1, 2]))
        if chance(0.2):
            sents.append(one(weighted(pos_w), s))
        if chance(0.1):
            sents.append(join_mixed(weighted(pos_w), weighted(neg_w), s))
        if chance(0.35):
            sents.append(one("advocacy", s))
    elif rating == 4:
        first_theme = weighted(pos_w)
        if chance(0.15):
            sents.append(journey_intro(s))
        if chance(0.5):
            neg = other_stage_theme(first_theme, list(neg_w))
            sents.append(join_mixed(first_theme, neg, s))
        else:
            sents += sentences(first_theme, s, R.choice([1, 2]))
            if chance(0.3):
                sents.append(pick(["Not bad at all.", "No real complaints.",
                                   "Would be five stars if delivery was a bit faster.",
                                   "Only giving four because nothing is perfect."]))
        if chance(0.15):
            sents.append(one("advocacy", s))
    elif rating == 3:
        roll = R.random()
        if roll < 0.55:
            first_theme = weighted(pos_w)
            sents.append(join_mixed(first_theme, other_stage_theme(first_theme, list(neg_w)), s))
        elif roll < 0.8:
            sents.append(one("neutral", s))
            if chance(0.5):
                sents.append(one(weighted(neg_w), s))
        else:
            first_theme = weighted(neg_w)
            sents.append(one(first_theme, s))
            sents.append(pick(["Not the worst, but not great either.", "It's not terrible.",
                               "Hopefully they sort it out.", "We'll see."]))
    elif rating == 2:
        first_theme = weighted(neg_w)
        if chance(0.35):
            sents.append(join_mixed(weighted(pos_w), first_theme, s))
        else:
            sents += sentences(first_theme, s, R.choice([1, 1, 2]))
        if chance(0.2):
            sents.append(pick(ESCALATION))
    else:  # 1 star
        first_theme = weighted(neg_w)
        if chance(0.3):  # short rant
            bits = [upper_first(one(first_theme, s, "short"))]
            if chance(0.4):
                bits.append(pick(VERY_SHORT["neg"]))
            text = ". ".join(b.rstrip(".") for b in bits)
            if chance(0.4):
                text = shout(text)
            if chance(0.4):
                text = add_emoji(text, "neg")
            return text, first_theme
        if THEMES[first_theme].get("sarcasm") and chance(0.15):
            sents.append(one(first_theme, s, "sarcasm"))
        sents += sentences(first_theme, s, R.choice([1, 1, 2, 2]))
        if chance(0.25):
            sents.append(one(other_stage_theme(first_theme, list(neg_w)), s))
        if chance(0.3):
            sents.append(one("detractor", s))
    text = " ".join(sents)
    if rating <= 2 and chance(0.05):
        text = shout(text)
    elif chance(0.12):
        text = casual(text)
    if chance(0.08):
        text = typo(text)
    if chance(0.15):
        text = add_emoji(text, "pos" if rating >= 4 else "neg")
    return text, first_theme


def review_title(rating, platform, first_theme, s):
    if platform == "Android" and chance(0.6):
        return ""
    if first_theme and THEMES[first_theme].get("short") and chance(0.4):
        return upper_first(one(first_theme, s, "short"))
    return pick(TITLES[rating])


def make_reviews():
    records = []
    days = (END - START).days
    dates = sorted(START.date() + timedelta(days=R.randrange(days)) for _ in range(N_REVIEWS))
    for i, d in enumerate(dates):
        platform = weighted({"iOS": 45, "Android": 40, "web": 15})
        rating = weighted({5: 38, 4: 14, 3: 10, 2: 10, 1: 28})
        version = app_version(d) if platform != "web" else None
        s = Slots(version=version or "latest")
        if chance(0.035):
            polarity = "pos" if rating >= 4 else "neg"
            content, first_theme = foreign_text(polarity), None
        else:
            content, first_theme = review_content(rating, platform, d, s)
        records.append({
            "review_id": f"RV-{208311 + i * 7 + R.randint(0, 6)}",
            "date": d.isoformat(),
            "rating": rating,
            "title": review_title(rating, platform, first_theme, s),
            "content": content,
            "platform": platform,
            "app_version": version,
        })
        finish_item("reviews")
    records.reverse()  # store exports list newest first
    return {"exported_at": "2026-09-01T06:00:00Z", "app": "Larkspur",
            "reviews": records}


# ---------------------------------------------------------------------------
# survey
# ---------------------------------------------------------------------------

SURVEY_QUESTION = "What is the main reason for your score?"
REGIONS = {"UK": 55, "Ireland": 8, "Germany": 9, "Netherlands": 8, "France": 8, "Spain": 6,
           "Portugal": 3, "Other": 3}
REGION_LANG = {"Germany": "de", "Netherlands": "nl", "France": "fr", "Spain": "es",
               "Portugal": "pt"}
NPS_WEIGHTS = {0: 4, 1: 2, 2: 3, 3: 4, 4: 4, 5: 7, 6: 9, 7: 11, 8: 14, 9: 17, 10: 25}
BLANK_ANSWERS = ["n/a", "-", ".", "no comment", "nothing"]


def short_list(pool_w, s, polarity):
    names = []
    for _ in range(R.choice([1, 1, 2, 3])):
        name = weighted(pool_w)
        if THEMES[name].get("short") and name not in names:
            names.append(name)
    bits = [one(n, s, "short") for n in names] or [one("neutral", s, "short")]
    text = ", ".join(b.rstrip(".") for b in bits)
    return upper_first(text) if chance(0.5) else text


def survey_answer(nps, region, plan, d, s):
    boosts = date_boosts(d)
    for t in SUBSCRIPTION_THEMES:
        boosts[t] = boosts.get(t, 1.0) * 2.0
    boosts["invoice_missing"] = 0.2
    neg_w = theme_weights(NEG_THEMES, boosts)
    pos_w = theme_weights(POS_THEMES, boosts)
    bucket = "pro" if nps >= 9 else "pas" if nps >= 7 else "det"
    if chance(0.04):  # noise: the answer doesn't match the score
        bucket = pick(["pro", "pas", "det"])
    roll = R.random()
    if roll < 0.025:
        return ""
    if roll < 0.035:
        return pick(BLANK_ANSWERS)
    lang = REGION_LANG.get(region)
    if lang and chance(0.1):
        return foreign_text("neg" if bucket == "det" else "pos", lang)
    if bucket == "pro":
        r = R.random()
        if r < 0.35:
            text = short_list(pos_w, s, "pos")
        else:
            sents = []
            if chance(0.15):
                sents.append(journey_intro(s))
            sents += sentences(weighted(pos_w), s, R.choice([1, 1, 2]))
            if chance(0.08):
                sents.append(join_mixed(weighted(pos_w), weighted(neg_w), s))
            if chance(0.2):
                sents.append(one("advocacy", s))
            text = " ".join(sents)
        polarity = "pos"
    elif bucket == "pas":
        r = R.random()
        if r < 0.4:
            p = weighted(pos_w)
            text = join_mixed(p, other_stage_theme(p, list(neg_w)), s)
        elif r < 0.65:
            text = short_list(pos_w, s, "pos")
        elif r < 0.85:
            text = one("neutral", s, pick(["core", "short"]))
        else:
            text = short_list(neg_w, s, "neg")
        polarity = "neu"
    else:
        r = R.random()
        if r < 0.35:
            text = short_list(neg_w, s, "neg")
        else:
            name = weighted(neg_w)
            sents = []
            if THEMES[name].get("sarcasm") and chance(0.08):
                sents.append(one(name, s, "sarcasm"))
            sents += sentences(name, s, R.choice([1, 1, 2]))
            if nps >= 5 and chance(0.2):
                sents = [join_mixed(weighted(pos_w), name, s)]
            if chance(0.12):
                sents.append(one("detractor", s))
            text = " ".join(sents)
        polarity = "neg"
        if chance(0.05):
            return shout(text)
    if chance(0.18):
        text = casual(text)
    if chance(0.08):
        text = typo(text)
    if chance(0.05):
        text = add_emoji(text, "pos" if polarity == "pos" else "neg")
    return text


def make_survey():
    rows = []
    times = sorted(random_datetime() for _ in range(N_SURVEY))
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    for when in times:
        nps = weighted(NPS_WEIGHTS)
        region = weighted(REGIONS)
        plan = weighted({"Basic": 50, "Plus": 30, "Family": 20})
        s = Slots()
        rows.append({
            "response_id": "".join(R.choice(alphabet) for _ in range(12)),
            "submitted_at": when.strftime("%Y-%m-%d %H:%M:%S"),
            "nps_score": nps,
            SURVEY_QUESTION: survey_answer(nps, region, plan, when.date(), s),
            "plan": plan,
            "region": region,
        })
        finish_item("survey")
    return rows


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------

def write_csv(path, rows, fields):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    tickets = make_tickets()
    reviews = make_reviews()
    survey = make_survey()

    write_csv(OUT_DIR / "tickets.csv", tickets,
              ["ticket_id", "created_at", "channel", "subject", "description", "status",
               "priority", "customer_segment"])
    with open(OUT_DIR / "reviews.json", "w", encoding="utf-8") as f:
        json.dump(reviews, f, ensure_ascii=False, indent=2)
        f.write("\n")
    write_csv(OUT_DIR / "survey.csv", survey,
              ["response_id", "submitted_at", "nps_score", SURVEY_QUESTION, "plan", "region"])

    n_t, n_r, n_s = len(tickets), len(reviews["reviews"]), len(survey)
    print(f"tickets.csv   {n_t:5d} rows")
    print(f"reviews.json  {n_r:5d} reviews")
    print(f"survey.csv    {n_s:5d} rows")
    print(f"total         {n_t + n_r + n_s:5d} items")
    if "--stats" in sys.argv:
        print_stats()


def print_stats():
    """Items per theme and file (an item can mention several themes)."""
    names = sorted({name for _, name in THEME_COUNTS})
    print(f"\n{'theme':24s} {'tickets':>8s} {'reviews':>8s} {'survey':>8s} {'total':>6s}")
    for name in names:
        counts = [THEME_COUNTS.get((kind, name), 0) for kind in ("tickets", "reviews", "survey")]
        print(f"{name:24s} {counts[0]:8d} {counts[1]:8d} {counts[2]:8d} {sum(counts):6d}")


if __name__ == "__main__":
    main()
