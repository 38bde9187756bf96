"""`manage.py storage_sweep [--min-age SECONDS] [--document-grace-hours H]`: remove documents no request refers
to once older than H hours (issue 17), then stored files no row refers to, in every province.

Such files are what a crash leaves between writing a file and committing its row, or between committing a
replacement and deleting the old file (see profiles.services). Run it from cron, e.g. hourly.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from profiles.services import document_sweep, storage_sweep
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
        parser.add_argument(
            "--document-grace-hours",
            type=int,
            default=settings.PLATFORM_DOCUMENT_GRACE_HOURS,
            help="documents no request refers to are removed once this old (issue 17)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for province in province_list(include_inactive=True):
            with province_scope(province):
                removed = document_sweep(older_than=timedelta(hours=options["document_grace_hours"]))
                removed += storage_sweep(older_than=timedelta(seconds=options["min_age"]))
            for name in removed:
                self.stdout.write(f"{province.slug}: removed {name}")
            total += len(removed)
        self.stdout.write(self.style.SUCCESS(f"{total} orphaned file(s) removed"))
