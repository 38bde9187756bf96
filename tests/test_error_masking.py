"""Unexpected errors are masked in production; expected failures are data with codes (see schema.base)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from schema.root import PublicError, _should_mask


def test_unexpected_errors_are_masked_but_public_and_validation_errors_are_not() -> None:
    assert _should_mask(GraphQLError("boom", original_error=ZeroDivisionError()))
    assert not _should_mask(GraphQLError("login first", original_error=PublicError("login first")))
    assert not _should_mask(GraphQLError("Cannot query field 'x'"))  # a validation error has no original


def test_user_errors_follow_accept_language() -> None:
    from core.errors import DomainError, DomainErrors, ErrorCode
    from schema.base import user_errors

    class Request:
        def __init__(self, lang: str) -> None:
            self.headers = {"accept-language": lang}

    class Info:
        def __init__(self, lang: str) -> None:
            self.context = {"request": Request(lang)}

    error = DomainErrors([DomainError(ErrorCode.SESSION_FULL), DomainError(ErrorCode.PASSWORD_TOO_SHORT, field="p")])
    zh = user_errors(error, Info("zh-CN,zh;q=0.9"))  # type: ignore[arg-type]
    en = user_errors(error, Info("en-US,en;q=0.8"))  # type: ignore[arg-type]
    assert [e.code for e in zh] == [ErrorCode.SESSION_FULL, ErrorCode.PASSWORD_TOO_SHORT]
    assert zh[0].message == "该场考试已无剩余座位，请选择其他考试进行报名"
    assert en[0].message.startswith("This session has no seats left")
    assert en[1].field == "p"
    assert strawberry  # the enum is exposed through strawberry
