"""Production hardening: no introspection or IDE, no field suggestions, limits on, unexpected errors masked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
# The probe's HTTP request resolves its province in the test database.
pytestmark = pytest.mark.django_db

# Runs in a fresh interpreter: settings are read once, at start-up.
PROBE = r"""
import json, sys
sys.path.insert(0, "platform")
import config, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from django.test import Client
from schema.root import schema as province_schema

def run(query):
    result = province_schema.execute_sync(query)
    return [e.message for e in (result.errors or [])]

client = Client()
print(json.dumps({
    "introspection": run("{ __schema { types { name } } }"),
    "suggestion": run("{ provinc { slug } }"),
    "aliases": run("{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"),
    "tokens": run("{ " + " ".join("__typename" for _ in range(5000)) + " }"),
    "ide": client.get("/graphql/", HTTP_HOST="localhost", HTTP_ACCEPT="text/html").status_code,
    "debug": __import__("django.conf").conf.settings.DEBUG,
}))
"""


def _probe(env: dict[str, str]) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, "PLATFORM_DB_NAME": connection.settings_dict["NAME"], **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def test_production_turns_off_introspection_ide_and_suggestions_and_keeps_limits() -> None:
    report = _probe({"PLATFORM_ENV": "production", "PLATFORM_SECRET_KEY": "x" * 50})
    assert report["introspection"] and "introspection" in str(report["introspection"]).lower()
    assert report["suggestion"] and "Did you mean" not in str(report["suggestion"])
    assert report["aliases"]  # 40 aliases > 30
    assert report["tokens"]  # 5000 tokens > 4000
    assert report["ide"] != 200
    assert report["debug"] is False


def test_development_keeps_introspection_and_suggestions() -> None:
    report = _probe({"PLATFORM_ENV": "development"})
    assert report["introspection"] == []
    assert "Did you mean" in str(report["suggestion"])
    assert report["ide"] == 200


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, "PLATFORM_ENV": "production", "PLATFORM_SECRET_KEY": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "PLATFORM_SECRET_KEY" in result.stderr
