from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class StageCategory(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", _("Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", _("Commit")
    CLOSED = "closed", _("Closed")
    OMITTED = "omitted", _("Omitted")


class RequirementKind(models.TextChoices):
    ACTIVITY = "activity", _("An activity of a type, done")
    FIELD = "field", _("A field of the deal filled in")
    CHECK = "check", _("Confirmed by the deal team")
    REVIEW = "review", _("A decision review passed")
    DOCUMENT = "document", _("A document attached")


class RequirableField(models.TextChoices):
    """Deal fields a stage may require before the deal leaves it."""

    AMOUNT = "amount", _("Amount")
    EXPECTED_CLOSE_DATE = "expected_close_date", _("Expected close date")
    SR = "sr", _("Solution responsible (SR)")
    FR = "fr", _("Fulfilment responsible (FR)")
    SPONSOR = "sponsor", _("Sponsor")
    CONTACTS = "contacts", _("Customer contacts")
    COMPETITORS = "competitors", _("Competitors")
    PRODUCTS = "products_of_interest", _("Products of interest")


class WinReason(models.TextChoices):
    SOLUTION = "solution", _("Best solution fit")
    RELATIONSHIP = "relationship", _("Customer relationship")
    PRICE = "price", _("Price")
    DELIVERY = "delivery", _("Delivery capability")
    OTHER = "other", _("Other")


class LossReason(models.TextChoices):
    PRICE = "price", _("Price")
    SOLUTION = "solution", _("Solution did not fit")
    RELATIONSHIP = "relationship", _("Relationship")
    COMPETITOR = "competitor", _("Competitor locked in")
    NO_DECISION = "no_decision", _("No decision / project cancelled")
    BUDGET = "budget", _("Budget cut")
    NO_GO = "no_go", _("No-go decision")
    OTHER = "other", _("Other")


class ReviewType(models.TextChoices):
    ATI = "ATI", _("ATI — project initiation (立项)")
    ATB = "ATB", _("ATB — bid (投标)")
    ATC = "ATC", _("ATC — contract signing (签约)")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DECIDED = "decided", _("Decided")


class Decision(models.TextChoices):
    GO = "go", _("Go")
    GO_WITH_CONDITIONS = "go_conditions", _("Go with conditions")
    NO_GO = "no_go", _("No-go")
    HOLD = "hold", _("Hold")


PASSING_DECISIONS = (Decision.GO, Decision.GO_WITH_CONDITIONS)


class AssessorRole(models.TextChoices):
    AR = "ar", _("AR: customer and relationship")
    SR = "sr", _("SR: solution and competition")
    FR = "fr", _("FR: delivery")


# What each role of the iron triangle scored (1 = poor, 5 = strong) before criteria were configured:
# migration 0005 seeds them for every review type; what a review scores now is ReviewCriterion.
CRITERIA: dict[str, list[tuple[str, Any]]] = {
    AssessorRole.AR: [
        ("relationship", _("Customer relationship")),
        ("decision_chain", _("Decision chain coverage")),
    ],
    AssessorRole.SR: [
        ("requirements_fit", _("Requirements fit")),
        ("solution", _("Solution strength")),
        ("competition", _("Competitive position")),
    ],
    AssessorRole.FR: [
        ("deliverability", _("Deliverability")),
        ("delivery_risk", _("Delivery risk (5 = low)")),
        ("cost", _("Delivery cost (5 = within plan)")),
    ],
}


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    TECHNICAL = "technical", _("Technical evaluator")
    BUSINESS = "business", _("Business evaluator")
    USER = "user", _("User")
    INFLUENCER = "influencer", _("Influencer")
    COACH = "coach", _("Coach / champion")


class Attitude(models.TextChoices):
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    OPPONENT = "opponent", _("Opponent")


class Level(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class BidStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    SUBMITTED = "submitted", _("Submitted")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    CANCELLED = "cancelled", _("Cancelled")


BID_RESULTS = (BidStatus.WON, BidStatus.LOST, BidStatus.CANCELLED)


class SubmissionMethod(models.TextChoices):
    PORTAL = "portal", _("Online tender portal")
    PHYSICAL = "physical", _("Sealed paper delivery")
    EMAIL = "email", _("Email")


class BidSectionKind(models.TextChoices):
    COMMERCIAL = "commercial", _("Commercial")
    TECHNICAL = "technical", _("Technical")
    DELIVERY = "delivery", _("Delivery")
