"""`manage.py certificates_lapse [--on YYYY-MM-DD] [province …]`: daily, idempotent, every province."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from certificates.services import certificates_lapse
from tenants.context import province_scope
from tenants.selectors import province_list


class Command(BaseCommand):
    help = "Mark certificates 2 months past expiry without renewal as lapsed (safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("provinces", nargs="*", help="slugs; default: every active province")
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="the day to judge by")

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = set(options["provinces"])
        total = 0
        for province in province_list():
            if wanted and province.slug not in wanted:
                continue
            with province_scope(province):
                lapsed = certificates_lapse(on=options["on"])
            total += len(lapsed)
            self.stdout.write(f"{province.slug}: {len(lapsed)} lapsed" + (f" ({', '.join(lapsed)})" if lapsed else ""))
        self.stdout.write(self.style.SUCCESS(f"{total} certificate(s) lapsed"))
