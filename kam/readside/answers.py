"""The answer cache: results kept by their size in memory, and each question asked once at a time.

A question already being answered in another thread (two sessions opening the same page, the
warm-up and the first page) is waited for, not asked twice: on two cores the second asking
would only slow the first. The waiters get what the one asking got: its answer, or its error.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import pandas as pd

CACHE_BYTES = 128 * 2 ** 20  # query results kept, by their size in memory


class _Flight:
    """One question being answered: its result or error, once `done` is set."""

    def __init__(self):
        self.done = threading.Event()
        self.result = None
        self.error: BaseException | None = None


class Answers:
    def __init__(self):
        self.lock = threading.Lock()
        self.kept: OrderedDict = OrderedDict()  # key -> (frame, bytes), least recently used first
        self.kept_bytes = 0
        self.flights: dict = {}  # key -> _Flight

    def cached(self, key) -> pd.DataFrame | None:
        with self.lock:
            return self._found(key)

    def _found(self, key):
        found = self.kept.get(key)
        if found is None:
            return None
        self.kept.move_to_end(key)
        return found[0]

    def answer(self, key, work) -> pd.DataFrame:
        """The kept result for the key, or work()'s, kept."""
        found = self.cached(key)
        if found is not None:
            return found
        return self.once(key, lambda: self._keeping(key, work()), ready=lambda: self._found(key))

    def _keeping(self, key, frame: pd.DataFrame) -> pd.DataFrame:
        self.keep(key, frame)
        return frame

    def once(self, key, work, ready=lambda: None):
        """work()'s result, run by one thread at a time for the key: a thread arriving while
        another runs it waits and gets that run's result, or has its error raised. ready(),
        called under the lock, gives what an earlier run left (None: nothing)."""
        with self.lock:
            found = ready()
            if found is not None:
                return found
            flight = self.flights.get(key)
            mine = flight is None
            if mine:
                flight = self.flights[key] = _Flight()
        if not mine:
            self.wait(flight)
            if flight.error is not None:
                raise flight.error
            return flight.result
        try:
            flight.result = work()
            return flight.result
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with self.lock:
                del self.flights[key]
            flight.done.set()

    def wait(self, flight: _Flight) -> None:
        flight.done.wait()

    def keep(self, key, frame: pd.DataFrame) -> None:
        size = int(frame.memory_usage(deep=True).sum())
        if size > CACHE_BYTES // 4:
            return
        with self.lock:
            if key not in self.kept:
                self.kept[key] = (frame, size)
                self.kept_bytes += size
            while self.kept_bytes > CACHE_BYTES:
                _, (_, dropped) = self.kept.popitem(last=False)
                self.kept_bytes -= dropped
