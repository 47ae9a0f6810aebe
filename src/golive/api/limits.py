"""Request size limit (ASGI middleware) and per-token rate limits (token buckets)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from golive.api.observability import ASGIApp, Message, Receive, Scope, Send
from golive.errors import RateLimited


class BodyTooLarge(Exception):
    """Raised while reading a request body that exceeds the limit."""


class SizeLimitMiddleware:
    """Refuse bodies over ``max_bytes`` (413), by Content-Length or while streaming."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, too_large: Callable[[Scope, int], ASGIApp]
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self.too_large(scope, self.max_bytes)(scope, receive, send)
                    return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self.too_large(scope, self.max_bytes)(scope, receive, send)


class RateLimiter:
    """A token bucket per key: ``rate`` requests per second on average, bursts of ``burst``."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Spend one token of ``key``'s bucket, or raise :class:`RateLimited`."""
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                retry = max(1, math.ceil((1.0 - tokens) / self.rate))
                raise RateLimited(
                    f"rate limit: {self.rate:g} requests/s per token (bursts of "
                    f"{self.burst:g}); retry in {retry} s",
                    retry_after=retry,
                )
            self._buckets[key] = (tokens - 1.0, now)
