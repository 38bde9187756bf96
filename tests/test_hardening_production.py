"""Issue 17, defects 7 and 13, with the production settings (a fresh interpreter: settings are read once).

13: a coded top-level error (UNAUTHENTICATED) was masked into "Unexpected error." in production; now coded
    errors keep code and message, and only unexpected exceptions are masked.
7:  "Did you mean …?" leaked schema names for unknown arguments, enum values, types (fragments, variables)
    and input fields; now no message in production carries a suggestion.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db(transaction=True)

PROBE = r"""
import json, sys
sys.path.insert(0, "platform")
import config, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from django.test import Client

client = Client(HTTP_HOST="yunnan.localhost")
out = {}
for name, body in json.loads(sys.argv[1]).items():
    response = client.post("/graphql/", json.dumps(body), content_type="application/json")
    out[name] = {"status": response.status_code, "body": response.json()}
print(json.dumps(out, ensure_ascii=False))
"""

LOGIN = "mutation($i: AccountLoginInput!) { accountLogin(input: $i) { token } }"
GOOD_INPUT = {"account": "a", "password": "b", "captchaId": "c", "captchaAnswer": "d", "role": "CANDIDATE"}

REQUESTS: dict[str, dict[str, Any]] = {
    "unauthenticated": {"query": "{ myCertificates { totalCount } }"},
    "unexpected": {"query": "{ myCertificates { totalCount } }", "variables": {}},
    "argument": {"query": '{ examPlans(regio: "x") { totalCount } }'},
    "field": {"query": "{ examPlan { totalCount } }"},
    "enum_literal": {"query": 'mutation { accountLogin(input: {account: "a", password: "b", captchaId: "c", '
                              'captchaAnswer: "d", role: CANDIDAT}) { token } }'},
    "input_field_literal": {"query": 'mutation { accountLogin(input: {acount: "a", password: "b", captchaId: "c", '
                                     'captchaAnswer: "d", role: CANDIDATE}) { token } }'},
    "fragment_type": {"query": "query { ...f } fragment f on Quer { __typename }"},
    "variable_type": {"query": "mutation($i: AccountLoginInpu!) { accountLogin(input: $i) { token } }",
                      "variables": {"i": GOOD_INPUT}},
    "enum_variable": {"query": LOGIN, "variables": {"i": {**GOOD_INPUT, "role": "CANDIDAT"}}},
    "input_field_variable": {"query": LOGIN, "variables": {"i": {**GOOD_INPUT, "acount": "x"}}},
}


def _probe(env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(REQUESTS)],
        cwd=ROOT,
        env={**os.environ, "PLATFORM_DB_NAME": connection.settings_dict["NAME"], **env},
        capture_output=True, text=True, check=False, timeout=180,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


PRODUCTION = {"PLATFORM_ENV": "production", "PLATFORM_SECRET_KEY": "x" * 50}


def test_coded_top_level_errors_keep_code_and_message_in_production(provinces: object) -> None:
    report = _probe(PRODUCTION)
    error = report["unauthenticated"]["body"]["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"] == "请先登录"


def test_no_suggestion_anywhere_in_production(provinces: object) -> None:
    report = _probe(PRODUCTION)
    for name in REQUESTS:
        if name in {"unauthenticated", "unexpected"}:
            continue
        messages = [e["message"] for e in report[name]["body"].get("errors", [])]
        assert messages, (name, report[name])
        assert not any("Did you mean" in m for m in messages), (name, messages)


def test_development_still_suggests(provinces: object) -> None:
    # the same requests do carry suggestions in development: the production test above would catch a leak
    report = _probe({"PLATFORM_ENV": "development"})
    suggesting = {
        name for name in REQUESTS
        if any("Did you mean" in e["message"] for e in report[name]["body"].get("errors", []))
    }
    assert {"argument", "enum_literal", "input_field_literal", "fragment_type", "variable_type"} <= suggesting
