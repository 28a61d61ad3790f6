"""/导入 /import (admins): templates, then a customer or contact file sent into the chat →
a preview of the first rows, of what merges and of what is wrong → the admin confirms
(skipping bad rows, or all-or-nothing) → a per-row report as a file."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.commands.registry import ADMINS, command
from bot.context import Context
from bot.messages import Attachment, Button, Card, File, Reply, Text
from bot.render.data_io import ACTION, import_preview, preview_payload
from bot.xlsx import workbook_bytes
from crm_core.errors import CrmError, NotFound
from crm_core.policies.account_rows import CONTACT_COLUMNS, CUSTOMER_COLUMNS
from crm_core.services import export as export_service
from crm_core.services import import_batches
from crm_core.services.account_import import KIND_LABELS, ImportPlan, template_rows
from crm_core.spreadsheet import MAX_BYTES
from crm_core.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.core import Bot

log = logging.getLogger(__name__)
NOT_ADMIN = "收到文件。导入客户和联系人由管理员来做；其他文件我暂时不处理。"
C = export_service.Column


@command("导入", aliases=("import", "dr"), button=ACTION, roles=ADMINS, group="数据",
         usage="/导入 [模板 客户|联系人]", text=("args",))
async def import_accounts(ctx: Context, args: str | None = None, op: str | None = None,
                          batch: str | None = None, mode: str | None = None,
                          kind: str | None = None) -> list[Reply]:
    """导入客户、联系人（管理员）：先下载模板，填好后把文件发给我"""
    words = (args or "").split()
    if op == "template" or (words and words[0] in ("模板", "template")):
        wanted = kind or _kind_word(words[1] if len(words) > 1 else "")
        return [await _template(ctx, wanted)]
    if op in ("apply", "cancel", "kind") and batch and batch.isdigit():
        return await _decide(ctx, op, int(batch), mode or "", kind or "")
    send = "把 Excel（.xlsx）或 CSV 文件发给我（钉钉、飞书）"
    base = str(ctx.settings.public_url or "").rstrip("/")
    if base:
        async with ctx.uow() as uow:
            token = await import_batches.open_upload(uow, ctx.user)
            await uow.commit()
        send += f"，或在浏览器打开 {base}/upload/{token} 上传（30 分钟内有效，企业微信请用这个）"
    return [Card("导入客户或联系人", body=(
        "1. 先导入客户，再导入联系人（联系人要对上客户）。\n"
        "2. 下载模板，按列填好；已有的表格也行，列名对得上就认。\n"
        f"3. {send}，先看预览再确认。\n"
        "重复的客户按名称和别名合并，联系人按手机、邮箱合并，只补空白、不覆盖。"),
        buttons=(Button("客户模板", ACTION, {"op": "template", "kind": "customers"}),
                 Button("联系人模板", ACTION, {"op": "template", "kind": "contacts"})))]


def _kind_word(word: str) -> str:
    return "contacts" if word in ("联系人", "contacts", "contact") else "customers"


async def _template(ctx: Context, kind: str) -> Reply:
    async with ctx.uow() as uow:
        return await template_file(uow, kind)


async def template_file(uow: UnitOfWork, kind: str) -> File:
    """The import template of `kind`: the columns to fill, and a sheet that says how."""
    kind = kind if kind in KIND_LABELS else "customers"
    notes = await template_rows(uow, kind)
    titles = CUSTOMER_COLUMNS if kind == "customers" else CONTACT_COLUMNS
    required = {t for t, r, _, _ in notes if r}
    columns = [C(f"{t}*" if t in required else t, width=max(10, len(t) * 3))
               for t in titles.values()]
    data = workbook_bytes([
        (KIND_LABELS[kind], columns, []),
        ("填写说明", (C("列名", width=12), C("必填", width=6), C("怎么填", width=48),
                      C("示例", width=24)), notes),
    ])
    label = KIND_LABELS[kind]
    return File(f"{label}导入模板.xlsx", data,
                caption=f"{label}模板：带 * 的列必填，“填写说明”页有示例。填好后把文件发给我。")


async def receive_file(ctx: Context, file: Attachment) -> list[Reply]:
    """A file sent into the chat: an admin's customer or contact list → its preview."""
    if ctx.role not in ADMINS:
        return [Text(NOT_ADMIN)]
    if ctx.in_group:
        return [Text("请在和我的单聊里发要导入的文件。")]
    data = file.data
    if data is None and file.fetch is not None:
        try:
            data = await file.fetch()
        except Exception:          # the platform's download failing must not crash the chat
            log.warning("downloading %s from %s failed", file.name, ctx.chat.platform,
                        exc_info=True)
    if data is None:
        limit = MAX_BYTES // 1_000_000
        return [Text(f"文件没收到（可能超过 {limit} MB）。请重发，或拆成几个小文件。")]
    async with ctx.uow() as uow:
        staged = await import_batches.stage_import(uow, ctx.user, file.name, data)
        await uow.commit()
    return [preview_card(staged)]


async def _decide(ctx: Context, op: str, batch_id: int, mode: str, kind: str
                  ) -> list[Reply]:
    async with ctx.uow() as uow:
        if op == "cancel":
            await import_batches.cancel_import(uow, ctx.user, batch_id)
            await uow.commit()
            return [Text("已取消，什么也没导入。")]
        if op == "kind":
            staged = await import_batches.restage_import(uow, ctx.user, batch_id, kind)
            await uow.commit()
            return [preview_card(staged)]
        staged = await import_batches.apply_import(uow, ctx.user, batch_id, mode)
        await uow.commit()
    report = report_file(staged.plan, staged.batch.filename, ctx.bot.clock.tz)
    plan = staged.plan
    if not staged.applied:
        return [Text(f"有 {len(plan.errors)} 行有误，按“全部无误才导入”什么也没导入。"
                     "改好后重发文件，或选“跳过错行，导入其余”。"), report, preview_card(staged)]
    label = KIND_LABELS[plan.kind]
    text = (f"{label}导入完成：新建 {plan.count('create')}，合并 {plan.count('merge')}"
            + (f"，已有无变化 {plan.count('same')}" if plan.count("same") else "")
            + (f"，跳过有误 {len(plan.errors)} 行" if plan.errors else "") + "。")
    return [Text(text), report]


def preview_card(staged: import_batches.StagedImport) -> Card:
    return import_preview(preview_payload(staged.plan, staged.batch.id or 0,
                                          staged.batch.filename))


ACTION_LABELS = {"create": "新建", "merge": "合并", "same": "已有无变化", "error": "有误"}


def report_file(plan: ImportPlan, source_name: str, tz: object) -> File:
    """Every row's outcome, as a workbook the admin can filter and fix."""
    columns = (C("行号", "int", 6), C("结果", width=10), C("名称", width=30),
               C("说明", width=50), C("提醒", width=40), C("记录编号", "int", 9))
    rows = [(p.line, ACTION_LABELS[p.action], p.label, p.detail, "；".join(p.warnings),
             p.record_id) for p in plan.rows]
    data = workbook_bytes([("导入报告", columns, rows)], tz)
    stem = source_name.rsplit(".", 1)[0][:40] or "导入"
    return File(f"{stem}-导入报告.xlsx", data)


async def receive_upload(bot: Bot, token: str, filename: str, data: bytes) -> tuple[int, str]:
    """A file from the upload page: staged for the admin who opened the link, its preview
    pushed into their chat. Returns the HTTP status and the line the page shows."""
    try:
        async with bot.uow() as uow:
            await import_batches.stage_upload(
                uow, token, filename, data,
                lambda s: preview_payload(s.plan, s.batch.id or 0, s.batch.filename))
            await uow.commit()
    except NotFound as e:
        return 404, e.user_message
    except CrmError as e:
        return 400, e.user_message
    return 200, "已收到。预览已发到你的聊天里，请回到聊天确认导入。"
