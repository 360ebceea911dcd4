"""gunicorn settings for the portal behind nginx (deploy/nginx/portal.conf).

    gunicorn -c deploy/gunicorn.conf.py config.wsgi

deploy/systemd/portal-web.service starts it so; make deploy-check too. Every value can
be changed from the environment (/etc/portal/portal.env) without editing this file.
"""

import os

from gunicorn.glogging import Logger


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# nginx's upstream (server 127.0.0.1:8000 in portal.conf) must name the same address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: nginx buffers slow clients and whole uploads, so a worker is busy only
# while Django works. 2 × CPUs + 1 keeps the CPUs busy while some wait on the database.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * _cpus() + 1))

# A request running longer than this kills its worker (a 2 GB video upload, read from
# nginx's buffer and copied into storage, fits); nginx's proxy_read_timeout is longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
# On stop or reload (HUP), workers finish the requests they hold for this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
# Recycle workers now and then (memory growth); jitter keeps them from all restarting
# at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 1000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 100))

# Only nginx may say that the request came over HTTPS (X-Forwarded-Proto, the one
# header portal.conf sets) or from whom (X-Forwarded-For). gunicorn and Django read the
# same list of proxy addresses, PORTAL_TRUSTED_PROXIES: from any other peer gunicorn
# ignores the scheme header and Django drops both (members.client_ip); the client's
# address is then the X-Forwarded-For entry PORTAL_TRUSTED_PROXY_COUNT names.
forwarded_allow_ips = os.environ.get("PORTAL_TRUSTED_PROXIES", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Logs go to stdout/stderr, that is to the journal under systemd. The first field is
# the client as nginx saw it; the request id matches nginx's $request_id.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
    "%(M)sms %({x-request-id}i)s"
)


class PortalLogger(Logger):
    """gunicorn's logger, without the access lines of requests the app marked routine
    (school.views.ROUTINE_REQUEST in the environ): accepted study heartbeats, which
    10,000 members watching send 1,000 times a second. nginx's access log still has
    them; refused ones (4xx, 5xx) are logged here as any other request."""

    def access(self, resp, req, environ, request_time):
        if environ.get("portal.routine") and resp.status_code == 200:
            return
        super().access(resp, req, environ, request_time)


logger_class = PortalLogger

# The heartbeat file of each worker lives in memory, not on disk (gunicorn's advice).
if os.path.isdir("/dev/shm"):  # noqa: S108
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# gunicornc's control socket: in the service's runtime directory (systemd sets
# RUNTIME_DIRECTORY), otherwise none, so that several instances never share one.
_runtime = os.environ.get("RUNTIME_DIRECTORY", "")
if _runtime:
    control_socket = os.path.join(_runtime.split(":")[0], "gunicorn.ctl")
else:
    control_socket_disable = True

proc_name = "portal-web"
