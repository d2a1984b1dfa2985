"""The shared wake-up: a fire wakes whoever took the event before it, even if they start
waiting only after it; whoever takes it after waits for the next fire."""

from __future__ import annotations

import asyncio

import pytest

from bianmin.pulse import Pulse


async def test_a_fire_before_the_wait_is_not_missed_and_re_arms():
    pulse = Pulse()
    taken = pulse.current()  # as a request does before it reads
    pulse.fire()  # a post between its read and its wait
    await asyncio.wait_for(taken.wait(), 1)
    later = pulse.current()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(later.wait(), 0.05)
    waiters = [asyncio.create_task(pulse.current().wait()) for _ in range(3)]
    await asyncio.sleep(0)
    pulse.fire()
    await asyncio.wait_for(asyncio.gather(*waiters), 1)
