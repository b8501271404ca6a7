from django.urls import path

from ltc.opportunities import views

app_name = "opportunities"
urlpatterns = [
    path("", views.opportunity_list, name="opportunity_list"),
    path("board/", views.opportunity_board, name="opportunity_board"),
    path("funnel/", views.opportunity_funnel, name="opportunity_funnel"),
    path("new/", views.opportunity_create, name="opportunity_create"),
    path("from-lead/<int:lead_pk>/", views.opportunity_from_lead, name="opportunity_from_lead"),
    path("<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("<int:pk>/move/", views.opportunity_move, name="opportunity_move"),
    path("<int:pk>/advance/", views.opportunity_advance, name="opportunity_advance"),
    path("<int:pk>/win/", views.opportunity_win, name="opportunity_win"),
    path("<int:pk>/lose/", views.opportunity_lose, name="opportunity_lose"),
    path("<int:pk>/reopen/", views.opportunity_reopen, name="opportunity_reopen"),
    path("<int:pk>/check/", views.opportunity_check, name="opportunity_check"),
    path("<int:pk>/activities/", views.opportunity_activity_add, name="opportunity_activity_add"),
    path(
        "<int:pk>/activities/<int:activity_id>/done/",
        views.opportunity_activity_done,
        name="opportunity_activity_done",
    ),
    path("<int:pk>/notes/", views.opportunity_note_add, name="opportunity_note_add"),
    path("<int:pk>/reviews/", views.review_open, name="review_open"),
    path("<int:pk>/chain/", views.stakeholder_set, name="stakeholder_set"),
    path("<int:pk>/bids/", views.bid_create, name="bid_create"),
    path("<int:pk>/documents/", views.opportunity_document_add, name="opportunity_document_add"),
    path(
        "<int:pk>/documents/<int:document_id>/",
        views.opportunity_document_download,
        name="opportunity_document_download",
    ),
    path("templates/<int:pk>/", views.stage_template_download, name="stage_template_download"),
    path(
        "templates/<int:pk>/versions/<int:number>/",
        views.stage_template_version_download,
        name="stage_template_version_download",
    ),
    path("bids/<int:pk>/", views.bid_detail, name="bid_detail"),
    path("bids/<int:pk>/sections/", views.bid_section_set, name="bid_section_set"),
    path("bids/<int:pk>/sections/<int:section_id>/done/", views.bid_section_done, name="bid_section_done"),
    path("bids/<int:pk>/documents/", views.bid_document_add, name="bid_document_add"),
    path("bids/<int:pk>/documents/<int:document_id>/upload/", views.bid_document_upload, name="bid_document_upload"),
    path("bids/<int:pk>/versions/<int:version_id>/", views.bid_document_download, name="bid_document_download"),
    path("bids/<int:pk>/submit/", views.bid_submit, name="bid_submit"),
    path("bids/<int:pk>/result/", views.bid_result, name="bid_result"),
    path("<int:pk>/chain/<int:stakeholder_id>/remove/", views.stakeholder_remove, name="stakeholder_remove"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/assess/", views.review_assess, name="review_assess"),
    path("reviews/<int:pk>/decide/", views.review_decide, name="review_decide"),
]
