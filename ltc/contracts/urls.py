from django.urls import path

from ltc.contracts import views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("new/", views.contract_create, name="contract_create"),
    path("evaluations/", views.evaluation_report, name="evaluation_report"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("milestones/<int:pk>/document/", views.milestone_document, name="milestone_document"),
    path("milestones/<int:pk>/<str:action>/", views.milestone_action, name="milestone_action"),
    path("changes/<int:pk>/", views.change_detail, name="change_detail"),
    path("<int:pk>/", views.contract_detail, name="contract_detail"),
    path("<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("<int:pk>/compare/", views.contract_compare, name="contract_compare"),
    path("<int:pk>/signed-copy/", views.signed_copy, name="signed_copy"),
    path("<int:pk>/change/", views.change_create, name="change_create"),
    path("<int:pk>/<str:action>/", views.contract_action, name="contract_action"),
]
