from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadSource(models.TextChoices):
    WEBSITE = "website", _("Website form")
    EVENT = "event", _("Trade show / event")
    SOCIAL = "social", _("Social media")
    PARTNER = "partner", _("Partner / agent")
    REFERRAL = "referral", _("Customer referral")
    EMPLOYEE = "employee", _("Employee")
    COLD = "cold", _("Cold outreach")
    CAMPAIGN = "campaign", _("Campaign")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    SERVICE = "service", _("Customer service")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    VERIFYING = "verifying", _("Verifying")
    QUALIFIED = "qualified", _("Qualified")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.VERIFYING, LeadStatus.QUALIFIED)


class DisqualifyReason(models.TextChoices):
    NO_NEED = "no_need", _("No need")
    NO_BUDGET = "no_budget", _("No budget")
    UNREACHABLE = "unreachable", _("Unreachable")
    COMPETITOR = "competitor", _("Competitor locked in")
    DUPLICATE = "duplicate", _("Duplicate")
    OTHER = "other", _("Other")


class Temperature(models.TextChoices):
    COLD = "cold", _("Cold")
    WARM = "warm", _("Warm")
    HOT = "hot", _("Hot")


class Timeframe(models.TextChoices):
    MONTH = "1m", _("Within a month")
    QUARTER = "3m", _("1–3 months")
    HALF_YEAR = "6m", _("3–6 months")
    YEAR = "12m", _("6–12 months")
    LATER = "later", _("Over a year")
    UNKNOWN = "unknown", _("Unknown")


class CheckItem(models.TextChoices):
    """The verification checklist (验证线索)."""

    CONTACT_REACHED = "contact_reached", _("Contact reached (an activity logged)")
    NEED_CONFIRMED = "need_confirmed", _("Need confirmed")
    BUDGET_CONFIRMED = "budget_confirmed", _("Budget confirmed")
    DECISION_MAKER = "decision_maker_identified", _("Decision maker identified")
    TIMEFRAME_KNOWN = "timeframe_known", _("Timeframe known")


class AssignStrategy(models.TextChoices):
    USER = "user", _("To one user")
    ROUND_ROBIN = "round_robin", _("Round-robin in a team")
    LEAST_LOAD = "least_load", _("Lowest open load in a team")


class ScoreCriterion(models.TextChoices):
    INDUSTRY_IS = "industry_is", _("Industry is")
    REGION_IS = "region_is", _("Region is")
    SIZE_IS = "size_is", _("Company size is")
    SOURCE_IS = "source_is", _("Source is")
    BUDGET_AT_LEAST = "budget_at_least", _("Budget at least (CNY)")
    HAS_NEED = "has_need", _("Need described")
    HAS_EMAIL = "has_email", _("Email given")
    HAS_MOBILE = "has_mobile", _("Mobile given")
    ACTIVITIES_AT_LEAST = "activities_at_least", _("Done activities at least")


class ScoreKind(models.TextChoices):
    FIT = "fit", _("Fit")
    ENGAGEMENT = "engagement", _("Engagement")


class DuplicatePolicy(models.TextChoices):
    SKIP = "skip", _("Skip duplicates")
    UPDATE = "update", _("Update the existing lead")
    CREATE = "create", _("Create anyway")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")
