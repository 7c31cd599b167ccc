from . import urls_agent, urls_hr, urls_pix

app_name = "skills"

urlpatterns = [*urls_agent.urlpatterns, *urls_hr.urlpatterns, *urls_pix.urlpatterns]
