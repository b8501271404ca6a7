"""The /api/v1 root: one NinjaAPI mounting each app's router, with the shared conventions."""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from ltc.api.events import router as events_router
from ltc.billing.api import router as billing_router
from ltc.catalog.api import router as catalog_router
from ltc.contracts.api import router as contracts_router
from ltc.core.api import install_error_handlers
from ltc.customers.api import router as customers_router
from ltc.leads.api import public_router as leads_public_router
from ltc.leads.api import router as leads_router
from ltc.opportunities.api import router as opportunities_router
from ltc.org.api import router as org_router
from ltc.org.auth import api_auth
from ltc.quotes.api import public_router as quotes_public_router
from ltc.quotes.api import router as quotes_router


class UnicodeJSONRenderer(JSONRenderer):
    """UTF-8 JSON: Chinese text stays readable instead of \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UnicodeJSONRenderer(),
    title="LTC API",
    version="1",
    description=(
        "Lead-to-Cash (线索到回款). Authenticate with `Authorization: Bearer <token>` "
        "(create one on your profile page or with `ltc createtoken USER`) or a browser session. "
        "Errors are RFC 9457 problem documents with a field-level `errors` list. "
        "Updates need `If-Match` with the ETag you read; POSTs accept `Idempotency-Key`."
    ),
    auth=api_auth,
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("", org_router)
api.add_router("", customers_router)
api.add_router("", leads_router)
api.add_router("", leads_public_router)
api.add_router("", opportunities_router)
api.add_router("", catalog_router)
api.add_router("", quotes_router)
api.add_router("", quotes_public_router)
api.add_router("", contracts_router)
api.add_router("", billing_router)
api.add_router("", events_router)
