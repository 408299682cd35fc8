"""Feed bodies kept in memory, so calendar apps polling an unchanged feed cost one small query."""

from __future__ import annotations

import threading
from collections import OrderedDict


class FeedCache:
    """Bodies by validator (ETag), least recently used out first, bounded by their total size.

    An ETag names a feed at one data version, so an entry never goes stale: when the data
    changes, requests ask for a new ETag and the old body ages out.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            previous = self._bodies.pop(key, None)
            if previous is not None:
                self._size -= len(previous)
            self._bodies[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, evicted = self._bodies.popitem(last=False)
                self._size -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._bodies)
