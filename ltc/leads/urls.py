from django.urls import path

from ltc.leads import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="lead_list"),
    path("board/", views.lead_board, name="lead_board"),
    path("reports/", views.lead_reports, name="lead_reports"),
    path("new/", views.lead_create, name="lead_create"),
    path("bulk/", views.lead_bulk, name="lead_bulk"),
    path("views/", views.saved_view_save, name="saved_view_save"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("<int:pk>/", views.lead_detail, name="lead_detail"),
    path("<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("<int:pk>/delete/", views.lead_delete, name="lead_delete"),
    path("<int:pk>/check/", views.lead_check, name="lead_check"),
    path("<int:pk>/qualify/", views.lead_qualify, name="lead_qualify"),
    path("<int:pk>/disqualify/", views.lead_disqualify, name="lead_disqualify"),
    path("<int:pk>/recycle/", views.lead_recycle, name="lead_recycle"),
    path("<int:pk>/assign/", views.lead_assign, name="lead_assign"),
    path("<int:pk>/merge/", views.lead_merge, name="lead_merge"),
    path("<int:pk>/convert/", views.lead_convert, name="lead_convert"),
    path("<int:pk>/activities/", views.lead_activity_add, name="lead_activity_add"),
    path("<int:pk>/activities/<int:activity_id>/done/", views.lead_activity_done, name="lead_activity_done"),
    path("<int:pk>/notes/", views.lead_note_add, name="lead_note_add"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/rejected/", views.import_rejected, name="import_rejected"),
    path("imports/<int:pk>/undo/", views.import_undo, name="import_undo"),
    path("web-forms/", views.webform_list, name="webform_list"),
    path("forms/<str:key>/", views.webform_public, name="webform_public"),
    path("forms/<str:key>/thanks/", views.webform_thanks, name="webform_thanks"),
]
