"""gunicorn in production (README "Production"):

    gunicorn -c gunicorn.conf.py --workers 4 --threads 8 --bind 127.0.0.1:8000 'idp:create_app()'

Options on the command line (or in GUNICORN_CMD_ARGS) override the defaults here.
Every worker is a whole IdP; what they share lives in the database and in keys/.
"""
import os
import tempfile
from pathlib import Path

# The code next to this file, wherever gunicorn is started from.
chdir = str(Path(__file__).resolve().parent)
bind = "127.0.0.1:8000"
workers = 2
worker_class = "gthread"
threads = 8
# Longer than the slowest outgoing call of a request (eID-Server, partner metadata).
timeout = 60
graceful_timeout = 30
# JSON lines on stderr, gunicorn's own messages included. The app logs every request
# itself, without addresses or query strings, so gunicorn's access log stays off.
accesslog = None
# gunicorn would otherwise believe X-Forwarded-Proto from 127.0.0.1; which proxies
# are trusted is SERVICEKONTO_TRUSTED_PROXIES alone (ProxyFix in the app).
forwarded_allow_ips = ""
secure_scheme_headers = {}
forwarder_headers = ""  # nor SCRIPT_NAME/PATH_INFO from a proxy on a UNIX socket

# prometheus-client's multiprocess mode: every worker writes its counters into files
# here and /metrics adds them up. It must be set before any worker imports the
# library, hence here; an operator may choose the directory (tmpfs) in the environment.
# (Not setdefault: its default argument would make a directory at every start.)
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="servicekonto-metrics-")
METRICS_DIR = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])


from idp.observability.logs import LOGGING  # noqa: E402 (after the metrics directory is set)

logconfig_dict = LOGGING


def on_starting(server):
    # Counters of an earlier run would be added to this one's.
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in METRICS_DIR.glob("*.db"):
        stale.unlink()
    # One app in the master first: signing keys, SAML keys and the session secret are
    # created once on a first start instead of by workers racing each other, and bad
    # settings stop the server before any worker starts.
    from idp import create_app

    create_app()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
