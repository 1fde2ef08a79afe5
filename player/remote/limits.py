"""Rate limits for remote clients: a token bucket, so a burst of taps passes and a flood does not."""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """``rate`` requests a second on average, bursts of up to ``burst``; ``take`` never blocks."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """True when the request may go ahead (and uses a token), False when it is over the limit."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1.0:
                return False
            self._tokens -= 1.0
            return True


class PerClient:
    """One bucket per client address (the web remote's phones), forgotten when there are too many."""

    def __init__(self, rate: float, burst: float, max_clients: int = 256) -> None:
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> bool:
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= self.max_clients:
                    self._buckets.clear()
                bucket = self._buckets[client] = TokenBucket(self.rate, self.burst)
        return bucket.take()
