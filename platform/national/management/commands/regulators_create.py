"""Create a national or regional regulator account: `manage.py regulators_create NAME --provinces yunnan,tianjin`."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from national.services import regulator_create
from tenants.context import national_scope


class Command(BaseCommand):
    help = "Create a regulator account in the national scope (all provinces, or --provinces for a regional one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--real-name", required=True)
        parser.add_argument("--provinces", default="", help="comma-separated slugs; empty = every province")
        parser.add_argument("--password-env", default="", help="read the initial password from this variable")

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get(options["password_env"], "") if options["password_env"] else ""
        if not password:
            password = getpass.getpass("Initial password (changed at first login): ")
        provinces = [s for s in options["provinces"].split(",") if s.strip()]
        with national_scope():
            try:
                user = regulator_create(actor=None, username=options["username"], password=password,
                                        real_name=options["real_name"], provinces=provinces)
            except DomainError as error:
                raise CommandError(f"{error.code}: {error.message('en')}") from error
        reach = ", ".join(provinces) or "every province"
        self.stdout.write(f"regulator {user.username} created ({reach}); password change forced at first login")
