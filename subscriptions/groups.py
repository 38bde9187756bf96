"""Channel group names. Every group is prefixed with its schema, so provinces never share a group."""

from __future__ import annotations

import re

_ALLOWED = re.compile(r"[^a-zA-Z0-9_.-]")


def group_name(*, schema: str, topic: str) -> str:
    """`yunnan.notices`, `yunnan.session.42`: Channels allows ASCII letters, digits, '-', '_' and '.'."""
    name = f"{_ALLOWED.sub('_', schema)}.{_ALLOWED.sub('_', topic)}"
    if len(name) >= 100:
        raise ValueError(f"group name too long: {name}")
    return name
