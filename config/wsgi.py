"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

from config.startup import load_url_conf, settle_loaded_process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()
# Loaded once per gunicorn worker, views included: kept out of the cycle collector's passes from here on.
load_url_conf()
settle_loaded_process()
