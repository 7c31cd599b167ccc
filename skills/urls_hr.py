from django.urls import path

from . import views_hr

# HR pages of the skills room (views_hr): the heatmap and its drill-down, targets, one agent's profile.
urlpatterns = [
    path("rh/competences/", views_hr.heatmap, name="heatmap"),
    path("rh/competences/detail/", views_hr.cell, name="cell"),
    path("rh/competences/niveaux-attendus/", views_hr.targets, name="targets"),
    path("rh/competences/niveaux-attendus/modifier/", views_hr.target_edit, name="target_edit"),
    path("rh/competences/agents/<int:pk>/", views_hr.agent, name="agent"),
]
