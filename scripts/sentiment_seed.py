"""Project-written training sentences for the sentiment head (written for this project, not taken from any data
set; MIT like the repository). Imported by ``train_sentiment.py``."""
from __future__ import annotations

import itertools
import random

# Project-written seed sentences (written for this project, not taken from any data set): they give the head
# customer-service examples of every class, so that "support vocabulary" is not learned as "negative".
SEED_SENTENCES = {
    "positive": [
        "The agent was friendly and sorted it out in minutes.", "Great service, thank you so much for the quick fix.",
        "Support were brilliant and answered straight away.", "The refund came through the next day, very impressed.",
        "Really easy to set up my account.", "The app is fast and simple to use.", "Love the new app update.",
        "Delivery was early and the driver was lovely.", "Everything arrived on time and well packed.",
        "Checkout was quick and painless.", "The courier was polite and careful with the parcel.",
        "Customer service went above and beyond.", "She listened, apologised and fixed it on the first call.",
        "Very happy with how my complaint was handled.", "The replacement arrived within two days, great job.",
        "Returns were simple and the money was back quickly.", "Best customer service I have had in years.",
        "The chat assistant solved my problem immediately.", "I was really pleased with the support I got.",
        "Excellent communication from start to finish.", "Five stars, will definitely order again.",
        "The product works perfectly and looks great.", "Good value and it does exactly what it says.",
        "Installation was straightforward and the instructions were clear.", "The website is clean and easy to navigate.",
        "My order was tracked the whole way and turned up as promised.", "They called me back when they said they would.",
        "The technician was on time and very professional.", "Really smooth experience overall.",
        "Booking the appointment online took a minute.", "The staff were helpful and patient with me.",
        "Quality is excellent for the price.", "I'm satisfied with the outcome.", "The issue was resolved quickly.",
        "Thanks to Priya for being so helpful on the phone.", "Payment went through with no hassle.",
        "Super quick response, much appreciated.", "It has made my life so much easier.",
        "The new feature is really useful.", "Amazing support team, they really care.",
        "The battery lasts all day, very happy with it.", "Honestly the easiest return I have ever done.",
        "The login is quick now and the app feels snappy.", "Kept me updated at every step, brilliant.",
        "The subscription is good value and easy to pause.", "I would recommend them to anyone.",
        "Got my money back without any fuss.", "The sofa is solid and looks lovely.",
        "Fast shipping and great packaging.", "The agent made it right and even added a discount.",
    ],
    "neutral": [
        "I ordered a table and two chairs last week.", "How do I change the email address on my account?",
        "Can I pay by bank transfer?", "What are your opening hours on Sunday?", "I would like to update my delivery address.",
        "My order number is 48213.", "Is it possible to add a second user to the plan?", "I called on Monday about my order.",
        "Where can I find my invoice?", "Please send the receipt to my work email.", "I use the app on an Android phone.",
        "The parcel was delivered by a courier.", "I bought it as a gift for my mother.", "Do you ship to Ireland?",
        "I have a question about the warranty.", "The package contained the item and a leaflet.",
        "I'm writing about my recent order.", "Can you tell me when the sale ends?", "I switched to the monthly plan in May.",
        "We mainly use it for video calls and email.", "The order was placed through the website.",
        "Which size should I choose for a 90cm chest?", "I spoke to someone on the phone yesterday.",
        "My account is under my husband's name.", "It comes in blue, grey and black.", "I'd like to know the delivery options.",
        "The meeting was moved to Thursday.", "Is there a student discount?", "I upgraded the app this morning.",
        "The store is next to the train station.",
    ],
    "negative": [
        "I have been on hold for an hour.", "Nobody has got back to me about my refund.",
        "The agent hung up on me.", "I was charged twice and still have no refund.",
        "The app crashes every time I open it.", "My parcel never arrived.", "I've emailed three times with no answer.",
        "The item arrived broken.", "The driver left it in the rain.", "I keep getting passed from one department to another.",
        "I was promised a call back that never came.", "The checkout keeps failing at payment.",
        "They cancelled my order without telling me.", "The website is slow and confusing.",
        "Really disappointed with the service this time.", "The replacement is faulty as well.",
        "It took four weeks to get my money back.", "Support just sends copy-paste replies.",
        "I can't log in since the update.", "The delivery slot was missed and no one called.",
        "The fees were never explained to me.", "I'm fed up with chasing this.", "The product stopped working after a week.",
        "The staff were rude and unhelpful.", "I'm still waiting for someone to fix it.", "The instructions are useless.",
        "My complaint was closed without a reply.", "The price went up without warning.",
        "The chat bot keeps going round in circles.", "I want to cancel my subscription, this is a joke.",
    ],
}


# Project-written sentences, v2 (written for this project, not taken from any data set): a few hundred varied
# NEUTRAL sentences (plain narrative "I ordered a lamp on Tuesday", questions, requests, factual product
# statements) -- the v1 head had almost no clean neutral signal -- and positive / negative opinion sentences
# about aspects of products, restaurants, hotels and services ("The battery life is terrible.", negated
# praise), so that polarity is learned apart from the clothing / banking topics.

_G_ITEMS = ["lamp", "sofa", "laptop", "phone case", "coffee machine", "jacket", "pair of boots", "desk chair",
          "printer", "kettle", "rug", "backpack", "monitor", "blender", "mattress", "watch", "headset", "tent",
          "bike helmet", "dress", "router", "vacuum cleaner", "bookshelf", "tablet", "camera bag"]
_G_WHEN = ["on Tuesday", "last week", "yesterday", "in March", "two weeks ago", "on Friday evening", "this morning",
         "at the weekend", "before Christmas", "in the summer sale", "a month ago", "on my lunch break"]
_G_WHO = ["I", "We", "My wife", "My husband", "My son", "My daughter", "My colleague", "My partner", "My mum"]
_G_VERB = ["ordered", "bought", "picked up", "received", "returned", "exchanged", "reserved", "paid for"]
_G_PURPOSE = ["for work", "for my son's room", "as a birthday present", "for the new flat", "for travelling",
            "for the office", "to replace an old one", "for university", "for the garden", "for my parents"]
_G_FACT_VERB = [("comes in", ["black and grey", "three sizes", "a cardboard box", "two colours", "a 2-pack"]),
              ("has", ["two USB ports", "a removable cover", "a 15-inch screen", "a metal frame", "four settings",
                       "a zip pocket", "a one-year warranty"]),
              ("is made of", ["cotton", "oak", "aluminium", "recycled plastic", "polyester", "steel"]),
              ("runs on", ["Windows", "two AA batteries", "mains power", "Android", "a rechargeable battery"]),
              ("weighs", ["about two kilos", "under a kilo", "around 800 grams", "five pounds"])]
_G_QUESTIONS = ["How do I {a}?", "Can I {a}?", "Is it possible to {a}?", "Where can I {a}?", "Do I need to {a}?",
              "Could you tell me how to {a}?", "What is the best way to {a}?", "I'd like to {a}.",
              "I need to {a}.", "Please could you {a2}?"]
_G_ACTIONS = [("change my delivery address", "change my delivery address"), ("update my email", "update my email"),
            ("add a second user", "add a second user"), ("download my invoice", "send me the invoice"),
            ("track my order", "send me the tracking number"), ("pay by bank transfer", "confirm the payment method"),
            ("book a delivery slot", "book a delivery slot"), ("reset my password", "reset my password"),
            ("switch to the annual plan", "switch me to the annual plan"), ("collect it from the store", "hold it for collection"),
            ("order a spare part", "order a spare part"), ("change the size", "change the size"),
            ("link my loyalty card", "link my loyalty card"), ("move the appointment to Thursday", "move the appointment to Thursday"),
            ("get a copy of the receipt", "email me a copy of the receipt"), ("export my data", "export my data"),
            ("use the voucher online", "apply the voucher"), ("set up direct debit", "set up direct debit")]
_G_NEUTRAL_HAND = [
    "I ordered a lamp on Tuesday.", "The order number is 55120.", "My account is registered to my old email.",
    "We went there on a Saturday night with four friends.", "We ordered the set menu and a bottle of water.",
    "I had the chicken and my friend had the pasta.", "The restaurant is on the corner of the high street.",
    "They open at six for dinner.", "We sat by the window.", "The menu changes every season.",
    "I booked a table for two through the website.", "We came for brunch after a walk in the park.",
    "The laptop came with Windows preinstalled.", "I use it mainly for email and spreadsheets.",
    "It has 8GB of memory and a 256GB drive.", "I bought it for university last September.",
    "I upgraded the memory myself.", "The charger plugs in on the left side.", "I mostly use it with an external monitor.",
    "The keyboard has a number pad.", "I installed the latest update last night.", "It is my second laptop from this brand.",
    "The hotel is ten minutes from the station.", "We stayed three nights in a double room.", "Breakfast is served from seven.",
    "I called the helpline on Monday morning.", "I spoke to an agent called Sam.", "The technician is booked for Friday.",
    "I'm writing about order 7731.", "This is my first order with you.", "The parcel went to my neighbour's address.",
    "I paid with a credit card.", "I switched from the basic plan last month.", "We use the app to share lists.",
    "The delivery is booked for the 14th.", "The form asks for a reference number.", "My name is on the booking.",
    "I'm 5'6 and usually wear a medium.", "I ordered the blue one in a size 10.", "It is a gift for my sister.",
    "I wear it to the office.", "The fabric is a cotton blend.", "The model in the photo is wearing a small.",
    "I'm asking on behalf of my father.", "Which plan includes international calls?", "Does the price include VAT?",
    "What time does the store close today?", "Is the warranty transferable?", "Do you deliver on Sundays?",
    "Are the sizes European or UK?", "How long does a refund normally take?", "When is the next delivery window?",
    "Which charger does this model use?", "Is there parking nearby?", "Do you take reservations?",
    "Can the strap be replaced?", "Does it work with a Mac?", "How many people can it seat?", "Is this the 2023 model?",
    "I'm comparing it with the older version.", "I read the reviews before buying.", "I had been looking for one for a while.",
    "I ordered it after seeing an advert.", "I picked the standard delivery option.", "We moved house in April.",
    "The box had a return label inside.", "The manual is in four languages.", "It needs to be assembled.",
    "It arrived in two boxes.", "The courier delivered it to the front desk.", "The account was opened in 2019.",
    "I have two cards on the account.", "The meeting is at three o'clock.", "I'm travelling abroad next week.",
    "The invoice is attached.", "Here are the photos you asked for.", "I have a question about my bill.",
    "I'm contacting you about the upgrade.", "My reference is in the subject line.", "I checked the FAQ page.",
    "The screen is 13 inches.", "It comes with a charging cable.", "The menu has vegetarian options.",
    "The portions are served on sharing plates.", "We ordered starters and mains.", "The waiter took our order at eight.",
    "The kitchen closes at ten.", "They also do takeaway.", "I ordered delivery through an app.",
    "The software updates automatically.", "The trackpad supports gestures.", "It has an HDMI port and two USB-C ports.",
    "I run Linux on it.", "I use it for photo editing.", "The battery is rated for ten hours.",
    "The store had it in stock.", "I tried it on in the shop first.", "I ordered two sizes to compare.",
    "The sleeves are three-quarter length.", "The dress has a side zip.", "The jeans are a straight cut.",
]
_G_POS_ADJ = ["great", "excellent", "delicious", "fantastic", "really good", "lovely", "superb", "outstanding", "perfect",
            "impressive", "friendly", "fast", "comfortable", "reliable", "beautiful", "brilliant", "amazing", "very good"]
_G_NEG_ADJ = ["terrible", "awful", "slow", "bland", "disappointing", "rude", "overpriced", "poor", "cold", "noisy",
            "unreliable", "flimsy", "dreadful", "mediocre", "horrible", "cramped", "greasy", "frustrating"]
_G_ASPECTS = ["food", "service", "staff", "battery life", "screen", "keyboard", "delivery", "price", "atmosphere",
            "customer support", "sound quality", "build quality", "fabric", "fit", "app", "room", "coffee",
            "pizza", "dessert", "performance", "display", "waiter", "checkout", "installation", "setup"]
_G_POS_HAND = [
    "Highly recommend this place.", "I would definitely go back.", "Worth every penny.", "Best purchase I've made this year.",
    "I love how light it is.", "The food came out quickly and tasted fresh.", "Our waiter was attentive and funny.",
    "It boots up in seconds.", "The screen is bright and sharp.", "Everything was cooked perfectly.",
    "It fits like a glove.", "The colours are gorgeous.", "Great value for money.", "Can't fault it.",
    "We had a wonderful evening.", "The staff made us feel welcome.", "It runs smoothly even with many tabs open.",
    "Exactly what I needed.", "A real pleasure to use.", "Five stars from me.",
]
_G_NEG_HAND = [
    "I would not go back.", "Avoid this place.", "Not worth the money.", "Waste of money.", "The worst meal I've had in ages.",
    "The fan is loud and it overheats.", "We waited an hour for our food.", "The waiter ignored us all evening.",
    "It stopped charging after two months.", "The screen cracked within a week.", "The food was cold when it arrived.",
    "It doesn't fit at all.", "The seams came apart after one wash.", "Total rip-off.", "Never ordering from them again.",
    "The battery barely lasts two hours.", "The portions were tiny for the price.", "The room smelled of smoke.",
    "It freezes every few minutes.", "I regret buying it.",
]
_G_NEG_NEGATED = ["good", "great", "worth it", "friendly", "comfortable", "reliable", "fast", "tasty", "helpful", "impressive"]


def generate_seed(seed: int = 7) -> dict[str, list[str]]:
    """Project-written sentences v2 (~590): hand-written lists plus template combinations of the word lists above."""
    rng = random.Random(seed)
    neutral = list(_G_NEUTRAL_HAND)
    for who, verb, when in rng.sample(list(itertools.product(_G_WHO, _G_VERB, _G_WHEN)), 90):
        item = rng.choice(_G_ITEMS)
        tail = rng.choice(["", " " + rng.choice(_G_PURPOSE)])
        neutral.append(f"{who} {verb} {'an' if item[0] in 'aeiou' else 'a'} {item} {when}{tail}.")
    for (verb, objs), item in rng.sample(list(itertools.product(_G_FACT_VERB, _G_ITEMS)), 60):
        neutral.append(f"The {item} {verb} {rng.choice(objs)}.")
    for q, (a, a2) in rng.sample(list(itertools.product(_G_QUESTIONS, _G_ACTIONS)), 80):
        neutral.append(q.format(a=a, a2=a2))
    pos = list(_G_POS_HAND)
    neg = list(_G_NEG_HAND)
    for asp, adj in rng.sample(list(itertools.product(_G_ASPECTS, _G_POS_ADJ)), 90):
        pos.append(rng.choice(["The {a} was {j}.", "The {a} is {j}.", "Really {j} {a}.", "{A} was {j}!",
                               "I found the {a} {j}."]).format(a=asp, A=asp.capitalize(), j=adj))
    for asp, adj in rng.sample(list(itertools.product(_G_ASPECTS, _G_NEG_ADJ)), 90):
        neg.append(rng.choice(["The {a} was {j}.", "The {a} is {j}.", "Really {j} {a}.", "{A} was {j}.",
                               "I found the {a} {j}."]).format(a=asp, A=asp.capitalize(), j=adj))
    for asp, adj in rng.sample(list(itertools.product(_G_ASPECTS, _G_NEG_NEGATED)), 40):
        neg.append(rng.choice(["The {a} was not {j}.", "The {a} isn't {j} at all.", "The {a} wasn't very {j}."]
                              ).format(a=asp, j=adj))
    return {"positive": list(dict.fromkeys(pos)), "neutral": list(dict.fromkeys(neutral)),
            "negative": list(dict.fromkeys(neg))}
