from django.urls import path

from ltc.catalog import views

app_name = "catalog"
urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("price-books/<int:pk>/", views.price_book_detail, name="price_book_detail"),
]
