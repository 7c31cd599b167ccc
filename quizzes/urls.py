from django.urls import path

from . import views

app_name = "quizzes"

urlpatterns = [
    path("quiz/<int:quiz_id>/commencer/", views.start, name="start"),
    path("quiz/tentative/<int:pk>/", views.attempt_page, name="attempt"),
    path("quiz/tentative/<int:pk>/enregistrer/", views.save, name="save"),
    path("quiz/tentative/<int:pk>/rendre/", views.submit, name="submit"),
    path("quiz/tentative/<int:pk>/correction/", views.review, name="review"),
]
