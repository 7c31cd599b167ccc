from django.urls import path

from . import views, views_profile

app_name = "home"

urlpatterns = [
    path("mon-espace/", views.dashboard, name="dashboard"),
    path("mon-espace/notifications/lues/", views.notifications_read, name="notifications_read"),
    path("mon-espace/competences/", views_profile.skills_profile, name="skills_profile"),
    path("accessibilite/", views.page, {"template": "home/accessibility.html"}, name="accessibility"),
    path("donnees-personnelles/", views.page, {"template": "home/privacy.html"}, name="privacy"),
    path("mentions-legales/", views.page, {"template": "home/legal.html"}, name="legal"),
]
