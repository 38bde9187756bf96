"""Find cross-province conflicts (overlapping exams, the same category valid twice); run it as a job."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from national.services import duplicates_detect
from tenants.context import national_scope


class Command(BaseCommand):
    help = "Detect one ID number in overlapping exams or holding the same valid category in two provinces."

    def handle(self, *args: Any, **options: Any) -> None:
        with national_scope():
            new = duplicates_detect()
        self.stdout.write(f"{len(new)} new finding(s)")
