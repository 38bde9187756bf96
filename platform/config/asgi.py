"""ASGI entry point: HTTP through Django (and its province middleware), WebSocket through Channels.

Run it from anywhere: `python -m uvicorn config.asgi:application --app-dir platform` or `manage.py serve`.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any, cast

_apps_root = str(Path(__file__).resolve().parents[1])
if _apps_root not in sys.path:
    sys.path.insert(0, _apps_root)

import config  # noqa: E402,F401  (adds the project root to sys.path)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup(set_prefix=False)

from core.asgi_handler import PooledASGIHandler  # noqa: E402

# Django's ASGI handler, but one hand-off per request to a fixed pool of PLATFORM_HTTP_THREADS threads.
django_application = PooledASGIHandler()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from core.asgi_limits import BodySizeLimitMiddleware  # noqa: E402
from subscriptions.routing import websocket_application  # noqa: E402

# Django's ASGI handler reads (spools) the whole body before any Django middleware runs: cap it in front.
http_application = BodySizeLimitMiddleware(
    cast(Any, django_application), max_body_bytes=settings.MAX_REQUEST_BODY_BYTES
)

application = ProtocolTypeRouter({"http": http_application, "websocket": websocket_application})

# Everything imported so far lives as long as the process: keep it out of the collector's way, and
# collect less often. Fan-out to thousands of subscribers allocates many short-lived objects; with the
# default thresholds a full collection over all of them runs in the middle of a delivery.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 50, 100)
