from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from core.workers import run_workers
from core.ws_protocol import WS_PROTOCOL
from tenants.selectors import province_list


class Command(BaseCommand):
    help = "Serve HTTP and WebSocket (uvicorn) and print the URLs to open."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.SERVER_HOST)
        parser.add_argument("--port", type=int, default=settings.SERVER_PORT)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--quiet", action="store_true", help="no access log")

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        base = settings.BASE_DOMAIN
        self.stdout.write("")
        self.stdout.write(f"National endpoint:   http://{base}:{port}/graphql/   (GraphiQL in development)")
        for province in province_list():
            self.stdout.write(
                f"{province.name:<10} http://{province.slug}.{base}:{port}/graphql/"
                f"  or  http://{base}:{port}/p/{province.slug}/graphql/"
            )
        self.stdout.write(f"WebSocket (graphql-transport-ws) on the same paths: ws://yunnan.{base}:{port}/graphql/")
        self.stdout.write(f"Health: http://{base}:{port}/healthz   Admin: http://yunnan.{base}:{port}/admin/")
        self.stdout.write("Seat boards (考位实时余量, live) — open one in a browser:")
        for province in province_list():
            self.stdout.write(
                f"{province.name:<10} http://{province.slug}.{base}:{port}/seats/"
                f"  or  http://{base}:{port}/p/{province.slug}/seats/"
            )
        self.stdout.write("")
        # Several workers: each on a listening socket of its own, so connections spread evenly (core.workers).
        run_workers(
            "config.asgi:application",
            host=options["host"],
            port=port,
            workers=options["workers"],
            ws=WS_PROTOCOL,  # uvicorn's websockets-sansio, releasing the handshake once answered
            ws_per_message_deflate=False,
            lifespan="off",
            # The platform itself decides whom to believe about X-Forwarded-For (PLATFORM_TRUSTED_PROXIES):
            # uvicorn's own proxy handling would otherwise trust it from loopback peers.
            proxy_headers=False,
            access_log=not options["quiet"],
            log_level="warning" if options["quiet"] else "info",
        )
