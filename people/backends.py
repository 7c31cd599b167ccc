"""Authentication helpers. Login is by e-mail address, whatever its case: Django's ModelBackend looks
users up through UserManager.get_by_natural_key, which compares e-mail addresses without case."""


def axes_username(request, credentials) -> str:
    """The username django-axes keys lockouts on: the e-mail address, trimmed and lower-cased."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return username.strip().lower()


def client_ip(request) -> str | None:
    """The client's address as django-axes should see it.

    Behind PROXY_COUNT trusted reverse proxies, each appends the address it received the request from to
    X-Forwarded-For, so the client is the PROXY_COUNT-th address from the right; anything further left
    was written by the client and is not trusted. With no proxy, REMOTE_ADDR is the client.
    """
    from django.conf import settings

    proxies = settings.PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
