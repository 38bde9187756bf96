from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from exams.services import registrations_expire
from tenants.context import province_scope
from tenants.selectors import province_list


class Command(BaseCommand):
    help = (
        "Expire registrations nobody reviewed by their plan's review deadline and free their seats, per "
        "province. Idempotent: schedule it (e.g. every 10 minutes); running it twice changes nothing more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("provinces", nargs="*", help="province slugs (default: all active provinces)")

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = set(options["provinces"])
        for province in province_list():
            if wanted and province.slug not in wanted:
                continue
            with province_scope(province):
                count = registrations_expire()
            self.stdout.write(f"{province.slug}: {count} registration(s) expired")
