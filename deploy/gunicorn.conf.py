"""Gunicorn settings for production (container or systemd): ``gunicorn -c deploy/gunicorn.conf.py nuandong.wsgi``.

Everything can be tuned from the environment without editing this file.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Threads suit a Django app that mostly waits on PostgreSQL; processes give CPU parallelism.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # PDFs render in workers, not here
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage.
max_requests = 2000
max_requests_jitter = 200
# Only the reverse proxy may set X-Forwarded-* (Django trusts X-Forwarded-Proto for https).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms req=%({x-request-id}o)s'
# No runtime control socket: several instances may share a host and a home directory.
control_socket_disable = True
