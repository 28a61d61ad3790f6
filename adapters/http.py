"""HTTP edge: `POST /api/leads` (JSON or form-encoded, as landing pages send) and
`GET /healthz`. Platform callbacks mount on the same application (adapters/platforms.py)."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web

from adapters.context import AppContext
from crm_core.errors import InvalidInput
from crm_core.services import intake
from crm_core.settings import secret
from crm_core.uow import Actor, UnitOfWork

log = logging.getLogger(__name__)
CTX_KEY: web.AppKey[AppContext] = web.AppKey("crmbot", AppContext)


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


async def post_lead(request: web.Request) -> web.Response:
    ctx = request.app[CTX_KEY]
    token = secret(ctx.settings.api_token)
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given, token):
            return _error(401, "unauthorized", "missing or wrong bearer token")
    body = await read_limited(request, ctx.settings.max_body_bytes)
    if body is None:
        return _error(413, "too_large", f"body larger than {ctx.settings.max_body_bytes} bytes")
    ctype = request.content_type
    try:
        payload: Any
        if ctype in ("application/json", "text/json") or (not ctype and body[:1] == b"{"):
            payload = json.loads(body.decode("utf-8"))
        elif ctype in ("application/x-www-form-urlencoded", "", "text/plain"):
            from urllib.parse import parse_qsl

            payload = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        else:
            return _error(415, "unsupported_media_type",
                          "send application/json or application/x-www-form-urlencoded")
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return _error(400, "malformed", f"body is not valid {ctype or 'JSON'}: {e}")
    if not isinstance(payload, dict):
        return _error(400, "malformed", "body must be a JSON object")
    key = request.headers.get("Idempotency-Key")
    try:
        async with UnitOfWork(ctx.db, ctx.clock, Actor.system("api")) as uow:
            result = await intake.intake_lead(uow, payload, channel="web", idempotency_key=key)
    except InvalidInput as e:
        return _error(400, "invalid", "invalid lead", fields=e.fields)
    body_json = result.to_json()
    status = 200 if (result.replayed or result.merged_into) else (
        202 if result.status == "pending" else 201)
    return web.json_response(body_json, status=status,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def healthz(request: web.Request) -> web.Response:
    ctx = request.app[CTX_KEY]
    from sqlalchemy import text

    try:
        async with ctx.db.session() as s:
            await s.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        return web.json_response({"status": "error", "db": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "db": ctx.db.dialect,
                              "platforms": sorted(ctx.senders)})


def setup(ctx: AppContext, app: web.Application) -> None:
    app[CTX_KEY] = ctx
    app.router.add_post("/api/leads", post_lead)
    app.router.add_get("/healthz", healthz)
