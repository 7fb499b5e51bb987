"""PEMAT-P, the health-literacy check a reviewer records for the patient and caregiver texts.

AHRQ's Patient Education Materials Assessment Tool for printable materials (PEMAT-P) rates a
material on two scores: understandability (can readers of any background and health literacy
follow it?) and actionability (can they tell what to do?). Each item is rated Agree (1) or
Disagree (0), and some may be rated Not applicable, each for a stated reason (no numbers, no
visual aids, a very short text ...). A score is the Agree ratings as a percentage of the items
rated Agree or Disagree: items rated Not applicable leave the denominator. AHRQ reads a score
under 70 % as hard to understand, or hard to act on.

The items below follow the published tool's numbering and criteria for printable materials
(items 13 and 14 are for audiovisual materials only and are left out), worded here in our own
words. Pure data and arithmetic, no database: `articles.workflow.pemat` records a reviewer's
ratings on a review event, and the approval gate reads them.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

AGREE, DISAGREE, NOT_APPLICABLE = "agree", "disagree", "na"
RATINGS = {AGREE: "Agree", DISAGREE: "Disagree", NOT_APPLICABLE: "Not applicable"}
UNDERSTANDABILITY, ACTIONABILITY = "understandability", "actionability"
DOMAINS = {UNDERSTANDABILITY: "Understandability", ACTIONABILITY: "Actionability"}
THRESHOLD = 70  # per cent: a score under it means readers will struggle


@dataclass(frozen=True)
class Item:
    number: int
    domain: str
    topic: str
    text: str
    # When Not applicable may be chosen ("" = never: the item applies to every material).
    not_applicable_when: str = ""

    @property
    def allows_not_applicable(self):
        return bool(self.not_applicable_when)


ITEMS = (
    Item(1, UNDERSTANDABILITY, "Content", "It is plain straight away what the text is for."),
    Item(
        2,
        UNDERSTANDABILITY,
        "Content",
        "Nothing in it pulls the reader away from that purpose.",
    ),
    Item(3, UNDERSTANDABILITY, "Word choice and style", "It uses everyday words."),
    Item(
        4,
        UNDERSTANDABILITY,
        "Word choice and style",
        "Medical words appear only where readers need to learn them, and each is explained.",
    ),
    Item(
        5,
        UNDERSTANDABILITY,
        "Word choice and style",
        "Its sentences are in the active voice.",
    ),
    Item(
        6,
        UNDERSTANDABILITY,
        "Use of numbers",
        "Its numbers are clear and easy to follow.",
        not_applicable_when="the text has no numbers",
    ),
    Item(
        7,
        UNDERSTANDABILITY,
        "Use of numbers",
        "Readers are not left to do any sums themselves.",
    ),
    Item(
        8,
        UNDERSTANDABILITY,
        "Organization",
        "The information comes in short sections.",
        not_applicable_when="the text is very short",
    ),
    Item(
        9,
        UNDERSTANDABILITY,
        "Organization",
        "Each section has a heading that says what it holds.",
        not_applicable_when="the text is very short",
    ),
    Item(
        10,
        UNDERSTANDABILITY,
        "Organization",
        "The information comes in an order that makes sense.",
    ),
    Item(
        11,
        UNDERSTANDABILITY,
        "Organization",
        "It sums up its key points.",
        not_applicable_when="the text is very short",
    ),
    Item(
        12,
        UNDERSTANDABILITY,
        "Layout and design",
        "Visual cues (boxes, bullets, bold type, larger type, highlighting) point readers to "
        "the key points.",
    ),
    Item(
        15,
        UNDERSTANDABILITY,
        "Use of visual aids",
        "It has a visual aid (a picture, a diagram, a table) wherever one would make the "
        "content easier to understand.",
    ),
    Item(
        16,
        UNDERSTANDABILITY,
        "Use of visual aids",
        "Its visual aids support the text rather than distract from it.",
        not_applicable_when="there are no visual aids",
    ),
    Item(
        17,
        UNDERSTANDABILITY,
        "Use of visual aids",
        "Each visual aid has a clear title or caption.",
        not_applicable_when="there are no visual aids",
    ),
    Item(
        18,
        UNDERSTANDABILITY,
        "Use of visual aids",
        "Its pictures and photographs are clear and uncluttered.",
        not_applicable_when="there are no pictures or photographs",
    ),
    Item(
        19,
        UNDERSTANDABILITY,
        "Use of visual aids",
        "Its tables are simple, with short, clear row and column headings.",
        not_applicable_when="there are no tables",
    ),
    Item(
        20,
        ACTIONABILITY,
        "Actions",
        "It names at least one thing the reader can do.",
    ),
    Item(
        21,
        ACTIONABILITY,
        "Actions",
        "It speaks to the reader directly (“you”) when it says what to do.",
    ),
    Item(
        22,
        ACTIONABILITY,
        "Actions",
        "Each action is broken into small, explicit steps.",
    ),
    Item(
        23,
        ACTIONABILITY,
        "Actions",
        "It gives readers a tool to act with (such as a checklist or a planner) wherever one "
        "would help.",
    ),
    Item(
        24,
        ACTIONABILITY,
        "Actions",
        "Where readers must work something out, it shows them how, step by step or with an "
        "example.",
        not_applicable_when="readers have nothing to work out",
    ),
    Item(
        25,
        ACTIONABILITY,
        "Actions",
        "It says how to use its tables, charts or diagrams to act.",
        not_applicable_when="there are no tables, charts or diagrams",
    ),
    Item(
        26,
        ACTIONABILITY,
        "Actions",
        "It has a visual aid wherever one would make the steps easier to follow.",
    ),
)
BY_NUMBER = {item.number: item for item in ITEMS}


def items(domain: str) -> list[Item]:
    return [item for item in ITEMS if item.domain == domain]


@dataclass(frozen=True)
class Score:
    agree: int
    applicable: int  # items rated Agree or Disagree

    @property
    def fraction(self) -> Fraction | None:
        return Fraction(self.agree, self.applicable) if self.applicable else None

    @property
    def percent(self) -> float | None:
        """To one decimal, halves rounded up (as the review page's script shows it while the
        items are rated), for showing; `below_threshold` compares the exact fraction."""
        if not self.applicable:
            return None
        exact = Decimal(100 * self.agree) / Decimal(self.applicable)
        return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    @property
    def below_threshold(self) -> bool:
        """Under 70 %: judged hard to understand (or to act on). No applicable item at all
        gives no score, which cannot show the text is fit either."""
        return self.fraction is None or self.fraction < Fraction(THRESHOLD, 100)

    def as_record(self) -> dict:
        return {"agree": self.agree, "applicable": self.applicable, "percent": self.percent}


def score(ratings: dict[int, str], domain: str) -> Score:
    """One domain's score from `ratings` ({item number: "agree" | "disagree" | "na"}): Agree
    ratings over the items rated Agree or Disagree; Not applicable items are left out."""
    rated = [ratings.get(item.number) for item in items(domain)]
    return Score(
        agree=sum(1 for rating in rated if rating == AGREE),
        applicable=sum(1 for rating in rated if rating in (AGREE, DISAGREE)),
    )


def problems(ratings: dict[int, str]) -> list[str]:
    """What is wrong with a set of ratings, in words for the reviewer: every item rated, with
    one of its ratings, Not applicable only where the tool allows it."""
    found = []
    missing = [item.number for item in ITEMS if item.number not in ratings]
    if missing:
        found.append(f"Rate every item; not rated yet: {', '.join(map(str, missing))}.")
    for number, rating in sorted(ratings.items()):
        item = BY_NUMBER.get(number)
        if item is None or rating not in RATINGS:
            found.append(f"Item {number}: not a PEMAT-P item or rating.")
        elif rating == NOT_APPLICABLE and not item.allows_not_applicable:
            found.append(f"Item {number} applies to every text: rate it Agree or Disagree.")
    return found


def parse(data, prefix: str) -> dict[int, str]:
    """{item number: rating} from a posted form whose fields are `<prefix>-<number>`; fields
    left unrated are left out (`problems` names them)."""
    ratings = {}
    for item in ITEMS:
        value = data.get(f"{prefix}-{item.number}")
        if value:
            ratings[item.number] = value
    return ratings


def record(ratings: dict[int, str]) -> dict:
    """What a review event keeps of one assessment: the ratings and both scores."""
    return {
        "tool": "PEMAT-P",
        "ratings": {str(number): rating for number, rating in sorted(ratings.items())},
        UNDERSTANDABILITY: score(ratings, UNDERSTANDABILITY).as_record(),
        ACTIONABILITY: score(ratings, ACTIONABILITY).as_record(),
    }


def scores_of(recorded: dict) -> dict[str, Score]:
    """Both scores of an assessment as a review event recorded it."""
    ratings = {int(number): rating for number, rating in recorded.get("ratings", {}).items()}
    return {domain: score(ratings, domain) for domain in DOMAINS}
