"""WSGI entry point for any WSGI server (`waitress-serve wsgi:app`). Production runs
gunicorn with gunicorn.conf.py and `idp:create_app()` instead (README "Production")."""
from idp import create_app

app = create_app()
