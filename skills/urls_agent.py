"""Routes of the digital champions ("référents numériques"): the agent's volunteering, the directory,
and HR's map of champions per service."""

from django.urls import path

from . import views, views_champions_hr

urlpatterns = [
    path("referents-numeriques/", views.champions, name="champions"),
    path("mon-espace/competences/referent/", views.volunteer, name="volunteer"),
    path("mon-espace/competences/referent/retirer/", views.withdraw, name="withdraw"),
    path("rh/competences/referents/", views_champions_hr.champion_map, name="champion_map"),
]
