"""WSGI entry point (gunicorn hanoi_ict.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hanoi_ict.settings")

application = get_wsgi_application()
