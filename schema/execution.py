"""Subscription events executed once, shared by every watcher with the same document and variables.

graphql-core executes a subscription's selection set once per watcher and per event. For a public event
(seat counts: no per-user data, no context in its resolvers) the result only depends on the document,
the variables and the event, so 10,000 watchers of one session can share one execution. An event opts in
by carrying `shared_key`, which must cover everything its fields show (the content itself, so a reused id
can never serve another event's data); anything else executes as usual.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from graphql import DocumentNode, ExecutionResult, OperationType, execute
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_MAX_ENTRIES = 1024
_lock = threading.Lock()
_results: OrderedDict[tuple[Any, ...], tuple[Any, Any]] = OrderedDict()


def _variables_key(variable_values: Any) -> str:
    coerced = getattr(variable_values, "coerced", variable_values) or {}
    return repr(sorted(coerced.items()))


def _document_key(operation: Any) -> tuple[str, str] | None:
    """The operation's source text and name: the same query from any client gives the same key."""
    loc = operation.loc
    if loc is None:
        return None  # parsed without locations: no safe key, so no sharing
    return (loc.source.body, operation.name.value if operation.name else "")


class SharedEventExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_operation(self, serially: bool | None = None) -> Any:
        shared_key = getattr(self.root_value, "shared_key", None)
        if shared_key is None or self.operation.operation != OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        document = _document_key(self.operation)
        if document is None:
            return super().execute_operation(serially)
        key = (document, _variables_key(self.variable_values), shared_key)
        with _lock:
            hit = _results.get(key)
        if hit is not None:
            return hit[1]
        result = super().execute_operation(serially)
        if not isinstance(result, ExecutionResult):
            return result  # awaitable (async resolvers) or incremental: not shared
        if not result.errors:
            with _lock:
                _results[key] = (self.operation, result)
                while len(_results) > _MAX_ENTRIES:
                    _results.popitem(last=False)
        return result


def render_key(info: Any) -> tuple[Any, ...]:
    """What a subscription's rendering depends on besides the event: document, operation, variables."""
    raw = info._raw_info
    document = _document_key(raw.operation)
    if document is None:
        return (object(),)  # no safe key: a rendering of its own
    return (document, _variables_key(raw.variable_values))


def next_message_renderer(info: Any, operation_id: str) -> Callable[[object], str]:
    """Render a root value (an event) as the final graphql-transport-ws `next` message of this subscription.

    The watcher's own document, operation and variables, executed once per event for every watcher that
    shares them (`subscriptions.fanout`); the text is what Strawberry's handler would have sent.
    """
    raw = info._raw_info
    document = DocumentNode(definitions=(raw.operation, *raw.fragments.values()))
    operation_name = raw.operation.name.value if raw.operation.name else None
    variables = dict(raw.variable_values)
    context = raw.context
    schema = raw.schema

    def render(root: object) -> str:
        result = execute(
            schema, document, root_value=root, context_value=context, variable_values=variables,
            operation_name=operation_name,
        )
        if not isinstance(result, ExecutionResult):
            raise TypeError("a shared subscription event must resolve synchronously")
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [error.formatted for error in result.errors]
        return json.dumps({"id": operation_id, "type": "next", "payload": payload}, separators=(",", ":"))

    return render
