"""The router of the contracts API, and how its routes fetch a contract."""

from __future__ import annotations

from django.http import HttpResponse

from ltc.contracts import selectors
from ltc.contracts.models import Contract
from ltc.core.api import etag
from ltc.core.routers import PackageRouter
from ltc.org.types import AuthedRequest

router = PackageRouter(package="ltc.contracts.api", tags=["contracts"])


def _contract(request: AuthedRequest, contract_id: int) -> Contract:
    return selectors.contract_get(user=request.user, pk=contract_id)


def _fresh(request: AuthedRequest, contract: Contract, response: HttpResponse) -> Contract:
    fresh = _contract(request, contract.pk)
    response["ETag"] = etag(fresh.version)
    return fresh
