"""`manage.py storage_sweep [--min-age SECONDS]`: remove stored files no row refers to, in every province.

Such files are what a crash leaves between writing a file and committing its row, or between committing a
replacement and deleting the old file (see profiles.services). Run it from cron, e.g. hourly.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from profiles.services import storage_sweep
from tenants.context import province_scope
from tenants.selectors import province_list


class Command(BaseCommand):
    help = "Delete private files no attachment or document refers to (crash leftovers), per province."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--min-age",
            type=int,
            default=settings.STORAGE_SWEEP_MIN_AGE_SECONDS,
            help="only files older than this many seconds (spares uploads in flight)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for province in province_list(include_inactive=True):
            with province_scope(province):
                removed = storage_sweep(older_than=timedelta(seconds=options["min_age"]))
            for name in removed:
                self.stdout.write(f"{province.slug}: removed {name}")
            total += len(removed)
        self.stdout.write(self.style.SUCCESS(f"{total} orphaned file(s) removed"))
