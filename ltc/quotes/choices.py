from django.db import models
from django.utils.translation import gettext_lazy as _


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_APPROVAL = "in_approval", _("In approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    SUPERSEDED = "superseded", _("Superseded")


class TermTrigger(models.TextChoices):
    """When a payment milestone falls due (the contract's billing schedule follows these)."""

    SIGNING = "signing", _("On signing")
    DELIVERY = "delivery", _("On delivery")
    ACCEPTANCE = "acceptance", _("On acceptance")
    WARRANTY = "warranty", _("After the warranty period")
    DATE = "date", _("On a date")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    APPROVED = "approved", _("Approved")
    ESCALATED = "escalated", _("Agreed, escalated (above own authority)")
    REJECTED = "rejected", _("Rejected")


class AnswerChannel(models.TextChoices):
    LINK = "link", _("Online, through the quote link")
    RECORDED = "recorded", _("Recorded by the sales team")
