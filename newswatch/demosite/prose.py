"""Seeded English news prose: headlines, standfirsts, paragraphs, names."""
from __future__ import annotations

import random
import re

SECTIONS = ("politics", "business", "science", "world", "technology", "health")

FIRST = ("Amelia", "James", "Priya", "Daniel", "Sofia", "Marcus", "Hannah", "Tomás", "Grace",
         "Oliver", "Leila", "Samuel", "Chloe", "Ibrahim", "Nora", "Lucas", "Maya", "Felix",
         "Ruth", "Kwame", "Elena", "Patrick", "Yuki", "Aisha")
LAST = ("Whitfield", "Okafor", "Brennan", "Castillo", "Lindqvist", "Harrow", "Mensah", "Duarte",
        "Kowalski", "Fairbanks", "Nakamura", "Osei", "Delacroix", "Thornton", "Varga", "Ellison",
        "Rahman", "Calloway", "Moreau", "Pemberton", "Achebe", "Sorensen", "Quinlan", "Ward")
AUTHORS = ("Helen Marsh", "David Okoro", "Clara Jensen", "Rafael Ortiz", "Sarah Whitlock",
           "Michael Tran", "Fiona Gallagher", "Anil Mehta", "Laura Bianchi", "Tom Radcliffe",
           "Grace Adeyemi", "Peter Holm", "Julia Novak", "Ben Carver", "Ayesha Siddiqui",
           "Robert Lang")
PLACES = ("Riverton", "Lisbon", "Glasgow", "Nairobi", "Denver", "Oslo", "Manchester", "Seville",
          "Halifax", "Adelaide", "Kraków", "Porto", "Leeds", "Montreal", "Accra", "Bristol")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

VOCAB = {
    "politics": dict(
        org=("the Treasury", "the Senate", "the opposition", "the Home Office", "City Hall",
             "the election commission", "the cabinet", "the transport committee"),
        topic=("housing bill", "budget", "tax reform", "immigration plan", "pension reform",
               "voting law", "childcare package", "rail strategy", "planning overhaul"),
        role=("minister", "senator", "council leader", "party spokesperson", "chief whip")),
    "business": dict(
        org=("Northwind Group", "Harbor Bank", "Meridian Foods", "Atlas Freight",
             "Crestline Energy", "the central bank", "Bluewater Retail", "Sterling Motors"),
        topic=("quarterly earnings", "merger", "interest rate decision", "supply chain",
               "wage deal", "share buyback", "takeover bid", "store closures", "price rise"),
        role=("chief executive", "analyst", "finance director", "economist", "union official")),
    "science": dict(
        org=("the national space agency", "Kingsbridge University", "the Marine Institute",
             "the Royal Observatory", "the Climate Research Unit", "the genome centre"),
        topic=("climate study", "vaccine trial", "telescope survey", "coral reef study",
               "fusion experiment", "drought forecast", "fossil discovery", "satellite launch"),
        role=("researcher", "professor", "lead author", "climatologist", "astronomer")),
    "world": dict(
        org=("the United Nations", "the European Commission", "the World Bank",
             "the foreign ministry", "the Red Cross", "the African Union", "the coastguard"),
        topic=("ceasefire talks", "trade agreement", "border dispute", "aid convoy",
               "flood response", "election result", "refugee plan", "peace summit"),
        role=("ambassador", "envoy", "aid worker", "foreign minister", "observer")),
    "technology": dict(
        org=("Lumen Labs", "Parallax Systems", "the data protection regulator", "Orbit Mobile",
             "Quarry Software", "the telecoms watchdog", "Helix Robotics"),
        topic=("chip shortage", "data breach", "AI model", "broadband rollout", "app store rules",
               "battery plant", "privacy fine", "software update", "satellite network"),
        role=("engineer", "product manager", "security researcher", "regulator", "founder")),
    "health": dict(
        org=("the health service", "St Bride's Hospital", "the medicines agency",
             "the nursing union", "the public health agency", "Westfield Clinic"),
        topic=("waiting lists", "flu season", "cancer screening", "mental health funding",
               "drug shortage", "hospital strike", "dental access", "maternity review"),
        role=("consultant", "nurse", "health secretary", "epidemiologist", "GP")),
}

HEADLINES = (
    "{Org} unveils {topic} as pressure mounts in {place}",
    "{Last} warns {topic} could cost {money}",
    "{Topic} delayed after {n} months of talks",
    "Inside the fight over {place}'s {topic}",
    "Why the {topic} matters more than ever",
    "{Org} faces questions over {topic}",
    "Anger grows in {place} over {topic}",
    "{Org} backs {topic} despite {n} objections",
    "What the {topic} means for families in {place}",
    "{Last} quits over handling of {topic}",
    "{Topic}: {org} promises answers by {day}",
    "Campaigners in {place} criticise {topic}",
    "{Org} admits mistakes in {topic}",
    "{Topic} could reshape {place}, report says",
    "{Pct} of residents oppose {topic}, survey finds",
    "{Org} clashes with campaigners over {topic}",
)

SENTENCES = (
    "{Org} said on {day} that the {topic} would go ahead despite growing opposition.",
    "The {topic} is expected to cost about {money} over the next {n} years.",
    "According to figures published by {org}, {pct} of those surveyed in {place} supported the plan.",
    "Critics say the {topic} was rushed through without proper consultation.",
    "{Person}, a {role} at {org}, said the decision had been taken after months of careful review.",
    "However, officials declined to say when a final decision would be announced.",
    "The government has been under pressure to act since the {topic} was first proposed in {place}.",
    "More than {big} people have signed a petition calling for the plan to be scrapped.",
    "Local businesses in {place} said they had received little information about the changes.",
    "{Person} said the proposals did not go far enough and called for an independent review.",
    "The {topic} comes at a difficult time for {org}, which has faced criticism over its finances.",
    "Officials said they expected to publish more details within {n} weeks.",
    "The number of complaints rose by {pct} last year, according to {org}.",
    "Some residents in {place} said they were worried about what the changes would mean for them.",
    "{Org} said it remained committed to working with communities affected by the {topic}.",
    "It is the {ordinal} time in {n} years that the issue has reached this stage.",
    "Supporters argue the {topic} will bring long-term benefits to the whole region.",
    "A spokesperson for {org} said the plans were still being finalised.",
    "The announcement was welcomed by some, although others said it was too little, too late.",
    "Their concerns were echoed by {person}, who said the timetable was unrealistic.",
    "Analysts said the outcome would depend on whether funding of {money} was approved.",
    "The changes are due to take effect on {day} {date} {month}.",
    "{Person} told reporters the situation was being monitored closely.",
    "A report published last month found that {pct} of projects were running behind schedule.",
    "Because of the delay, hundreds of families in {place} have been left waiting for answers.",
    "The {topic} has divided opinion among experts, who disagree about its likely impact.",
)

QUOTES = (
    "We have been clear from the start that this needs to work for everyone",
    "It is too early to say what the long-term effects will be",
    "People deserve honest answers, and they deserve them now",
    "This is a significant step, but there is still a great deal of work to do",
    "Nobody wants to see this drag on for another year",
    "We will look carefully at the evidence before making any decision",
    "The figures speak for themselves",
    "I think most people simply want to know what happens next",
)

SUBHEADS = ("What happens next", "A long road", "Reaction in {place}", "The numbers behind it",
            "Questions remain", "Mixed response", "How we got here", "What critics say")

STANDFIRSTS = (
    "The {topic} has divided opinion in {place}, with {org} promising a decision within {n} weeks.",
    "{Org} insists the {topic} will go ahead, but critics say key questions remain unanswered.",
    "Figures seen by Demo Daily suggest the {topic} could cost far more than first thought.",
    "Residents in {place} say they feel ignored as the row over the {topic} deepens.",
)

UPDATES = (
    "{Org} said on {day} evening that it would respond to the concerns in full.",
    "This article has been updated to include a response from {org}.",
    "{Person} later said the figures quoted earlier had been provisional.",
    "A further statement from {org} is expected on {day}.",
)

COMMENTS = ("Great article, thanks for covering this.", "Nobody asked the people who actually live here.",
            "The numbers don't add up, in my opinion.", "Finally some proper reporting on this.",
            "I'd like to see a follow-up in six months.", "Same story every year, nothing changes.")

TYPOS = {"government": "goverment", "received": "recieved", "their": "thier", "said": "siad",
         "which": "whcih", "because": "becuase", "people": "peolpe", "would": "woudl",
         "decision": "descision", "business": "buisness"}

REWORDS = ((" said on ", " announced on "), (" said the ", " stated that the "),
           ("according to", "citing"), ("cost about ", "cost roughly "), ("More than ", "Over "),
           ("However, ", "Still, "), ("expected to", "likely to"), ("told reporters", "told journalists"),
           ("were worried", "were concerned"), ("the plan", "the proposal"), ("last year", "in the past year"),
           ("within ", "in the next "), ("Critics say", "Opponents argue"), ("welcomed", "praised"))

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
ORDINALS = ("second", "third", "fourth", "fifth")


def fill(template: str, rng: random.Random, section: str, story: dict[str, str] | None = None) -> str:
    """Fill one template's {slots} with seeded section vocabulary; `story` pins org/topic/place."""
    vocab = VOCAB[section]
    values: dict[str, str] = dict(story) if story else {}
    for slot in slots(template):
        value = values.get(slot.lower()) or SLOT_MAKERS[slot.lower()](rng, vocab)
        values[slot.lower()] = value
        values[slot] = capital(value) if slot[0].isupper() else value
    text = template.format_map(values)
    return AN.sub(r"\1n ", text) if needs_article_fix(template) else text


_ARTICLE_FIX: dict[str, bool] = {}


def needs_article_fix(template: str) -> bool:
    """Whether 'a {slot}' may need to become 'an ...' (cached)."""
    if template not in _ARTICLE_FIX:
        _ARTICLE_FIX[template] = bool(re.search(r"\b[Aa] {", template))
    return _ARTICLE_FIX[template]


AN = re.compile(r"\b([Aa]) (?=[aeioAEIO])")


_SLOTS: dict[str, tuple[str, ...]] = {}


def slots(template: str) -> tuple[str, ...]:
    """The slot names used by a template (cached)."""
    if template not in _SLOTS:
        _SLOTS[template] = tuple(dict.fromkeys(re.findall(r"{(\w+)}", template)))
    return _SLOTS[template]


def person(rng: random.Random, vocab: dict) -> str:
    """A fictional full name."""
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


SLOT_MAKERS = {
    "org": lambda rng, v: rng.choice(v["org"]),
    "topic": lambda rng, v: rng.choice(v["topic"]),
    "role": lambda rng, v: rng.choice(v["role"]),
    "person": person,
    "last": lambda rng, v: rng.choice(LAST),
    "place": lambda rng, v: rng.choice(PLACES),
    "day": lambda rng, v: rng.choice(DAYS),
    "n": lambda rng, v: str(rng.randint(2, 14)),
    "big": lambda rng, v: f"{rng.randint(2, 95) * 1000 + rng.randint(1, 9) * 100:,}",
    "pct": lambda rng, v: f"{rng.randint(8, 79)}%",
    "money": lambda rng, v: money(rng),
    "month": lambda rng, v: rng.choice(MONTHS),
    "date": lambda rng, v: str(rng.randint(1, 28)),
    "ordinal": lambda rng, v: rng.choice(ORDINALS),
}


def money(rng: random.Random) -> str:
    """A plausible sum of money, e.g. '£4.2bn' or '$350m'."""
    unit = rng.choice(("m", "bn"))
    amount = rng.randint(12, 950) if unit == "m" else rng.randint(11, 99) / 10
    return f"{rng.choice('£$€')}{amount}{unit}"


def capital(text: str) -> str:
    """Upper-case the first letter only."""
    return text[:1].upper() + text[1:]


def story(rng: random.Random, section: str) -> dict[str, str]:
    """What one article is about: its organisation, topic and place."""
    vocab = VOCAB[section]
    return {"org": rng.choice(vocab["org"]), "topic": rng.choice(vocab["topic"]),
            "place": rng.choice(PLACES)}


def headline(rng: random.Random, section: str, about: dict[str, str] | None = None) -> str:
    """A newspaper headline."""
    return fill(rng.choice(HEADLINES), rng, section, about)


def standfirst(rng: random.Random, section: str, about: dict[str, str] | None = None) -> str:
    """A one-sentence summary under the headline."""
    return fill(rng.choice(STANDFIRSTS), rng, section, about)


def paragraph(rng: random.Random, section: str, about: dict[str, str] | None = None,
              deck: list[str] | None = None) -> str:
    """A paragraph of 2-4 sentences, sometimes opening with a quote; `deck` avoids repeats."""
    deck = deck if deck is not None else []
    sentences = [fill(deal(deck, rng), rng, section, about) for _ in range(rng.randint(2, 4))]
    if rng.random() < 0.25:
        who = fill("{person}, a {role} at {org}", rng, section)
        sentences.insert(0, f"\u201c{rng.choice(QUOTES)},\u201d said {who}.")
    return " ".join(sentences)


def deal(deck: list[str], rng: random.Random) -> str:
    """Next sentence template from a shuffled deck, reshuffled when empty."""
    if not deck:
        deck.extend(SENTENCES)
        rng.shuffle(deck)
    return deck.pop()


def body_blocks(rng: random.Random, section: str, about: dict[str, str]) -> list[tuple[str, str]]:
    """Article body as (kind, text) blocks: kinds p, h3, blockquote, li."""
    count, deck = rng.randint(6, 14), []
    blocks = [("p", paragraph(rng, section, about, deck)) for _ in range(count)]
    for _ in range(rng.randint(0, 2)):
        subhead = fill(rng.choice(SUBHEADS), rng, section, about)
        blocks.insert(rng.randint(2, len(blocks) - 1), ("h3", subhead))
    if rng.random() < 0.4:
        blocks.insert(rng.randint(3, len(blocks) - 1), ("blockquote", f"\u201c{rng.choice(QUOTES)}.\u201d"))
    if rng.random() < 0.3:
        at = rng.randint(2, len(blocks) - 1)
        items = [("li", fill(t, rng, section, about)) for t in rng.sample(SENTENCES, rng.randint(3, 4))]
        blocks[at:at] = items
    ensure_number(blocks, rng, section)
    return blocks


def ensure_number(blocks: list[tuple[str, str]], rng: random.Random, section: str) -> None:
    """Make sure some paragraph has a correctable number in it."""
    if not any(kind == "p" and NUMBER.search(text) for kind, text in blocks):
        extra = fill("The {topic} is expected to cost about {money} over the next {n} years.", rng, section)
        blocks[0] = ("p", f"{blocks[0][1]} {extra}")


NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})*|\d+)(\.\d+)?(?![\d,]*\d)")


def add_typo(blocks: list[tuple[str, str]], rng: random.Random) -> dict[str, str] | None:
    """Misspell one word in one paragraph; return {'wrong', 'right'} or None."""
    order = [i for i, (kind, _) in enumerate(blocks) if kind == "p"]
    rng.shuffle(order)
    for i in order:
        for right in rng.sample(sorted(TYPOS), len(TYPOS)):
            pattern = re.compile(rf"\b{right}\b")
            if pattern.search(blocks[i][1]):
                blocks[i] = ("p", pattern.sub(TYPOS[right], blocks[i][1], count=1))
                return {"wrong": TYPOS[right], "right": right}
    return None


def bio(name: str, section: str, rng: random.Random) -> str:
    """A short author biography."""
    first = name.split()[0]
    return (f"{name} is Demo Daily's {section} correspondent. {first} has covered "
            f"{section} for {rng.randint(3, 21)} years and previously worked at "
            f"The {rng.choice(PLACES)} Courier.")
