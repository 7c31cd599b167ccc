from django.urls import path

from . import views, views_positioning

app_name = "quizzes"

urlpatterns = [
    path("quiz/<int:quiz_id>/commencer/", views.start, name="start"),
    path("quiz/tentative/<int:pk>/", views.attempt_page, name="attempt"),
    path("quiz/tentative/<int:pk>/enregistrer/", views.save, name="save"),
    path("quiz/tentative/<int:pk>/rendre/", views.submit, name="submit"),
    path("quiz/tentative/<int:pk>/correction/", views.review, name="review"),
    path("test-de-positionnement/", views_positioning.positioning, name="positioning"),
    path("quiz/tentative/<int:pk>/partage/", views_positioning.share, name="share"),
    path("rh/competences/tentatives/<int:pk>/", views_positioning.hr_review, name="hr_review"),
    path("rh/competences/agents/<int:agent_pk>/reponses/", views_positioning.hr_shared, name="hr_shared"),
]
