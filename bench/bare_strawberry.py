"""The reference for the platform's request path: a bare Strawberry ASGI app answering `{ hello }`.

    python -m uvicorn bare_strawberry:app --app-dir bench --workers 2

No Django, no database, no middleware: HTTP + Strawberry only. bench/seat_booking.py runs it side by side
with the platform, with the same load client.
"""

from __future__ import annotations

import strawberry
from strawberry.asgi import GraphQL


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


schema = strawberry.Schema(query=Query)
app = GraphQL(schema, graphql_ide=None)
