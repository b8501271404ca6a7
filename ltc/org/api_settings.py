"""/api/v1/company-profile and /api/v1/number-formats: the company as documents print it and how
document numbers read (process centre settings). Everyone signed in reads; administrators change
(If-Match). Thin over ltc.org.profile and ltc.core.numbering."""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from ltc.core import numbering
from ltc.core.api import etag, if_match_version
from ltc.core.models import NumberFormat, YearDigits
from ltc.core.schemas import OneOf
from ltc.org import profile as services
from ltc.org.models import CompanyProfile
from ltc.org.types import AuthedRequest

router = Router(tags=["settings"])


class CompanyProfileOut(Schema):
    name: str
    name_en: str
    address: str
    phone: str
    email: str
    website: str
    tax_id: str
    bank_name: str
    bank_account: str
    quote_terms: str
    logo: str  # the logo's file name; empty without one
    version: int

    @staticmethod
    def resolve_logo(obj: CompanyProfile) -> str:
        return services.logo_name(obj)


class CompanyProfilePatch(Schema):
    name: str | None = None
    name_en: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    tax_id: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    quote_terms: str | None = None


class NumberFormatOut(Schema):
    series: Annotated[str, OneOf(numbering.NumberSeries)]
    label: str
    prefix: str
    year_digits: Annotated[int, OneOf(YearDigits)]
    separator: str
    width: int
    next_number: str  # the number the format gives next, this year
    version: int

    @staticmethod
    def resolve_label(obj: NumberFormat) -> str:
        return str(numbering.SERIES[obj.series].label)

    @staticmethod
    def resolve_next_number(obj: NumberFormat) -> str:
        return numbering.example(obj)


class NumberFormatPatch(Schema):
    prefix: str | None = None
    year_digits: int | None = None
    separator: str | None = None
    width: int | None = None


def _profile_answer(response: HttpResponse, profile: CompanyProfile) -> CompanyProfile:
    response["ETag"] = etag(profile.version)
    return profile


@router.get("/company-profile", response=CompanyProfileOut)
def company_profile_get(request: AuthedRequest, response: HttpResponse) -> CompanyProfile:
    """The company as quotes, contracts and invoices print it."""
    return _profile_answer(response, services.company_profile_get())


@router.patch("/company-profile", response=CompanyProfileOut)
def company_profile_update(request: AuthedRequest, payload: CompanyProfilePatch, response: HttpResponse) -> Any:
    """Change the profile (administrators; If-Match: its ETag); old → new on its timeline."""
    expected = if_match_version(request, services.company_profile_get())
    profile = services.company_profile_update(
        actor=request.user, data=payload.model_dump(exclude_unset=True), expected_version=expected
    )
    return _profile_answer(response, profile)


@router.post("/company-profile/logo", response=CompanyProfileOut)
def company_profile_logo(request: AuthedRequest, response: HttpResponse, file: File[UploadedFile]) -> Any:
    """Replace the logo printed on documents (multipart, field `file`: PNG or JPEG, at most 1 MB;
    If-Match: the profile's ETag)."""
    expected = if_match_version(request, services.company_profile_get())
    try:
        profile = services.company_profile_update(actor=request.user, data={"logo": file}, expected_version=expected)
    except ValidationError as exc:  # the upload's field is `file` here
        raise ValidationError({"file": exc.message_dict.get("logo", exc.messages)}) from exc
    return _profile_answer(response, profile)


@router.delete("/company-profile/logo", response=CompanyProfileOut)
def company_profile_logo_remove(request: AuthedRequest, response: HttpResponse) -> Any:
    """Print documents without a logo (If-Match: the profile's ETag)."""
    expected = if_match_version(request, services.company_profile_get())
    profile = services.company_profile_update(actor=request.user, data={"logo": None}, expected_version=expected)
    return _profile_answer(response, profile)


def _number_format(series: str) -> NumberFormat:
    try:
        return numbering.number_format_get(series)
    except NumberFormat.DoesNotExist as exc:
        raise Http404 from exc


@router.get("/number-formats", response=list[NumberFormatOut])
def number_format_list(request: AuthedRequest) -> list[NumberFormat]:
    """How each numbered document series reads (quotes, contracts, orders, deliveries, invoices,
    credit notes)."""
    return numbering.number_formats()


@router.get("/number-formats/{series}", response=NumberFormatOut)
def number_format_get(request: AuthedRequest, series: str, response: HttpResponse) -> NumberFormat:
    number_format = _number_format(series)
    response["ETag"] = etag(number_format.version)
    return number_format


@router.patch("/number-formats/{series}", response=NumberFormatOut)
def number_format_update(
    request: AuthedRequest, series: str, payload: NumberFormatPatch, response: HttpResponse
) -> Any:
    """Change how the series' numbers read from the next one on (administrators; If-Match). A
    format that could repeat a number already given, or meet another series' numbers in the same
    register, is refused (422)."""
    number_format = _number_format(series)
    expected = if_match_version(request, number_format)
    number_format = numbering.number_format_update(
        actor=request.user,
        number_format=number_format,
        data=payload.model_dump(exclude_unset=True),
        expected_version=expected,
    )
    response["ETag"] = etag(number_format.version)
    return number_format
