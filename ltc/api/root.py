"""The /api/v1 root: one NinjaAPI mounting each app's router, with the shared conventions."""

from typing import Any

from ninja import NinjaAPI, Swagger
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.renderers import JSONRenderer

from ltc.api.events import router as events_router
from ltc.api.search import router as search_router
from ltc.billing.api import router as billing_router
from ltc.billing.api_summary import router as billing_summary_router
from ltc.catalog.api import router as catalog_router
from ltc.contracts.api import router as contracts_router
from ltc.core.api import ContractOpenAPISchema, PreconditionsFirstOperation, install_error_handlers
from ltc.core.api_attachments import router as attachments_router
from ltc.core.api_calendar import router as calendar_router
from ltc.core.api_custom_fields import router as custom_fields_router
from ltc.core.api_notifications import router as notifications_router
from ltc.core.api_recycle import router as recycle_router
from ltc.core.text import TextParser
from ltc.customers.api import router as customers_router
from ltc.leads.api import public_router as leads_public_router
from ltc.leads.api import router as leads_router
from ltc.leads.api_rules import router as leads_rules_router
from ltc.marketing.api import router as marketing_router
from ltc.opportunities.api import router as opportunities_router
from ltc.org.api import router as org_router
from ltc.org.api_delegation import router as org_delegation_router
from ltc.org.api_settings import router as org_settings_router
from ltc.org.auth import api_auth
from ltc.process.api import router as process_router
from ltc.process.api_transfer import router as process_transfer_router
from ltc.quotes.api import public_router as quotes_public_router
from ltc.quotes.api import router as quotes_router
from ltc.service.api import router as service_router
from ltc.web.api_inbox import router as inbox_router


class UnicodeJSONRenderer(JSONRenderer):
    """UTF-8 JSON: Chinese text stays readable instead of \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


class LtcAPI(NinjaAPI):
    """The API whose document declares the shared refusals and headers (see ContractOpenAPISchema)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ContractOpenAPISchema(self, path_prefix)

    def _get_bound_routers(self) -> Any:
        # Every (synchronous) operation checks its preconditions before validating the body.
        routers = super()._get_bound_routers()
        for router in routers:
            for path_view in router.path_operations.values():
                for operation in path_view.operations:
                    if type(operation) is Operation:
                        operation.__class__ = PreconditionsFirstOperation
        return routers


api = LtcAPI(
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
    parser=TextParser(),
    urls_namespace="api",
    # Swagger UI from the installation (ninja's static files), never a CDN; no online validator.
    docs=Swagger(settings={"validatorUrl": None}),
)
install_error_handlers(api)
api.add_router("", org_router)
api.add_router("", org_settings_router)
api.add_router("", org_delegation_router)
api.add_router("", customers_router)
api.add_router("", leads_router)
api.add_router("", leads_public_router)
api.add_router("", leads_rules_router)
api.add_router("", opportunities_router)
api.add_router("", catalog_router)
api.add_router("", quotes_router)
api.add_router("", quotes_public_router)
api.add_router("", contracts_router)
api.add_router("", billing_router)
api.add_router("", billing_summary_router)
api.add_router("", process_router)
api.add_router("", process_transfer_router)
api.add_router("", marketing_router)
api.add_router("", service_router)
api.add_router("", events_router)
api.add_router("", search_router)
api.add_router("", calendar_router)
api.add_router("", custom_fields_router)
api.add_router("", attachments_router)
api.add_router("", notifications_router)
api.add_router("", recycle_router)
api.add_router("", inbox_router)
