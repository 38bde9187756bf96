"""Demo data: each app may have a `demo` module with `seed(*, province, say)`; this runs them all.

Seeding is idempotent: a second run finds what the first created and changes nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.apps import apps

from tenants.context import national_scope, province_scope
from tenants.divisions import find_division
from tenants.services import national_ensure, province_provision

DEMO_PROVINCES = ("yunnan", "tianjin", "henan")

Say = Callable[[str], None]


def _seeders() -> list[Callable[..., Any]]:
    seeders = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.demo":
                raise
            continue
        if module.__name__ != __name__ and hasattr(module, "seed"):
            seeders.append(module.seed)
    return seeders


def demo_seed(*, say: Say, provinces: tuple[str, ...] = DEMO_PROVINCES) -> None:
    national = national_ensure()
    seeders = _seeders()
    with national_scope():
        for seed in seeders:
            seed(province=national, say=say)
    for slug in provinces:
        division = find_division(slug)
        assert division is not None, slug
        province, _ = province_provision(division=division, progress=say)
        with province_scope(province):
            for seed in seeders:
                seed(province=province, say=say)
