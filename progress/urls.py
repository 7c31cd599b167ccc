from django.urls import path

from . import views

app_name = "progress"

urlpatterns = [
    path("progression/cours/<int:course_id>/inscription/", views.enroll, name="enroll"),
    path("progression/cours/<int:course_id>/reprendre/", views.resume, name="resume"),
    path("progression/lecons/<int:lesson_id>/terminer/", views.complete, name="complete"),
    path("progression/lecons/<int:lesson_id>/activite/", views.heartbeat, name="heartbeat"),
    path("mon-espace/livret/", views.training_record, name="training_record"),
    path("mon-espace/livret.pdf", views.training_record_pdf, name="training_record_pdf"),
    path("xapi/activities/<slug:kind>/<int:pk>", views.activity, name="activity"),
]
