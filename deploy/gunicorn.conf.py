"""Gunicorn settings for STQ (gunicorn -c deploy/gunicorn.conf.py stq.wsgi). Each value can be set from the
environment; the defaults suit one VM behind nginx on the same machine."""

import multiprocessing
import os

bind = os.environ.get("STQ_BIND", "127.0.0.1:8000")
# Threads overlap database waits; the process count follows the cores (the app is mostly I/O bound).
workers = int(os.environ.get("STQ_WEB_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "gthread"
threads = int(os.environ.get("STQ_WEB_THREADS", "4"))
timeout = int(os.environ.get("STQ_WEB_TIMEOUT", "60"))  # long work goes to the task worker, not to a request
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then (memory growth in long-lived processes)
max_requests_jitter = 200
preload_app = True  # import Django once; workers fork from a warm process
# Only nginx on this host may set X-Forwarded-* (Django reads X-Forwarded-Proto when STQ_BEHIND_TLS=1).
forwarded_allow_ips = os.environ.get("STQ_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Logs to stdout/stderr (journald collects them). Access lines are JSON like the application's own logs.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("STQ_LOG_LEVEL", "info").lower()
access_log_format = (
    '{"time":"%(t)s","level":"INFO","logger":"gunicorn.access","remote":"%(h)s","method":"%(m)s",'
    '"path":"%(U)s","query":"%(q)s","status":%(s)s,"bytes":"%(B)s","duration_ms":%(M)s,"agent":"%(a)s"}'
)
proc_name = "stq-web"
control_socket_disable = True  # no ~/.gunicorn socket: the service has no home directory (ProtectHome)

if os.environ.get("STQ_LOG_FORMAT") == "json":  # gunicorn's own lines as JSON too, like the application's
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "stq.core.logging.JsonFormatter"}, "raw": {"format": "%(message)s"}},
        "handlers": {
            "error": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"},
            "access": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "raw"},
        },
        "root": {"handlers": ["error"], "level": "INFO"},
        "loggers": {
            "gunicorn.error": {"handlers": ["error"], "level": loglevel.upper(), "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
