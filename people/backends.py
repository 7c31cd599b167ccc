"""Authentication helpers. Login is by e-mail address, whatever its case: Django's ModelBackend looks
users up through UserManager.get_by_natural_key, which compares e-mail addresses without case."""


def axes_username(request, credentials) -> str:
    """The username django-axes keys lockouts on: the e-mail address, trimmed and lower-cased."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return username.strip().lower()
