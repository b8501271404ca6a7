"""Permission cases of service's portal area (see permission_cases.py).

The customer portal (客户门户) is public by design: its pages answer without a staff sign-in and
are guarded by the portal's own session (a contact signed in by a one-time mailed link), which a
staff login never opens. So every portal route is exempt from the staff permission suite, with
its content tested in ltc/service/tests/test_portal.py (allow-lists: another company's records
answer 404, no internal note, staff name, other customer or cost appears; staff logins of every
role are sent to the portal's sign-in) and test_portal_browser.py (the journey)."""

from __future__ import annotations

from typing import Any

CASES: list[Any] = []

_TESTED = "service/tests/test_portal.py"
EXEMPT: set[str] = {
    # The e-mail form asking for a sign-in link: the same answer whatever the address, rate limited.
    "GET service:portal_signin",
    "POST service:portal_signin",
    # The mailed one-time link (once, within 15 minutes, only its hash stored).
    "GET service:portal_enter",
    "POST service:portal_enter",
    "POST service:portal_signout",  # ends the portal session only
    # The signed-in contact's company's cases, case page (reply), new case, assets and invoices.
    "GET service:portal_cases",
    "GET service:portal_case",
    "POST service:portal_case",
    "GET service:portal_case_new",
    "POST service:portal_case_new",
    "GET service:portal_assets",
    "GET service:portal_invoices",
}
PUBLIC_ROUTES: dict[str, str] = {
    "service/portal/": f"the customer portal's sign-in: asks for an e-mail address, same answer for any ({_TESTED})",
    "service/portal/enter/<str:token>/": f"the portal's one-time sign-in link ({_TESTED})",
    "service/portal/signout/": f"signs out of the portal only ({_TESTED})",
    "service/portal/cases/": f"a portal contact's company's cases; others go to the portal sign-in ({_TESTED})",
    "service/portal/cases/new/": f"a portal contact opens a case for its company ({_TESTED})",
    "service/portal/cases/<int:pk>/": (
        f"a case of the portal contact's company: customer messages and replies only ({_TESTED})"
    ),
    "service/portal/assets/": f"the portal contact's company's assets ({_TESTED})",
    "service/portal/invoices/": f"the portal contact's company's issued invoices ({_TESTED})",
}
