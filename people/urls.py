from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("compte/connexion/", views.LoginView.as_view(), name="login"),
    path("compte/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("compte/mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "compte/mot-de-passe/modifie/",
        auth_views.PasswordChangeDoneView.as_view(template_name="people/password_change_done.html"),
        name="password_change_done",
    ),
    path("compte/mot-de-passe-oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "compte/mot-de-passe-oublie/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="people/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "compte/reinitialiser/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("compte/invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
    path(
        "compte/mot-de-passe/enregistre/",
        auth_views.PasswordResetCompleteView.as_view(template_name="people/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("rh/agents/", views.agent_list, name="agent_list"),
    path("rh/agents/<int:pk>/", views.agent_detail, name="agent_detail"),
    path("rh/agents/<int:pk>/activation/", views.agent_set_active, name="agent_set_active"),
    path("rh/agents/<int:pk>/invitation/", views.agent_reinvite, name="agent_reinvite"),
    path("rh/import/", views.agent_import, name="agent_import"),
    path("rh/import/<int:pk>/", views.agent_import_preview, name="agent_import_preview"),
]
