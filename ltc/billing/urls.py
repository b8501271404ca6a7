from django.urls import path

from ltc.billing import views

app_name = "billing"
urlpatterns = [
    path("", views.invoice_list, name="invoice_list"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/<str:action>/", views.invoice_action, name="invoice_action"),
    path("schedule/<int:pk>/", views.schedule_detail, name="schedule"),
    path("schedule/lines/<int:pk>/invoice/", views.line_invoice, name="line_invoice"),
    path("payments/", views.payment_list, name="payment_list"),
    path("payments/new/", views.payment_create, name="payment_create"),
    path("payments/<int:pk>/", views.payment_detail, name="payment_detail"),
    path("payments/<int:pk>/<str:action>/", views.payment_action, name="payment_action"),
    path("statements/", views.statement_list, name="statement_list"),
    path("statements/<int:pk>/", views.statement_detail, name="statement_detail"),
    path("statements/lines/<int:pk>/<str:action>/", views.statement_line_action, name="statement_line_action"),
    path("receivables/", views.receivables, name="receivables"),
    path("collections/", views.collections, name="collections"),
]
