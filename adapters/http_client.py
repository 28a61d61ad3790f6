"""The one outgoing HTTP client of the chat adapters (aiohttp).

Every platform API call goes through `ApiClient.call`: a configurable base URL (tests point
it at a fake on 127.0.0.1), an access token cached until shortly before it expires and
refreshed at most once per call when the platform says it is invalid, bounded retries with
exponential backoff and jitter (never the unbounded token-retry recursion of wechatpy),
per-request timeouts and a per-platform token-bucket rate limit.

Platforms differ in how they carry the token and how they report errors; they plug those
in as two small functions (`authorize`, `classify`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import aiohttp

from bot.ports import DirectoryEntry, SendError

log = logging.getLogger(__name__)


class ApiError(SendError):
    """A platform API call failed for good (after the retries it deserved)."""

    def __init__(self, message: str, *, retryable: bool = True, code: int | str | None = None,
                 status: int | None = None) -> None:
        super().__init__(message, retryable=retryable)
        self.code = code
        self.status = status


class Outcome(Enum):
    OK = "ok"
    TOKEN_INVALID = "token_invalid"     # refresh the token once, then try again
    RETRY = "retry"                     # transient: back off and try again
    FAIL = "fail"                       # permanent: give up at once


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    message: str = ""
    code: int | str | None = None


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes
    data: Any = None                    # parsed JSON, when the body is JSON

    @property
    def is_json(self) -> bool:
        return self.data is not None


Classifier = Callable[[Response], Verdict]
Authorizer = Callable[[str, dict[str, str], dict[str, str]], None]   # token, params, headers


def default_classify(resp: Response) -> Verdict:
    if resp.status in (401,):
        return Verdict(Outcome.TOKEN_INVALID, f"HTTP {resp.status}", resp.status)
    if resp.status == 429 or resp.status >= 500:
        return Verdict(Outcome.RETRY, f"HTTP {resp.status}", resp.status)
    if resp.status >= 400:
        return Verdict(Outcome.FAIL, f"HTTP {resp.status}", resp.status)
    return Verdict(Outcome.OK)


class RateLimiter:
    """A token bucket: at most `rate` calls per second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int | None = None) -> None:
        self.rate = rate
        self.capacity = float(burst if burst is not None else max(1, int(rate)))
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if self.rate <= 0:
            return
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


TokenFetcher = Callable[[], Awaitable[tuple[str, float]]]   # -> (token, seconds valid)


class TokenCache:
    """Caches one access token; single-flight refresh; `margin` seconds before expiry."""

    def __init__(self, fetch: TokenFetcher, *, margin: float = 300.0) -> None:
        self._fetch = fetch
        self._margin = margin
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def get(self) -> str:
        if self._token is not None and time.monotonic() < self._expires:
            return self._token
        async with self._lock:
            if self._token is not None and time.monotonic() < self._expires:
                return self._token
            token, ttl = await self._fetch()
            self.fetches += 1
            self._token = token
            self._expires = time.monotonic() + max(30.0, ttl - self._margin)
            return token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the token (only if it is still `token`, so concurrent callers refresh once)."""
        if token is None or token == self._token:
            self._token = None
            self._expires = 0.0


class ApiClient:
    """aiohttp-based client for one platform API."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        classify: Classifier = default_classify,
        authorize: Authorizer | None = None,
        tokens: TokenCache | None = None,
        timeout: float = 10.0,
        max_attempts: int = 3,
        backoff: float = 0.2,
        max_backoff: float = 2.0,
        rate: float = 50.0,
        burst: int | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.classify = classify
        self.authorize = authorize
        self.tokens = tokens
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.limiter = RateLimiter(rate, burst)
        self._session = session
        self._own_session = session is None
        self.calls = 0

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + path.lstrip("/")

    async def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self.timeout,
                connector=aiohttp.TCPConnector(limit=64, ttl_dns_cache=300),
            )
            self._own_session = True
        return self._session

    async def close(self) -> None:
        if self._session is not None and self._own_session and not self._session.closed:
            await self._session.close()

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        classify: Classifier | None = None,
        max_attempts: int | None = None,
        rate_limited: bool = True,
    ) -> Response:
        """One API call with bounded retries; returns the response or raises `ApiError`.

        `data` may be a callable returning a fresh body per attempt (multipart forms can
        only be sent once). `rate_limited=False` skips the client's token bucket, for calls
        the platform does not count against the limit the bucket models.
        """
        classify = classify or self.classify
        attempts = max_attempts or self.max_attempts
        refreshed = False
        last: ApiError | None = None
        attempt = 0
        while attempt < attempts:
            attempt += 1
            q = dict(params or {})
            h = dict(headers or {})
            token: str | None = None
            if auth and self.tokens is not None and self.authorize is not None:
                try:
                    token = await self.tokens.get()
                except ApiError as exc:
                    last = exc
                    if not exc.retryable:
                        raise
                    await self._sleep(attempt)
                    continue
                self.authorize(token, q, h)
            if rate_limited:
                await self.limiter.acquire()
            body = data() if callable(data) else data
            try:
                resp = await self._send(method, self.url(path), q, json, body, h)
            except (TimeoutError, aiohttp.ClientError) as exc:
                last = ApiError(f"{self.name} {_no_query(path)}: {type(exc).__name__}: "
                                f"{_no_query(str(exc))}", retryable=True)
                log.warning("%s %s attempt %d failed: %s", self.name, _no_query(path),
                            attempt, type(exc).__name__)
                await self._sleep(attempt, attempts)
                continue
            verdict = classify(resp)
            if verdict.outcome is Outcome.OK:
                return resp
            message = f"{self.name} {_no_query(path)}: {verdict.message or resp.status}"
            if verdict.outcome is Outcome.TOKEN_INVALID and self.tokens is not None:
                self.tokens.invalidate(token)
                last = ApiError(message, retryable=True, code=verdict.code, status=resp.status)
                if refreshed:       # a fresh token was refused too: stop here, never recurse
                    break
                refreshed = True
                attempt -= 1        # the refresh does not use up an attempt (bounded: once)
                log.info("%s token refused (%s), refreshing once", self.name, verdict.code)
                continue
            if verdict.outcome is Outcome.FAIL:
                raise ApiError(message, retryable=False, code=verdict.code, status=resp.status)
            last = ApiError(message, retryable=True, code=verdict.code, status=resp.status)
            log.warning("%s %s attempt %d: %s", self.name, _no_query(path), attempt,
                        verdict.message)
            await self._sleep(attempt, attempts)
        assert last is not None
        raise last

    async def _send(self, method: str, url: str, params: dict[str, str], json: Any, data: Any,
                    headers: dict[str, str]) -> Response:
        self.calls += 1
        session = await self.session()
        async with session.request(method, url, params=params or None, json=json, data=data,
                                   headers=headers or None, timeout=self.timeout) as r:
            raw = await r.read()
            parsed: Any = None
            ctype = r.headers.get("Content-Type", "")
            if "json" in ctype or (raw[:1] in (b"{", b"[") and "text/plain" in ctype):
                try:
                    parsed = await r.json(content_type=None)
                except ValueError:
                    parsed = None
            return Response(r.status, dict(r.headers), raw, parsed)

    async def _sleep(self, attempt: int, attempts: int | None = None) -> None:
        if attempts is not None and attempt >= attempts:
            return                  # no point in waiting after the last attempt
        delay = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
        await asyncio.sleep(delay * (0.5 + random.random() / 2))


_QUERY = re.compile(r"\?[^\s'\"]*")


def _no_query(text: str) -> str:
    """Drop query strings (access tokens, corp secrets) from text bound for logs/errors."""
    return _QUERY.sub("?…", text)


def json_body(resp: Response) -> dict[str, Any]:
    """The JSON object of a response, or an ApiError (a platform that answered garbage)."""
    if isinstance(resp.data, dict):
        return resp.data
    raise ApiError(f"expected JSON, got {resp.headers.get('Content-Type', '?')}",
                   retryable=True, status=resp.status)


class UserApiDirectory:
    """`UserDirectory` over a platform's user API: name, mobile and the first e-mail field
    present. A failing API is logged and answers None (the bind flow takes over)."""

    def __init__(self, platform: str, fetch: Callable[[str], Awaitable[dict[str, Any] | None]],
                 email_fields: tuple[str, ...] = ("email",)) -> None:
        self.platform = platform
        self.fetch = fetch
        self.email_fields = email_fields

    async def lookup(self, platform_user_id: str) -> DirectoryEntry | None:
        try:
            user = await self.fetch(platform_user_id)
        except ApiError as exc:
            log.warning("%s: user lookup failed: %s", self.platform, exc)
            return None
        if not user:
            return None
        email = next((user[f] for f in self.email_fields if user.get(f)), None)
        return DirectoryEntry(platform_user_id, name=user.get("name") or None,
                              phone=user.get("mobile") or None, email=email)
