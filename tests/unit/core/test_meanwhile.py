"""bot.core.meanwhile: CPU work done while a statement waits for its answer."""

from __future__ import annotations

import asyncio

import pytest

from bot.core import meanwhile


async def test_the_work_runs_after_the_statement_is_sent_and_before_its_answer() -> None:
    seen: list[str] = []
    answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def statement() -> str:
        seen.append("sent")
        return await answer

    def work() -> None:
        seen.append("work")
        answer.set_result("rows")         # the database answers while the work runs

    assert await meanwhile(statement(), work) == "rows"
    assert seen == ["sent", "work"]


async def test_a_statement_that_fails_raises_after_the_work() -> None:
    seen: list[str] = []

    async def statement() -> str:
        await asyncio.sleep(0)
        raise ConnectionError("server closed the connection")

    with pytest.raises(ConnectionError):
        await meanwhile(statement(), lambda: seen.append("work"))
    assert seen == ["work"]


async def test_failing_work_cancels_the_statement_and_raises() -> None:
    cancelled: list[bool] = []

    async def statement() -> str:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return "rows"

    def work() -> None:
        raise ValueError("broken")

    with pytest.raises(ValueError):
        await meanwhile(statement(), work)
    assert cancelled == [True]
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
