"""WSGI entry point for gunicorn: `gunicorn ensemble.wsgi:app`."""

import os

from werkzeug.middleware.proxy_fix import ProxyFix

from ensemble import create_app

app = create_app()
# Trust X-Forwarded-* only from as many proxies as declared: otherwise a client
# could spoof its address and dodge the per-address sign-in limit.
_proxies = int(os.environ.get("TRUSTED_PROXIES", "0"))
if _proxies:
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=_proxies, x_proto=_proxies)
