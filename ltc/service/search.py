"""Cases in the global search (ltc.core.search): found by number and subject. The index follows
them after commit: every case service writes the timeline, which marks the case for indexing."""

from django.utils.translation import gettext_lazy as _

from ltc.core.search import SearchKind, register
from ltc.service import selectors
from ltc.service.models import Case

register(
    SearchKind(
        key="cases",
        model=Case,
        label=_("Cases"),
        document=lambda case: (case.number, case.subject, case.account.name),
        visible=lambda user: selectors.case_list(user, view="all"),
        indexable=lambda: Case.objects.select_related("account"),
        subtitle=lambda case: case.account.name,
    )
)
