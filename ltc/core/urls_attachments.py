from django.urls import path

from ltc.core import views_attachments as views

app_name = "attachments"
urlpatterns = [
    path("<slug:record_type>/<int:record_id>/", views.attachment_add, name="add"),
    path("<int:pk>/download/", views.attachment_download, name="download"),
    path("<int:pk>/preview/", views.attachment_preview, name="preview"),
    path("<int:pk>/remove/", views.attachment_remove, name="remove"),
]
