"""The province follows the code path, not the thread: shared worker threads never leak a schema."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from tenants.context import NoProvinceError, current_province, national_scope, province_scope, submit_in_scope

pytestmark = pytest.mark.django_db(transaction=True)


def _schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return str(cursor.fetchone()[0])


def test_a_shared_thread_follows_each_callers_province(yunnan: object, tianjin: object) -> None:
    # Given one worker thread shared by callers of two provinces, as asgiref's and Channels' are
    with ThreadPoolExecutor(max_workers=1) as pool:
        seen = []
        for tenant in [yunnan, tianjin, yunnan, tianjin]:
            with province_scope(tenant):
                # When each caller runs a query on that thread
                seen.append(submit_in_scope(pool, _schema).result())
        # And a caller with no province at all uses the same thread after them
        unscoped = pool.submit(_schema).result()
    # Then each saw its own schema, and the province-less caller fell back to public (fail closed)
    assert seen == ["yunnan", "tianjin", "yunnan", "tianjin"]
    assert unscoped == "public"


def test_province_less_code_cannot_reach_provincial_tables(yunnan: object) -> None:
    from notices.models import Notice

    def read() -> int:
        return Notice.objects.count()

    with ThreadPoolExecutor(max_workers=1) as pool:
        with province_scope(yunnan):
            assert submit_in_scope(pool, read).result() == 0
        # The national schema has its own notices table; provincial data is not visible from there.
        with province_scope(yunnan):
            from notices.services import notice_publish

            notice_publish(title="云南通知", body="内容", actor=None)
        with national_scope():
            assert submit_in_scope(pool, read).result() == 0
        with province_scope(yunnan):
            assert submit_in_scope(pool, read).result() == 1
    with pytest.raises(NoProvinceError):
        current_province()


async def test_interleaved_async_callers_keep_their_province(yunnan: object, tianjin: object) -> None:
    # Given many tasks of two provinces interleaving database calls on asgiref's one shared thread
    async def worker(tenant: object, expected: str) -> list[str]:
        seen = []
        with province_scope(tenant):
            for _ in range(20):
                seen.append(await sync_to_async(_schema, thread_sensitive=True)())
                await asyncio.sleep(0)
        return [s for s in seen if s != expected]

    results = await asyncio.gather(
        *(worker(t, s) for t, s in [(yunnan, "yunnan"), (tianjin, "tianjin")] * 4)
    )
    # Then no task ever saw the other province's schema
    assert results == [[]] * 8
    assert threading.current_thread() is threading.main_thread()
