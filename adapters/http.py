"""HTTP edge: `POST /api/leads` (JSON or form-encoded, as landing pages send), `GET
/healthz` (liveness) and `GET /readyz` (readiness: the database answers and its schema is
at the newest migration). Platform callbacks mount on the same application
(adapters/platforms.py). Any request that finds the database unreachable (PostgreSQL
restarted, a connection cut) is answered 503 with Retry-After at once; its transaction
never committed, and the pool reconnects by itself."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from adapters.context import AppContext
from adapters.rate_limit import Limits
from crm_core.errors import Conflict, InvalidInput
from crm_core.policies.contact_info import BadContactInfo, normalize_email, normalize_phone
from crm_core.policies.input_hygiene import (
    MAX_FIELDS,
    MAX_INT_DIGITS,
    RawNumber,
    json_depth_problem,
)
from crm_core.services import intake
from crm_core.settings import secret
from crm_core.uow import Actor, UnitOfWork

log = logging.getLogger(__name__)
CTX_KEY: web.AppKey[AppContext] = web.AppKey("crmbot", AppContext)
LIMITS_KEY: web.AppKey[Limits] = web.AppKey("crmbot.limits", Limits)


def _error(status: int, code: str, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": code, "message": message, **extra}, status=status,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The body, or None when it is larger than `limit` (checked while reading)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(16384):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


# charsets a form may declare; GBK and GB2312 text decodes as GB18030 (their superset)
CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "gbk": "gb18030", "gb2312": "gb18030",
            "gb18030": "gb18030", "cp936": "gb18030"}
MAX_KEY_CHARS = 200                  # Idempotency-Key


def _json_int(text: str) -> int | str:
    """Integers past MAX_INT_DIGITS stay text (Python refuses > 4300 digits with an
    exception; the field check names them)."""
    if len(text) - text.startswith("-") > MAX_INT_DIGITS:
        return RawNumber(text)
    return int(text)


def decode_payload(body: bytes, ctype: str, charset: str | None
                   ) -> tuple[dict[str, Any] | None, web.Response | None]:
    """The body as a dict, or the 4xx answer. Strict decoding (a declared GBK / GB18030
    charset is honoured; a form without one may be UTF-8 or GB18030), bounded depth and
    numbers: nothing here raises on hostile input."""
    codec = CHARSETS.get((charset or "utf-8").lower())
    if codec is None:
        return None, _error(415, "unsupported_charset",
                            "send UTF-8, GBK or GB18030 text", charset=ascii(charset)[:40])
    is_json = ctype in ("application/json", "text/json") or (not ctype and body[:1] == b"{")
    if not is_json and ctype not in ("application/x-www-form-urlencoded", "", "text/plain"):
        return None, _error(415, "unsupported_media_type",
                            "send application/json or application/x-www-form-urlencoded")
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as e:
        return None, _error(400, "malformed", f"body is not valid {codec} text: {e.reason}")
    try:
        payload: Any
        if is_json:
            deep = json_depth_problem(text)
            if deep is not None:
                return None, _error(400, "invalid", "invalid lead", fields=dict([deep]))
            payload = json.loads(text, parse_int=_json_int, parse_constant=RawNumber)
        else:
            payload = _parse_form(text, (codec,) if charset else ("utf-8", "gb18030"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        what = "JSON" if is_json else "form data"
        return None, _error(400, "malformed", f"body is not valid {what}: {e}")
    except ValueError as e:                       # too many form fields
        return None, _error(400, "invalid", "invalid lead", fields={"*": str(e)})
    if not isinstance(payload, dict):
        return None, _error(400, "malformed", "body must be a JSON object")
    return payload, None


def _parse_form(text: str, encodings: tuple[str, ...]) -> dict[str, str]:
    """Percent-escapes decoded strictly: in the declared charset, else UTF-8 and then
    GB18030 (what a GBK page's browser sends without saying so)."""
    for i, enc in enumerate(encodings):
        try:
            return dict(parse_qsl(text, keep_blank_values=True, encoding=enc,
                                  errors="strict", max_num_fields=MAX_FIELDS))
        except UnicodeDecodeError:
            if i == len(encodings) - 1:
                raise
    return {}


def _person_key(payload: dict[str, Any]) -> str | None:
    """The phone (else e-mail) the per-person limit counts, normalised; None if unusable."""
    for kind, normalize in (("phone", normalize_phone), ("email", normalize_email)):
        raw = payload.get(kind)
        if isinstance(raw, str | int) and not isinstance(raw, bool) and str(raw).strip():
            try:
                value = normalize(str(raw)[:200])
            except BadContactInfo:
                continue
            if value:
                return f"{kind}:{value}"
    return None


def _rate_limited(wait: float, what: str) -> web.Response:
    seconds = max(1, math.ceil(wait))
    resp = _error(429, "rate_limited",
                  f"请求太频繁，请 {seconds} 秒后再试 / too many requests {what}, "
                  f"retry in {seconds} s", retry_after=seconds)
    resp.headers["Retry-After"] = str(seconds)
    return resp


async def post_lead(request: web.Request) -> web.Response:
    ctx = request.app[CTX_KEY]
    limits = request.app[LIMITS_KEY]
    token = secret(ctx.settings.api_token)
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return _error(401, "unauthorized", "missing or wrong bearer token")
    if limits.ip is not None:
        client = limits.client_key(request.remote, request.headers.get("X-Forwarded-For"))
        wait = limits.ip.take(client, time.monotonic())
        if wait:
            log.info("POST /api/leads rate-limited for a client address (%.0f s)", wait)
            return _rate_limited(wait, "from this address")
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= MAX_KEY_CHARS and key.isascii()
                                and key.isprintable()):
        return _error(400, "invalid", "invalid lead",
                      fields={"Idempotency-Key": f"1-{MAX_KEY_CHARS} printable ASCII characters"})
    body = await read_limited(request, ctx.settings.max_body_bytes)
    if body is None:
        return _error(413, "too_large", f"body larger than {ctx.settings.max_body_bytes} bytes")
    payload, refusal = decode_payload(body, request.content_type, request.charset)
    if refusal is not None or payload is None:
        return refusal or _error(400, "malformed", "empty body")
    if limits.person is not None:
        person = _person_key(payload)
        wait = limits.person.take(person, time.monotonic()) if person else 0.0
        if wait:
            log.info("POST /api/leads rate-limited for one person (%.0f s)", wait)
            return _rate_limited(wait, "for this phone / e-mail")
    try:
        async with UnitOfWork(ctx.db, ctx.clock, Actor.system("api")) as uow:
            result = await intake.intake_lead(uow, payload, channel="web", idempotency_key=key)
    except InvalidInput as e:
        return _error(400, "invalid", "invalid lead", fields=e.fields)
    except intake.KeyReused:
        return _error(422, "idempotency_key_reused",
                      "Idempotency-Key already used for a different body; the first "
                      "request's answer stands")
    except Conflict as e:
        return _error(409, "conflict", f"{e.user_message} / concurrent change, retry")
    except OperationalError as e:     # SQLite busy past its timeout: the caller may retry
        if not is_sqlite_busy(e):
            raise                      # unreachable: answered 503 by unavailable_is_503
        log.warning("POST /api/leads: database busy (%s)", type(e.orig).__name__)
        resp = _error(503, "busy", "数据库繁忙，请稍后重试 / database busy, retry")
        resp.headers["Retry-After"] = "1"
        return resp
    body_json = result.to_json()
    status = 200 if (result.replayed or result.merged_into) else (
        202 if result.status == "pending" else 201)
    return web.json_response(body_json, status=status,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False))


def is_sqlite_busy(error: OperationalError) -> bool:
    return "locked" in str(error.orig) or "busy" in str(error.orig)


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached now (down, restarting, a cut
    connection, the pool exhausted), as opposed to a fault of the request."""
    if isinstance(error, DBAPIError):
        return bool(error.connection_invalidated) or isinstance(
            error, OperationalError | InterfaceError)
    return isinstance(error, PoolTimeout | OSError | TimeoutError)


UNAVAILABLE = "数据库暂时不可用，请稍后重试 / database unavailable, retry"


@web.middleware
async def unavailable_is_503(request: web.Request,
                             handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                             ) -> web.StreamResponse:
    try:
        return await handler(request)
    except Exception as e:
        if not database_unavailable(e):
            raise
        log.warning("%s %s: database unavailable (%s)", request.method, request.path,
                    type(e).__name__)
        resp = _error(503, "unavailable", UNAVAILABLE)
        resp.headers["Retry-After"] = "2"
        return resp


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process serves requests. It does not touch the database, so that an
    outage of PostgreSQL does not make an orchestrator restart every instance."""
    ctx = request.app[CTX_KEY]
    return web.json_response({"status": "ok", "db": ctx.db.dialect,
                              "platforms": sorted(ctx.senders)})


READY_TIMEOUT_S = 3.0
_SCHEMA_AT = text("SELECT version_num FROM alembic_version")


def migration_heads() -> frozenset[str]:
    """The newest revisions of this code's migrations."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from crm_core.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(cfg).get_heads())


HEADS_KEY: web.AppKey[frozenset[str]] = web.AppKey("crmbot.heads", frozenset)


async def readyz(request: web.Request) -> web.Response:
    """Readiness: 200 when the database answers within 3 s and its schema is at this code's
    newest migration; 503 saying which is not so (take the instance out of the balancer)."""
    ctx = request.app[CTX_KEY]
    heads = request.app[HEADS_KEY]
    try:
        async with asyncio.timeout(READY_TIMEOUT_S), ctx.db.session() as s:
            at = frozenset(str(v) for v in (await s.execute(_SCHEMA_AT)).scalars())
    except Exception as e:
        log.warning("readiness: database unreachable (%s)", type(e).__name__)
        return web.json_response({"status": "unavailable", "db": "unreachable"}, status=503)
    if at != heads:
        log.warning("readiness: schema at %s, code expects %s (run crmbot migrate)",
                    sorted(at), sorted(heads))
        return web.json_response({"status": "unavailable", "db": "ok",
                                  "migrations": {"at": sorted(at), "expected": sorted(heads)}},
                                 status=503)
    return web.json_response({"status": "ready", "db": ctx.db.dialect,
                              "migrations": sorted(at)})


def setup(ctx: AppContext, app: web.Application) -> None:
    app[CTX_KEY] = ctx
    app[LIMITS_KEY] = Limits(ctx.settings.api_rate_per_ip, ctx.settings.api_rate_per_person,
                             ctx.settings.api_trusted_proxies)
    app[HEADS_KEY] = migration_heads()
    app.middlewares.append(unavailable_is_503)
    app.router.add_post("/api/leads", post_lead)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
