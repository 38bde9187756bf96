"""`manage.py provinces_provision yunnan 12 云南 …` or `--all`: create and migrate province schemas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.divisions import DIVISIONS, find_division
from tenants.services import national_ensure, province_provision


class Command(BaseCommand):
    help = "Provision provinces (GB/T 2260 slug, code or name), idempotently, with progress output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("provinces", nargs="*", help="slug (yunnan), code (530000 or 53) or name (云南)")
        parser.add_argument("--all", action="store_true", help="all 34 provincial-level divisions")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            divisions = list(DIVISIONS)
        else:
            divisions = []
            for key in options["provinces"]:
                division = find_division(key)
                if division is None:
                    raise CommandError(f"unknown province: {key}")
                divisions.append(division)
        if not divisions:
            raise CommandError("name at least one province, or pass --all")
        national_ensure()
        total = len(divisions)
        for index, division in enumerate(divisions, start=1):
            province_provision(division=division, progress=self._progress(f"[{index}/{total}]"))
        self.stdout.write(self.style.SUCCESS(f"{total} province(s) ready"))

    def _progress(self, prefix: str) -> Callable[[str], None]:
        def say(message: str) -> None:
            self.stdout.write(f"{prefix} {message}")

        return say
