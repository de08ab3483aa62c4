"""WSGI entry point (gunicorn hanoi_ict.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hanoi_ict.settings")

application = get_wsgi_application()

# Import every view now, then move what is loaded (about 120,000 objects that live as long as
# the process: modules, models, URL patterns) out of the garbage collector's sight, as the
# documentation of ``gc.freeze`` advises for servers. Otherwise each full collection walks them
# all: about 110 ms on a 2-core machine, every few thousand requests, during which the worker
# answers nothing; that was most of the block page's p99 under load (bench/public_pages.sh).
get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every view)
gc.freeze()
