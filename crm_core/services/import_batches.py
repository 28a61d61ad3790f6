"""A customer or contact file sent in chat: staged with its preview, then applied once (or
cancelled). The file waits in `import_batch` for the admin's decision, so the confirmation
can be handled by any process and re-reads exactly what was previewed."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from crm_core.errors import Conflict, InvalidInput, NotFound
from crm_core.models import ImportBatch, User
from crm_core.services.access import require_role
from crm_core.services.account_import import (
    ImportPlan,
    apply_plan,
    lock_imports,
    plan_import,
    read_accounts,
)
from crm_core.spreadsheet import SheetError
from crm_core.sql import rowcount
from crm_core.uow import UnitOfWork

ADMINS = frozenset({"admin"})
STAGED_FOR = timedelta(hours=24)
LINK_FOR = timedelta(minutes=30)
MODES = ("rows", "all")                 # skip bad rows | all or nothing


@dataclass
class StagedImport:
    batch: ImportBatch
    plan: ImportPlan
    applied: bool = False               # False: nothing written (refused or only previewed)


def summary_of(plan: ImportPlan) -> dict[str, Any]:
    return {"kind": plan.kind, "rows": len(plan.rows), "create": plan.count("create"),
            "merge": plan.count("merge"), "same": plan.count("same"),
            "error": plan.count("error")}


def _read(data: bytes, kind: str | None) -> tuple[str, Any]:
    try:
        return read_accounts(data, kind)
    except SheetError as e:
        raise InvalidInput(f"import file refused: {e}", e.user_message) from e


async def stage_import(uow: UnitOfWork, user: User, filename: str, data: bytes,
                       kind: str | None = None) -> StagedImport:
    """Read and plan the file, keep it for the confirmation; nothing else is written."""
    require_role(user, ADMINS, "import customers or contacts")
    kind, table = _read(data, kind)
    plan = await plan_import(uow, kind, table)
    batch = ImportBatch(kind=kind, filename=filename[:200], size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), content=data,
                        summary=summary_of(plan), created_by=user.id, created_at=uow.now)
    uow.add(batch)
    await uow.flush()
    await expire_batches(uow)
    uow.audit("import.stage", "import_batch", batch.id,
              after={"filename": batch.filename, "size": batch.size, **batch.summary})
    return StagedImport(batch, plan)


async def expire_batches(uow: UnitOfWork) -> None:
    """Files nobody confirmed within a day, and upload links nobody used, are dropped."""
    await uow.session.execute(update(ImportBatch).where(
        col(ImportBatch.status).in_(("staged", "awaiting")),
        col(ImportBatch.created_at) < uow.now - STAGED_FOR).values(status="expired",
                                                                   content=None))


async def _staged(uow: UnitOfWork, batch_id: int) -> ImportBatch:
    batch = await uow.session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound(f"import batch {batch_id}", "没有找到这次导入，请重新发送文件")
    status = batch.status
    if status == "staged" and batch.created_at < uow.now - STAGED_FOR:
        status = "expired"
    if status != "staged" or batch.content is None:
        said = {"done": "这个文件已经导入过了", "cancelled": "这次导入已取消",
                "expired": "预览已过期，请重新发送文件"}
        raise Conflict(f"import batch {batch_id} is {status}",
                       said.get(status, "这次导入已处理过"))
    return batch


async def restage_import(uow: UnitOfWork, user: User, batch_id: int, kind: str
                         ) -> StagedImport:
    """The same file read as the other kind (customers ⇄ contacts)."""
    require_role(user, ADMINS, "import customers or contacts")
    batch = await _staged(uow, batch_id)
    assert batch.content is not None
    kind, table = _read(batch.content, kind)
    plan = await plan_import(uow, kind, table)
    batch.kind, batch.summary = kind, summary_of(plan)
    uow.add(batch)
    return StagedImport(batch, plan)


async def apply_import(uow: UnitOfWork, user: User, batch_id: int, mode: str) -> StagedImport:
    """Write the staged file: `rows` skips the bad rows, `all` writes nothing unless every
    row is good (the batch then stays staged). Planned again under the import lock, so it
    matches the database now. Exactly once: a second confirmation finds it done."""
    require_role(user, ADMINS, "import customers or contacts")
    if mode not in MODES:
        raise InvalidInput(f"import mode {mode}", "导入方式不对")
    await lock_imports(uow)
    batch = await _staged(uow, batch_id)
    assert batch.content is not None
    _, table = _read(batch.content, batch.kind)
    plan = await plan_import(uow, batch.kind, table)
    if mode == "all" and plan.errors:
        return StagedImport(batch, plan, applied=False)
    claimed = await uow.session.execute(update(ImportBatch).where(
        col(ImportBatch.id) == batch_id, col(ImportBatch.status) == "staged").values(
        status="done", mode=mode, content=None, summary=summary_of(plan),
        finished_at=uow.now))
    if rowcount(claimed) != 1:
        raise Conflict(f"import batch {batch_id} taken by another", "这个文件已经导入过了")
    await apply_plan(uow, plan)
    uow.audit("import.done", "import_batch", batch_id, after={"mode": mode,
                                                             **summary_of(plan)})
    await uow.session.refresh(batch)
    return StagedImport(batch, plan, applied=True)


async def cancel_import(uow: UnitOfWork, user: User, batch_id: int) -> None:
    require_role(user, ADMINS, "import customers or contacts")
    await _staged(uow, batch_id)
    await uow.session.execute(update(ImportBatch).where(
        col(ImportBatch.id) == batch_id, col(ImportBatch.status) == "staged").values(
        status="cancelled", content=None, finished_at=uow.now))
    uow.audit("import.cancel", "import_batch", batch_id)


# --------------------------------------------------------------------------- upload links

def ticket_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_upload(uow: UnitOfWork, user: User) -> str:
    """A one-time upload link's token for an admin (WeCom sends apps no files): valid
    `LINK_FOR`, used once; only its hash is stored."""
    require_role(user, ADMINS, "import customers or contacts")
    await expire_batches(uow)
    token = secrets.token_urlsafe(24)
    batch = ImportBatch(kind="", status="awaiting", filename="", sha256="",
                        ticket=ticket_of(token), created_by=user.id, created_at=uow.now)
    uow.add(batch)
    await uow.flush()
    uow.audit("import.link", "import_batch", batch.id)
    return token


async def stage_upload(uow: UnitOfWork, token: str, filename: str, data: bytes,
                       preview: Callable[[StagedImport], dict[str, Any]]) -> StagedImport:
    """A file uploaded through a link: staged like a file sent in chat, for the admin who
    opened the link, who is sent `preview(staged)` (the preview card's payload) through the
    outbox. The link is used up by the first upload that stages."""
    batch = (await uow.session.execute(select(ImportBatch).where(
        col(ImportBatch.ticket) == ticket_of(token)))).scalars().first()
    if batch is None or batch.status != "awaiting":
        raise NotFound("unknown or used upload link", "链接无效或已用过，请在聊天里重新发 /导入。")
    if batch.created_at < uow.now - LINK_FOR:
        raise Conflict("upload link expired", "链接已过期（30 分钟），请在聊天里重新发 /导入。")
    user = await uow.session.get(User, batch.created_by) if batch.created_by else None
    if user is None or user.role not in ADMINS or not user.active:
        raise NotFound("upload link of a non-admin", "链接无效，请在聊天里重新发 /导入。")
    kind, table = _read(data, None)
    plan = await plan_import(uow, kind, table)
    claimed = await uow.session.execute(update(ImportBatch).where(
        col(ImportBatch.id) == batch.id, col(ImportBatch.status) == "awaiting").values(
        status="staged", kind=kind, filename=filename[:200], size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), content=data, summary=summary_of(plan),
        created_at=uow.now))
    if rowcount(claimed) != 1:
        raise NotFound("upload link used concurrently", "链接已用过，请在聊天里重新发 /导入。")
    await uow.session.refresh(batch)
    uow.audit("import.stage", "import_batch", batch.id,
              after={"filename": batch.filename, "size": batch.size, "via": "link",
                     **batch.summary})
    staged = StagedImport(batch, plan)
    uow.notify("import.preview", user.id, preview(staged),
               dedupe_key=f"import.preview:{batch.id}")
    return staged
