from django.urls import path

from . import views_pix

urlpatterns = [
    path("rh/competences/import-pix/", views_pix.pix_import, name="pix_import"),
    path("rh/competences/import-pix/<int:pk>/", views_pix.pix_preview, name="pix_preview"),
]
