"""Virtual time for the embedded runtime: a 28-day training simulated in seconds.

The clock is a discrete-event simulator. Threads that take part in the simulation (the
Step Functions interpreter's threads, once `localcloud.stepfunctions` has patched moto) are
*actors*. An actor that waits — a Wait state, a task timeout, a callback token, a retry
back-off — blocks on the clock instead of on the wall clock. Virtual time moves only inside
`Clock.run_until()`, and only when every actor is blocked: then the clock jumps to the
earliest deadline (a waiting actor's timeout or a scheduled callback such as "this training
job completes now") and fires it. The definition's semantics are unchanged: a 60-second Wait
still lasts 60 virtual seconds, and everything that happens in between happens in order.

Outside `run_until()` time is frozen, so the caller decides when days pass (the demo
uploads a file "tomorrow", then lets the scheduler fire).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

LOG = logging.getLogger(__name__)

# How long (real seconds) run_until() tolerates runnable actors that make no progress before
# it reports them: a thread blocked on something the clock does not know about.
STALL_SECONDS = 60.0


class ClockStalled(RuntimeError):
    """Virtual time cannot move: actors are busy forever, or nothing is left to happen."""


@dataclass(order=True)
class _Deadline:
    due: float
    seq: int
    action: Callable[[], None] | None = field(compare=False, default=None)
    waiter: _Waiter | None = field(compare=False, default=None)
    label: str = field(compare=False, default="")
    cancelled: bool = field(compare=False, default=False)


@dataclass(eq=False)
class _Waiter:
    event: threading.Event
    woken: bool = False
    timed_out: bool = False


class Timer:
    """Handle of a scheduled callback; `cancel()` before it fires to drop it."""

    def __init__(self, deadline: _Deadline, clock: Clock) -> None:
        self._deadline = deadline
        self._clock = clock

    @property
    def due(self) -> float:
        return self._deadline.due

    def cancel(self) -> None:
        with self._clock._cond:
            self._deadline.cancelled = True


class Clock:
    """A virtual clock. `now()` is seconds since the epoch, like `time.time()`."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("Clock start must be timezone-aware")
        self._now = start.timestamp()
        self._cond = threading.Condition()
        self._deadlines: list[_Deadline] = []
        self._seq = itertools.count()
        self._actors: set[int] = set()  # thread idents that take part
        self._runnable = 0  # actors not blocked on the clock
        self._waiters: dict[int, _Waiter] = {}  # blocked actors by thread ident
        self._progress = 0  # bumped on every state change, for stall detection
        self.fired: list[tuple[float, str]] = []  # (virtual time, label) of fired callbacks

    # --- reading time -------------------------------------------------------------------------
    def now(self) -> float:
        with self._cond:
            return self._now

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    # --- scheduling callbacks (run on the thread driving run_until) ---------------------------
    def call_at(self, when: float, action: Callable[[], None], label: str = "") -> Timer:
        with self._cond:
            deadline = _Deadline(max(when, self._now), next(self._seq), action=action, label=label)
            heapq.heappush(self._deadlines, deadline)
            self._touch()
            return Timer(deadline, self)

    def call_later(self, delay: float, action: Callable[[], None], label: str = "") -> Timer:
        return self.call_at(self.now() + max(0.0, delay), action, label)

    # --- actors -------------------------------------------------------------------------------
    def is_actor(self) -> bool:
        return threading.get_ident() in self._actors

    def actor_starting(self) -> None:
        """Called by a thread about to start an actor thread: it counts as runnable at once,
        so time cannot jump between `start()` and the new thread's first instruction."""
        with self._cond:
            self._runnable += 1
            self._touch()

    def actor_started(self) -> None:
        with self._cond:
            self._actors.add(threading.get_ident())

    def actor_finished(self) -> None:
        with self._cond:
            self._actors.discard(threading.get_ident())
            self._runnable -= 1
            self._touch()

    def actor_start_failed(self) -> None:
        with self._cond:
            self._runnable -= 1
            self._touch()

    # --- blocking (actors only; other threads fall back to real waiting) ----------------------
    def wait_event(self, event: threading.Event, timeout: float | None) -> bool:
        """Block the calling actor until `event` is set or `timeout` virtual seconds pass."""
        ident = threading.get_ident()
        with self._cond:
            if event.is_set():
                return True
            if ident not in self._actors:
                raise RuntimeError("wait_event() called from a thread that is not an actor")
            waiter = _Waiter(event)
            self._waiters[ident] = waiter
            if timeout is not None:
                due = self._now + max(0.0, timeout)
                heapq.heappush(self._deadlines, _Deadline(due, next(self._seq), waiter=waiter))
            self._runnable -= 1
            self._touch()
            while not (waiter.woken or waiter.timed_out):
                self._cond.wait()
            del self._waiters[ident]
            return event.is_set()

    def sleep(self, seconds: float) -> None:
        self.wait_event(threading.Event(), seconds)

    def event_was_set(self, event: threading.Event) -> None:
        """Wake the actors blocked on `event` (called by VirtualEvent.set)."""
        with self._cond:
            for waiter in self._waiters.values():
                if waiter.event is event and not (waiter.woken or waiter.timed_out):
                    waiter.woken = True
                    self._runnable += 1
            self._touch()
            self._cond.notify_all()

    # --- driving ------------------------------------------------------------------------------
    def run_until(
        self,
        done: Callable[[], bool],
        *,
        until: float | None = None,
        stall_seconds: float = STALL_SECONDS,
    ) -> None:
        """Let virtual time flow until `done()` is true (checked whenever actors are idle).

        With `until`, stop when virtual time would pass it (time is left at `until`)."""
        while True:
            with self._cond:
                self._wait_for_idle(stall_seconds)
            # Outside the lock: done() may call into moto, whose locks actors also hold.
            if done():
                return
            with self._cond:
                if self._runnable > 0:
                    continue
                deadline = self._pop_next()
                if deadline is None or (until is not None and deadline.due > until):
                    if deadline is not None:
                        heapq.heappush(self._deadlines, deadline)
                    if until is not None:
                        self._now = max(self._now, until)
                        return
                    raise ClockStalled(
                        "nothing is scheduled and every actor is blocked without a timeout; "
                        "the awaited condition can never become true"
                    )
                self._now = max(self._now, deadline.due)
                if deadline.waiter is not None:
                    waiter = deadline.waiter
                    if not waiter.woken:
                        waiter.timed_out = True
                        self._runnable += 1
                    self._touch()
                    continue
                # A callback runs on this thread; while it runs, it counts as runnable.
                self._runnable += 1
                self.fired.append((self._now, deadline.label))
                action = deadline.action
            try:
                assert action is not None
                action()
            finally:
                with self._cond:
                    self._runnable -= 1
                    self._touch()

    def advance(self, seconds: float) -> None:
        """Let `seconds` of virtual time pass, firing everything due on the way."""
        self.run_until(lambda: False, until=self.now() + seconds)

    def _pop_next(self) -> _Deadline | None:
        while self._deadlines:
            deadline = heapq.heappop(self._deadlines)
            if deadline.cancelled:
                continue
            if deadline.waiter is not None and (deadline.waiter.woken or deadline.waiter.timed_out):
                continue
            return deadline
        return None

    def _wait_for_idle(self, stall_seconds: float) -> None:
        while self._runnable > 0:
            before = self._progress
            self._cond.wait(timeout=stall_seconds)
            if self._runnable > 0 and self._progress == before:
                raise ClockStalled(
                    f"{self._runnable} actor(s) made no progress for {stall_seconds:.0f} s "
                    "of real time:\n" + self._actor_stacks()
                )

    def _touch(self) -> None:
        self._progress += 1
        self._cond.notify_all()

    def _actor_stacks(self) -> str:
        frames = sys._current_frames()
        lines = []
        for ident in sorted(self._actors):
            state = "blocked" if ident in self._waiters else "runnable"
            stack = "".join(traceback.format_stack(frames[ident])) if ident in frames else ""
            lines.append(f"--- actor {ident} ({state})\n{stack}")
        return "\n".join(lines)


class VirtualEvent(threading.Event):
    """A threading.Event whose waits are virtual-time waits when made by an actor."""

    clock: Clock | None = None  # set by install_virtual_time (localcloud.stepfunctions)

    def set(self) -> None:
        super().set()
        clock = VirtualEvent.clock
        if clock is not None:
            clock.event_was_set(self)

    def wait(self, timeout: float | None = None) -> bool:
        clock = VirtualEvent.clock
        if clock is None or not clock.is_actor():
            return super().wait(timeout)
        return clock.wait_event(self, timeout)


class ActorThread(threading.Thread):
    """A thread that takes part in virtual time (and whose join() is a virtual wait)."""

    clock: Clock | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._finished = VirtualEvent()
        self._actor_clock = ActorThread.clock

    def start(self) -> None:
        clock = self._actor_clock
        if clock is None:
            super().start()
            return
        clock.actor_starting()
        try:
            super().start()
        except BaseException:
            clock.actor_start_failed()
            raise

    def run(self) -> None:
        clock = self._actor_clock
        if clock is None:
            super().run()
            return
        clock.actor_started()
        try:
            super().run()
        finally:
            self._finished.set()
            clock.actor_finished()

    def join(self, timeout: float | None = None) -> None:
        clock = self._actor_clock
        if clock is None or not clock.is_actor():
            super().join(timeout)
            return
        clock.wait_event(self._finished, timeout)

    def is_alive(self) -> bool:
        """Alive until its target returned, as join() sees it.

        join() returns once `_finished` is set, which happens in run()'s `finally`, while the
        OS thread is still unwinding; the real is_alive() may then still say True. moto's
        Program.eval reads `join(timeout); if is_alive(): set_timed_out()`, so under load
        (50 starts in a row) an execution whose history already ended ExecutionSucceeded
        was reported TIMED_OUT by DescribeExecution."""
        if self._actor_clock is None:
            return super().is_alive()
        return super().is_alive() and not self._finished.is_set()


@contextlib.contextmanager
def as_actor(clock: Clock) -> Iterator[None]:
    """Run the calling thread's block as an actor (tests use it to wait in virtual time)."""
    clock.actor_starting()
    clock.actor_started()
    try:
        yield
    finally:
        clock.actor_finished()
