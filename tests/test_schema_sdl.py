"""The checked-in SDL (schema/schema.graphql) is the schema the code serves: portals generate clients from it."""

from __future__ import annotations

import difflib
from pathlib import Path

from strawberry.printer import print_schema

SDL = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"
REGENERATE = ".venv/bin/python manage.py export_schema schema.root:schema --path schema/schema.graphql"


def test_checked_in_sdl_is_the_served_schema() -> None:
    from schema.root import schema

    current, checked_in = print_schema(schema), SDL.read_text(encoding="utf-8")
    if current != checked_in:
        diff = "".join(difflib.unified_diff(
            checked_in.splitlines(True), current.splitlines(True), "schema/schema.graphql", "schema.root:schema", n=1
        ))
        raise AssertionError(f"schema/schema.graphql is stale; regenerate it with\n    {REGENERATE}\n\n{diff[:4000]}")
