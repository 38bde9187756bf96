"""Field-level access to candidates' profiles: the candidate and the province staff who review them.

Other candidates (and enterprises, unless a later issue says otherwise) get `null`, never an error: an
error on a field would null its parents. The rule itself is `profiles.selectors.may_view_files_of`.
"""

from __future__ import annotations

from typing import Any

import strawberry
from asgiref.sync import sync_to_async
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension, SyncExtensionResolver

from profiles.selectors import may_view_files_of


def may_see_profile_of(info: strawberry.Info, owner_id: int) -> bool:
    from schema.accounts.auth import resolve_actor

    return may_view_files_of(viewer=resolve_actor(info), owner_id=owner_id)


class ProfileAccess(FieldExtension):
    """On a field of an account (`source` is a `User`): null unless the caller may see that person's profile."""

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        if not may_see_profile_of(info, source.pk):
            return None
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        if not await sync_to_async(may_see_profile_of)(info, source.pk):
            return None
        return await next_(source, info, **kwargs)
