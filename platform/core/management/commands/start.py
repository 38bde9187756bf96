from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "The whole platform in one command: migrate, demo provinces and data, then serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("demo")
        serve_options = {"port": options["port"]} if options["port"] else {}
        call_command("serve", **serve_options)
