from django.urls import path

from . import views_dashboard, views_exports, views_gaps, views_hr, views_team

app_name = "paths"

urlpatterns = [
    # HR: the path library and assignments (views_hr).
    path("rh/parcours/", views_hr.path_list, name="path_list"),
    path("rh/parcours/nouveau/", views_hr.path_create, name="path_create"),
    path("rh/parcours/<uuid:uuid>/modifier/", views_hr.path_edit, name="path_edit"),
    path("rh/parcours/<uuid:uuid>/assigner/", views_hr.assignment_create, name="assignment_create"),
    path("rh/cours/<int:course_id>/assigner/", views_hr.course_assignment_create, name="course_assignment_create"),
    path("rh/assignations/<uuid:uuid>/", views_hr.assignment_detail, name="hr_assignment"),
    path("rh/assignations/<uuid:uuid>/avancement/", views_hr.assignment_progress, name="assignment_progress"),
    path("rh/assignations/<uuid:uuid>/arreter/", views_hr.assignment_end, name="assignment_end"),
    # HR: from a competence gap to an assignment (views_gaps).
    path("rh/competences/assigner/", views_gaps.gap_assign, name="gap_assign"),
    # HR: dashboards (views_dashboard).
    path("rh/suivi/", views_dashboard.hr_dashboard, name="hr_dashboard"),
    path("rh/parcours/<uuid:uuid>/", views_dashboard.path_dashboard, name="path_dashboard"),
    path("rh/parcours/<uuid:uuid>/agents/", views_dashboard.path_agents, name="path_agents"),
    # Managers (views_team).
    path("mon-equipe/", views_team.team, name="team"),
    path("mon-equipe/relance/<int:pk>/", views_team.remind, name="remind"),
    # Exports (views_exports).
    path("rh/exports/", views_exports.exports, name="exports"),
    path("rh/exports/assignations.csv", views_exports.assignment_status_csv, name="export_status_csv"),
    path("rh/exports/heures.csv", views_exports.training_hours_csv, name="export_hours_csv"),
    path("rh/exports/bilan-social.csv", views_exports.social_report_csv, name="export_social_csv"),
    path("rh/exports/demande/", views_exports.request_export, name="export_request"),
    path("rh/exports/<uuid:uuid>/", views_exports.download_export, name="export_download"),
]
