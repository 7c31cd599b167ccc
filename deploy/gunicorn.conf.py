"""Gunicorn settings for Cap Numérique: ``gunicorn -c deploy/gunicorn.conf.py``.

Everything a machine may change comes from the environment (see .env.example):

- ``BIND``: where to listen, e.g. ``127.0.0.1:8000``, ``0.0.0.0:8000`` or ``unix:/run/capnum/web.sock``
  (several addresses separated by commas). Without it: ``0.0.0.0:$PORT`` when ``PORT`` is set (the
  convention of containers and platforms), else ``127.0.0.1:8000`` behind a proxy on the same machine.
- ``WEB_CONCURRENCY``: worker processes; by default 2 × CPU cores + 1.
- ``FORWARDED_ALLOW_IPS``: addresses of the proxies whose X-Forwarded-* headers are trusted
  (comma-separated, ``*`` for any: only when nothing but the proxy can reach gunicorn).
"""

import os


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (containers, cgroups)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _int_from_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _bind() -> list[str]:
    if os.environ.get("BIND", "").strip():
        return [address.strip() for address in os.environ["BIND"].split(",") if address.strip()]
    if os.environ.get("PORT", "").strip():
        return [f"0.0.0.0:{_int_from_env('PORT', 8000)}"]
    return ["127.0.0.1:8000"]


wsgi_app = "lms.wsgi:application"  # production settings unless DJANGO_SETTINGS_MODULE says otherwise

bind = _bind()
workers = _int_from_env("WEB_CONCURRENCY", 2 * _cpu_count() + 1)
worker_class = "sync"
timeout = 60  # a request still running after 60 s is killed (nginx waits a little longer)
graceful_timeout = 30  # on stop or reload, requests in flight get 30 s to finish
keepalive = 5  # behind a proxy that keeps connections open
# Recycle workers now and then so that a slow leak never becomes an outage.
max_requests = _int_from_env("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# Trust X-Forwarded-* only from the proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to stdout/stderr, collected by journald or the container runtime.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

# Heartbeat files in memory: a slow or full disk must not make gunicorn kill healthy workers.
if os.path.isdir("/dev/shm"):  # noqa: S108 - gunicorn's own advice, not a shared temporary file
    worker_tmp_dir = "/dev/shm"  # noqa: S108

proc_name = "capnum-web"
