"""Issue 17, defect 12: a property-based fuzz of every operation finds no unhandled exception.

Hypothesis (with hypothesis-graphql) generates documents for every root field of the one schema, on a province's
and on the national endpoint, from the SDL of whatever `schema.root` builds (so it follows the schema as it
changes): arguments of every type with random values (empty, huge, NUL bytes, out-of-range numbers,
malformed IDs, dates and decimals), nested selections. Each document runs as an anonymous caller, a candidate
and a province administrator holding every staff role, through the real execution path (context with a Django request of
the province). A response may carry errors, but each must be *handled*: a GraphQL validation error or an
error with a code; what production would mask ("Unexpected error") is a failure. Bounded: a few examples per
operation (`FUZZ_EXAMPLES`), deterministic (`derandomize`), each run in a rolled-back savepoint.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import graphql
import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations as mutation_documents
from hypothesis_graphql import nodes, queries
from strawberry.django.context import StrawberryDjangoContext

from accounts.models import STAFF_ROLES, Role, User
from schema.root import _should_mask, schema
from tenants.context import province_scope
from tests.support.auth import make_account

pytestmark = pytest.mark.django_db

FUZZ_EXAMPLES = int(os.environ.get("PLATFORM_FUZZ_EXAMPLES", "6"))

_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "1", "99999999999999999999", "abc", "\x00", "a\x00b", "1e309", "NaN",
                     "2026-13-45", "2026-02-30T25:61:00", "eXl1bm5hbjox", "RXhhbVBsYW46eXVubmFuOjE=", "yunnan:1",
                     "Zm9vOmJhcjpiYXo=", "%00", "' OR 1=1 --", "a" * 300]),
)
_SCALARS = {
    "Date": st.one_of(_TEXT, st.dates().map(str)).map(nodes.String),
    "DateTime": st.one_of(_TEXT, st.datetimes().map(lambda d: d.isoformat())).map(nodes.String),
    "Decimal": st.one_of(
        _TEXT, st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str)
    ).map(nodes.String),
    "JSON": _TEXT.map(nodes.String),
    "Upload": _TEXT.map(nodes.String),
}
_INTS = st.one_of(st.integers(min_value=-(2**31), max_value=2**31 - 1), st.sampled_from([0, -1, 1, 10_000, 2**31 - 1]))


def _root_fields(schema: Any, kind: str) -> list[str]:
    root = schema._schema.query_type if kind == "query" else schema._schema.mutation_type
    return sorted(root.fields) if root is not None else []


CASES = [
    (scope, kind, field)
    for scope in ("province", "national")
    for kind in ("query", "mutation")
    for field in _root_fields(schema, kind)
]


@pytest.fixture
def actors(yunnan: Any) -> dict[str, str | None]:
    _, candidate = make_account(yunnan, username="fuzz_candidate", roles=[Role.CANDIDATE])
    _, staff = make_account(
        yunnan, username="fuzz_admin", roles=[Role.PROVINCE_ADMIN, *STAFF_ROLES], kind=User.Kind.STAFF
    )
    return {"anonymous": None, "candidate": candidate, "staff": staff}


@pytest.fixture
def national(provinces: Any) -> Iterator[Any]:
    from tenants.routing import resolve

    yield resolve("localhost", "/graphql/").tenant


def _run(tenant: Any, document: str, token: str | None) -> list[graphql.GraphQLError]:
    host = "localhost" if tenant.schema_name == "public" else f"{tenant.slug}.localhost"
    headers: dict[str, Any] = {"HTTP_HOST": host}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    request = RequestFactory().post("/graphql/", data=b"{}", content_type="application/json", **headers)
    request.tenant = tenant  # type: ignore[attr-defined]
    request.user = AnonymousUser()
    request.session = SessionStore()
    context = StrawberryDjangoContext(request=request, response=None)  # type: ignore[arg-type]
    with province_scope(tenant):
        with transaction.atomic():
            result = schema.execute_sync(document, context_value=context)
            transaction.set_rollback(True)
    return list(result.errors or [])


def _unhandled(errors: list[graphql.GraphQLError]) -> list[str]:
    found = []
    for error in errors:
        if _should_mask(error):
            original = error.original_error
            found.append(f"{type(original).__name__}: {original} at {error.path}")
    return found


@pytest.mark.parametrize(("scope", "kind", "field"), CASES, ids=[f"{s}-{k}-{f}" for s, k, f in CASES])
def test_no_operation_raises_an_unhandled_exception(
    scope: str, kind: str, field: str, yunnan: Any, national: Any, actors: dict[str, str | None]
) -> None:
    tenant = yunnan if scope == "province" else national
    make = queries if kind == "query" else mutation_documents
    documents = make(str(schema), fields=[field], custom_scalars=_SCALARS)

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(document=documents, actor=st.sampled_from(sorted(actors)))
    def check(document: str, actor: str) -> None:
        unhandled = _unhandled(_run(tenant, document, actors[actor]))
        assert not unhandled, f"{actor}: {document}\n" + "\n".join(unhandled)

    check()
    assert _INTS  # integers come from hypothesis-graphql's own Int strategy (full 32-bit range)
