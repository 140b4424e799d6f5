"""The WSGI entry point for `dhr web` (gunicorn service.wsgi:app)."""

from service.app import create_app

app = create_app()
