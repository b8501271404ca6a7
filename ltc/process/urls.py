from __future__ import annotations

from django.urls import URLPattern, URLResolver

from ltc.process.evaluations import urlpatterns as evaluation_urlpatterns
from ltc.process.views.authority import urlpatterns as authority_urlpatterns
from ltc.process.views.criteria import urlpatterns as criteria_urlpatterns
from ltc.process.views.custom_fields import urlpatterns as custom_fields_urlpatterns
from ltc.process.views.map import urlpatterns as map_urlpatterns
from ltc.process.views.metrics import urlpatterns as metrics_urlpatterns
from ltc.process.views.pipelines import urlpatterns as pipelines_urlpatterns
from ltc.process.views.rules import urlpatterns as rules_urlpatterns
from ltc.process.views.settings import urlpatterns as settings_urlpatterns
from ltc.process.views.transfer import urlpatterns as transfer_urlpatterns

app_name = "process"

urlpatterns: list[URLPattern | URLResolver] = [
    *map_urlpatterns,
    *metrics_urlpatterns,
    *pipelines_urlpatterns,
    *criteria_urlpatterns,
    *rules_urlpatterns,
    *authority_urlpatterns,
    *transfer_urlpatterns,
    *settings_urlpatterns,
    *custom_fields_urlpatterns,
    *evaluation_urlpatterns,
]
