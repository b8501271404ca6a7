from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    SIGNED = "signed", _("Signed")
    ACCEPTED = "accepted", _("Accepted by delivery")
    IN_EXECUTION = "in_execution", _("In execution")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    TERMINATED = "terminated", _("Terminated")


OPEN_STATUSES = (
    ContractStatus.DRAFT,
    ContractStatus.IN_REVIEW,
    ContractStatus.APPROVED,
    ContractStatus.SIGNED,
    ContractStatus.ACCEPTED,
    ContractStatus.IN_EXECUTION,
    ContractStatus.COMPLETED,
)
# After the signature the contract is executed; orders, deliveries and changes apply.
EXECUTING = (ContractStatus.ACCEPTED, ContractStatus.IN_EXECUTION)
SIGNED_OR_LATER = (ContractStatus.SIGNED, *EXECUTING, ContractStatus.COMPLETED)


class VersionKind(models.TextChoices):
    ORIGINAL = "original", _("Original contract")
    AMENDMENT = "amendment", _("Amendment")


class ReviewArea(models.TextChoices):
    FINANCE = "finance", _("Finance")
    LEGAL = "legal", _("Legal")
    DELIVERY = "delivery", _("Delivery")


# The contract review's checklist (合同评审): area → items.
CHECKLIST: dict[str, list[tuple[str, object]]] = {
    ReviewArea.FINANCE: [
        ("margin", _("Margin against plan and cost")),
        ("payment_terms", _("Payment terms and milestones")),
    ],
    ReviewArea.LEGAL: [
        ("clauses", _("Clauses and obligations")),
        ("penalties", _("Penalties and liability")),
        ("ip", _("Intellectual property")),
    ],
    ReviewArea.DELIVERY: [
        ("scope", _("Scope and deliverables")),
        ("schedule", _("Schedule and resources")),
    ],
}


class CheckResult(models.TextChoices):
    OPEN = "", _("Not checked")
    OK = "ok", _("Acceptable")
    CONCERN = "concern", _("Concern")


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Send back")


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DELIVERED = "delivered", _("Delivered")
    ACCEPTED = "accepted", _("Accepted by the customer")


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskKind(models.TextChoices):
    RISK = "risk", _("Risk")
    DISPUTE = "dispute", _("Dispute")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ChangeOrigin(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    INTERNAL = "internal", _("Internal")


class ChangeStatus(models.TextChoices):
    ASSESSING = "assessing", _("Being assessed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ChangeRole(models.TextChoices):
    AR = "ar", _("AR: commercial terms")
    SR = "sr", _("SR: technical feasibility")
    FR = "fr", _("FR: schedule and cost")


class Verdict(models.TextChoices):
    SUPPORT = "support", _("Supports")
    CONCERNS = "concerns", _("Supports with concerns")
    AGAINST = "against", _("Against")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PARTLY = "partly", _("Partly delivered")
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELLED = "cancelled", _("Cancelled")


class LineFulfilment(models.TextChoices):
    PENDING = "pending", _("Pending")
    PARTLY = "partly", _("Partly delivered")
    DELIVERED = "delivered", _("Delivered")


class DeliveryKind(models.TextChoices):
    GOODS = "goods", _("Goods shipped")
    SERVICE = "service", _("Services performed")
