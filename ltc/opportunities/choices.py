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
