from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from ltc.api.root import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("customers/", include("ltc.customers.urls")),
    path("leads/", include("ltc.leads.urls")),
    path("opportunities/", include("ltc.opportunities.urls")),
    path("quotes/", include("ltc.quotes.urls")),
    path("q/", include("ltc.quotes.public_urls")),
    path("catalog/", include("ltc.catalog.urls")),
    path("contracts/", include("ltc.contracts.urls")),
    path("billing/", include("ltc.billing.urls")),
    path("process/", include("ltc.process.urls")),
    path("marketing/", include("ltc.marketing.urls")),
    path("service/", include("ltc.service.urls")),
    path("attachments/", include("ltc.core.urls_attachments")),
    path("", include("ltc.web.urls")),
]
handler403 = "ltc.core.errors.permission_denied"
handler404 = "ltc.core.errors.page_not_found"
handler500 = "ltc.core.errors.server_error"
if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
