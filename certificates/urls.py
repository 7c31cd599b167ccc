from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("mon-espace/attestations/", views.mine, name="mine"),
    path("attestations/<uuid:uuid>/telecharger/", views.download, name="download"),
    path("rh/attestations/", views.hr_list, name="hr_list"),
    path("rh/attestations/archive/", views.hr_archive, name="hr_archive"),
    path("rh/attestations/archives/<uuid:uuid>/", views.hr_archive_download, name="hr_archive_download"),
    path("rh/attestations/<uuid:uuid>/", views.hr_detail, name="hr_detail"),
    path("rh/attestations/<uuid:uuid>/nouvelle/", views.hr_reissue, name="hr_reissue"),
    path("verify/keys.json", views.keys, name="keys"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("verify/<str:code>/credential.json", views.credential, name="credential"),
]
