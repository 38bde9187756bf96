from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from core.demo import DEMO_PROVINCES, demo_seed


class Command(BaseCommand):
    help = "Migrate, provision the demo provinces and seed demo data and accounts (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("provinces", nargs="*", default=list(DEMO_PROVINCES))

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Migrating the shared (public) schema …")
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        self.stdout.write("Migrating existing province schemas …")
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
        demo_seed(say=self.stdout.write, provinces=tuple(options["provinces"]))
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
