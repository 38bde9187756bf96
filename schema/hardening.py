"""Schema-wide hardening (issue 17), applied to every operation of every schema, over HTTP and WebSocket.

- **No suggestions** (production): graphql-core appends "Did you mean …?" to unknown arguments, enum values,
  types, input fields and fields; `disable_field_suggestions` only covers fields. Every message loses it.
- **Database unavailable**: an OperationalError/InterfaceError (connect timeout, refused connection, statement
  timeout) becomes the coded top-level error `DATABASE_UNAVAILABLE` instead of a masked or raw message.
- **NUL bytes**: PostgreSQL cannot store them; a string argument or variable holding one is refused with
  `INVALID_INPUT` before anything runs.
- **Expensive operations per request**: password hashing and PDF rendering are counted over the whole HTTP
  request (every alias, every operation of a batch); over the budget the operation is refused with
  `OPERATION_COST_EXCEEDED` before any resolver runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    visit,
)
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

from core.errors import DomainError, ErrorCode, message_for

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")

# Root or nested field names whose resolution hashes a password or renders a PDF.
EXPENSIVE_FIELDS: dict[str, str] = {
    "accountLogin": "password",
    "passwordChange": "password",
    "accountRegister": "password",
    "passwordRecoveryComplete": "password",
    "certificatePdf": "pdf",
    "pdfBase64": "pdf",
}


def strip_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)


def coded_error(code: ErrorCode, *, message: str | None = None, source: GraphQLError | None = None) -> GraphQLError:
    """A top-level error with `extensions.code` (kept under masking: see schema.root._should_mask)."""
    text = message or f"{message_for(code, language='zh')} / {message_for(code, language='en')}"
    if source is None:
        return GraphQLError(text, extensions={"code": code.value})
    return GraphQLError(
        text, nodes=source.nodes, source=source.source, positions=source.positions, path=source.path,
        extensions={"code": code.value},
    )


def _is_database_failure(error: BaseException | None) -> bool:
    from django.db import InterfaceError, OperationalError

    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, (OperationalError, InterfaceError)):
            return True
        error = error.__cause__ or getattr(error, "original_error", None)
        seen += 1
    return False


def _from_relay_arguments(error: ValueError) -> bool:
    """A ValueError raised by strawberry's relay helpers while reading connection arguments (`first`/`last`
    out of range, a cursor that is not base64): the caller's input, not a bug."""
    if str(error).startswith("Argument '"):
        return True
    traceback = error.__traceback__
    while traceback is not None:
        if "/strawberry/relay/" in traceback.tb_frame.f_code.co_filename.replace("\\", "/"):
            return True
        traceback = traceback.tb_next
    return False


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


class _NulFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.found = True


def _text_may_hold_nul(query: str | None) -> bool:
    """Whether a string value parsed from `query` can hold a NUL: only through the character itself or a
    `\\u` escape (`\\u0000`, `\\u{0}`). Scanning the text is C-speed; visiting the parsed document was ~4 % of
    the CPU of a `{ me }`, for every request."""
    return query is None or "\x00" in query or "\\u" in query


def _document_has_nul(document: DocumentNode) -> bool:
    finder = _NulFinder()
    visit(document, finder)
    return finder.found


def operation_costs(document: DocumentNode, operation_name: str | None) -> dict[str, int]:
    """How many expensive fields the chosen operation selects (aliases and fragments included)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    costs: dict[str, int] = {}

    def walk(selection_set: SelectionSetNode | None, depth: int, spread: frozenset[str]) -> None:
        if selection_set is None or depth > 64:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                kind = EXPENSIVE_FIELDS.get(selection.name.value)
                if kind is not None:
                    costs[kind] = costs.get(kind, 0) + 1
                walk(selection.selection_set, depth + 1, spread)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, depth + 1, spread)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in spread:
                    walk(fragment.selection_set, depth + 1, spread | {name})

    for operation in operations[:1]:
        walk(operation.selection_set, 0, frozenset())
    return costs


def _budget() -> dict[str, int]:
    return {
        "password": settings.PLATFORM_PASSWORD_CHECKS_PER_REQUEST,
        "pdf": settings.PLATFORM_PDFS_PER_REQUEST,
    }


def _request_of(context: Any) -> Any:
    if isinstance(context, dict):
        return context.get("request")
    return getattr(context, "request", None)


class HardeningGuards(SchemaExtension):
    """NUL bytes and the per-request budget of expensive fields. Listed first: it refuses before any other
    extension's execution hook is entered."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if _has_nul(context.variables) or (
            document is not None and _text_may_hold_nul(context.query) and _document_has_nul(document)
        ):
            raise coded_error(ErrorCode.INVALID_INPUT, message="NUL characters are not allowed / 不允许 NUL 字符")
        if document is not None:
            costs = operation_costs(document, context.operation_name)
            if costs:
                self._spend(costs)
        yield

    def _spend(self, costs: dict[str, int]) -> None:
        from django.http import HttpRequest

        request = _request_of(self.execution_context.context)
        # HTTP: one budget for the whole request (batches); WebSocket: one per operation message.
        holder: Any = request if isinstance(request, HttpRequest) else self
        spent: dict[str, int] = getattr(holder, "_platform_costs", None) or {}
        budget = _budget()
        for kind, count in costs.items():
            if spent.get(kind, 0) + count > budget.get(kind, count):
                raise coded_error(ErrorCode.OPERATION_COST_EXCEEDED)
        for kind, count in costs.items():
            spent[kind] = spent.get(kind, 0) + count
        try:
            holder._platform_costs = spent
        except AttributeError:  # an object that takes no attributes: count per operation only
            pass



class HardeningErrors(SchemaExtension):
    """Database failures coded, suggestions stripped. Listed after MaskErrors: its result hook runs first."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is None or not errors:
            return
        strip = not settings.GRAPHQL_FIELD_SUGGESTIONS
        processed: list[GraphQLError] = []
        for error in errors:
            original = error.original_error
            if _is_database_failure(original):
                processed.append(coded_error(ErrorCode.DATABASE_UNAVAILABLE, source=error))
            elif isinstance(original, DomainError):  # an expected failure outside a payload (queries): coded
                text = f"{original.message('zh')} / {original.message('en')}"
                coded = coded_error(original.code, message=text, source=error)
                if original.params:
                    coded.extensions = {**(coded.extensions or {}), "params": original.params}
                processed.append(coded)
            elif isinstance(original, ValueError) and _from_relay_arguments(original):
                # strawberry's connection arguments (`first`/`last` out of range, a cursor that is not one)
                processed.append(coded_error(ErrorCode.INVALID_INPUT, message=str(original), source=error))
            elif strip and "Did you mean" in error.message:
                processed.append(
                    GraphQLError(
                        strip_suggestions(error.message), nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path, original_error=error.original_error,
                        extensions=error.extensions,
                    )
                )
            else:
                processed.append(error)
        result.errors = processed
