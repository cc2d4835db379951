"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

from config.startup import freeze_loaded_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()
# Loaded once per gunicorn worker: kept out of the cycle collector's passes from here on.
freeze_loaded_objects()
