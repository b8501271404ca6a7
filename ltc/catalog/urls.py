from django.urls import path

from ltc.catalog import views

app_name = "catalog"
urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/components/", views.component_add, name="component_add"),
    path("products/<int:pk>/components/<int:component_pk>/", views.component_update, name="component_update"),
    path("products/<int:pk>/components/<int:component_pk>/remove/", views.component_remove, name="component_remove"),
    path("products/<int:pk>/rules/", views.rule_add, name="rule_add"),
    path("products/<int:pk>/rules/<int:rule_pk>/", views.rule_update, name="rule_update"),
    path("products/<int:pk>/rules/<int:rule_pk>/remove/", views.rule_remove, name="rule_remove"),
    path("products/<int:pk>/contract-prices/", views.contract_price_add, name="contract_price_add"),
    path("contract-prices/<int:pk>/", views.contract_price_update, name="contract_price_update"),
    path("contract-prices/<int:pk>/end/", views.contract_price_end, name="contract_price_end"),
    path("price-books/", views.price_book_list, name="price_book_list"),
    path("price-books/<int:pk>/", views.price_book_detail, name="price_book_detail"),
    path("price-books/<int:pk>/deactivate/", views.price_book_deactivate, name="price_book_deactivate"),
    path("price-books/<int:pk>/entries/", views.entry_set, name="entry_set"),
    path("price-books/<int:pk>/entries/<int:product_pk>/", views.entry_update, name="entry_update"),
    path("price-books/<int:pk>/entries/<int:product_pk>/remove/", views.entry_remove, name="entry_remove"),
    path("price-books/<int:pk>/entries/<int:product_pk>/tiers/", views.tier_add, name="tier_add"),
    path("price-books/<int:pk>/tiers/<int:tier_pk>/", views.tier_update, name="tier_update"),
    path("price-books/<int:pk>/tiers/<int:tier_pk>/remove/", views.tier_remove, name="tier_remove"),
]
