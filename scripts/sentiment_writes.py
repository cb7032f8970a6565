"""Project-written training sentences for the fine-tuned sentiment encoder (round two).

Written for this project (MIT like the repository), not taken from any data set. They cover what the public sets
lack: polite closers attached to complaints, "still waiting", sarcasm, mixed praise + complaint, and plain
customer-service requests and facts. Imported by ``train_sentiment_encoder.py``; ``generate_writes()`` is
deterministic (fixed seed), so the training set, and therefore the model, is reproducible.

Labels are soft 3-class targets (negative, neutral, positive):
* complaint + polite closer / thanks  -> negative (a closer never outweighs the complaint)
* praise + complaint ("mixed")        -> mostly negative with some positive mass (0.7 / 0 / 0.3), so that the
  calibrated probabilities can flag the item as mixed while the label stays negative
* sarcasm                              -> negative
* requests, questions, facts           -> neutral
"""
from __future__ import annotations

import itertools
import random

NEG = (1.0, 0.0, 0.0)
NEU = (0.0, 1.0, 0.0)
POS = (0.0, 0.0, 1.0)
MIXED = (0.7, 0.0, 0.3)

_PROBLEMS = [
    "I'm still waiting for my refund", "my order still hasn't arrived", "nobody has replied to my email",
    "the app keeps logging me out", "I was charged twice for the same order", "the replacement is also broken",
    "I've been on hold for forty minutes", "my card still doesn't work", "the parcel was left in the rain",
    "the invoice is wrong again", "the delivery was missed for the second time", "the item arrived damaged",
    "I still haven't had the call back I was promised", "my account is still locked",
    "the fee was never refunded", "the technician didn't turn up", "the update broke the login",
    "the wrong size was sent", "my complaint has been ignored for two weeks", "the money has not reached my account",
    "the chat bot keeps going in circles", "the tracking hasn't moved in ten days", "I had to explain it four times",
    "the discount code was never applied", "the screen cracked within a week",
]
_WAIT = [
    "still waiting", "still no update", "still nothing", "still no refund", "still no reply",
    "still waiting on a response", "still no sign of the parcel", "still not fixed",
]
_DURATIONS = ["after three weeks", "after ten days", "after a month", "since Monday", "for over two weeks",
              "after five emails", "since the start of the month"]
_CLOSERS = [
    "Thanks.", "Thank you.", "Thanks in advance.", "Thanks for your help.", "Kind regards.", "Have a nice day.",
    "Appreciate it.", "Many thanks.", "Cheers.", "Thanks for listening.", "Best wishes.",
]
_OPENERS = [
    "Thanks for your help, but", "I appreciate the quick reply, but", "The agent was polite, but",
    "Thank you for getting back to me, however", "I know you're busy, but", "Your staff were friendly, but",
    "Hi, hope you're well, but",
]
_PRAISE = [
    "I love the app", "the staff are lovely", "the food was great", "delivery was quick", "the quality is excellent",
    "the design is beautiful", "the agent was really kind", "the price is fair", "the new feature is handy",
    "the fit is perfect",
]
_COMPLAINTS = [
    "billing is a mess", "the battery dies by lunchtime", "the service was painfully slow", "the refund took forever",
    "the app crashes every day", "customer service never answers", "the fabric tore after one wash",
    "the checkout keeps failing", "they lost my order", "the support chat is useless",
]
_SARCASM = [
    "Great, another week without my refund.", "Oh wonderful, the app crashed again.",
    "Fantastic service, only took six weeks to reply.", "Brilliant, charged twice and no one answers.",
    "Love how the tracking hasn't moved since Tuesday.", "Thanks for nothing.",
    "Well done, you've lost my parcel again.", "Amazing how nobody there can read an email.",
    "Just perfect, the third broken replacement in a row.", "Really impressive, on hold for an hour to be cut off.",
    "So glad I paid extra for next-day delivery that took a week.", "Oh good, another automated reply.",
    "What a surprise, the update broke everything again.", "Nice to know my complaint means so little.",
    "Superb, the wrong size again.", "Lovely, a delivery slot nobody turned up for.",
]
_REQUESTS = [
    "What time do you open on {day}?", "Can I change the delivery address for order {n}?",
    "How do I reset my password?", "Do you deliver to {place}?", "Is there a charge for paying by card?",
    "Could you send me a copy of the invoice for order {n}?", "How long does a bank transfer usually take?",
    "Can I add my partner to the account?", "Where do I find the returns form?",
    "Which plan includes international calls?", "Is the {item} available in a larger size?",
    "I'd like to update my phone number.", "Please cancel the newsletter subscription.",
    "Can I collect the order from the store instead?", "I placed order {n} on {day}.",
    "My account number ends in {n}.", "I'm moving house next month and need to change my address.",
    "Do you have a branch in {place}?", "What is the warranty on the {item}?",
    "How do I book an appointment online?", "I'm asking on behalf of my mother.",
    "The {item} was ordered through the app.", "Is the store open on bank holidays?",
    "Can I pay in instalments?", "I need a receipt for my expenses claim.",
]
_DAYS = ["Sunday", "Saturday", "Monday", "Friday", "Boxing Day"]
_PLACES = ["Ireland", "Leeds", "the Isle of Wight", "Germany", "Cardiff"]
_ITEMS = ["jacket", "kettle", "laptop", "sofa", "phone case", "dress", "router"]
_POSITIVE = [
    "Thanks so much, the refund came through today.", "Sorted in five minutes, brilliant service.",
    "The agent fixed it on the first call, really pleased.", "Love the new update, it's much faster.",
    "Delivery was a day early, great job.", "Really helpful staff, thank you.", "Best support I've had from any bank.",
    "The replacement arrived quickly and works perfectly.", "Easy to use and does exactly what I need.",
    "Great value and lovely quality.", "Very happy with how quickly you responded.",
    "Finally got it resolved, thanks to Sam on the chat.", "Smooth checkout and fast delivery, will order again.",
]


def generate_writes(seed: int = 11) -> list[tuple[str, tuple[float, float, float]]]:
    """Deterministic list of (sentence, soft target (neg, neu, pos))."""
    rnd = random.Random(seed)
    out: list[tuple[str, tuple[float, float, float]]] = []
    # complaint + polite closer (and a few with the closer first)
    for p in _PROBLEMS:
        for c in rnd.sample(_CLOSERS, 3):
            out.append((f"{p[0].upper()}{p[1:]}. {c}", NEG))
        o = rnd.choice(_OPENERS)
        out.append((f"{o} {p}.", NEG))
    # "still waiting" with durations
    for w, d in itertools.product(_WAIT, _DURATIONS):
        if rnd.random() < 0.45:
            out.append((f"{w[0].upper()}{w[1:]} {d}.", NEG))
    for p in rnd.sample(_PROBLEMS, 12):
        out.append((f"{p[0].upper()}{p[1:]} {rnd.choice(_DURATIONS)}.", NEG))
    # mixed: praise + complaint, both orders
    for pr, co in itertools.product(_PRAISE, _COMPLAINTS):
        r = rnd.random()
        if r < 0.12:
            out.append((f"{pr[0].upper()}{pr[1:]} but {co}.", MIXED))
        elif r < 0.2:
            out.append((f"{co[0].upper()}{co[1:]}, although {pr}.", MIXED))
    # sarcasm
    out += [(s, NEG) for s in _SARCASM]
    # neutral requests and facts
    for t in _REQUESTS:
        for _ in range(2):
            out.append((t.format(day=rnd.choice(_DAYS), place=rnd.choice(_PLACES), item=rnd.choice(_ITEMS),
                                 n=rnd.randint(10000, 99999)), NEU))
    out += [(s, POS) for s in _POSITIVE]
    seen: set[str] = set()
    uniq = []
    for t, y in out:
        if t not in seen:
            seen.add(t)
            uniq.append((t, y))
    return uniq


if __name__ == "__main__":
    w = generate_writes()
    from collections import Counter

    print(len(w), Counter(y for _, y in w))
    for t, y in w[::25]:
        print(y, t)
