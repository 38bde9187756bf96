"""Global IDs in tests: build the ID of a row (`gid("ExamPlan", yunnan, plan.pk)`) or read its key back."""

from __future__ import annotations

from typing import Any

from strawberry import relay


def gid(type_name: str, province: Any, pk: int) -> str:
    """The global ID `<Type>:<province slug>:<pk>` of a province's row (province: a tenant or a slug)."""
    slug = province if isinstance(province, str) else (getattr(province, "slug", None) or province.schema_name)
    return relay.to_base64(type_name, f"{slug}:{pk}")


def pk(global_id: str) -> int:
    """The primary key inside a global ID."""
    _, node_id = relay.from_base64(global_id)
    return int(node_id.rpartition(":")[2])
