"""The dialog engine: slot-filling conversations whose state lives in the database, keyed
by (platform, chat, user), expiring after an idle time. 取消 works at every step (core)."""

from __future__ import annotations

import secrets
from typing import Any, Protocol

from bot.context import Context
from bot.messages import Button, Reply
from crm_core.models import DialogState
from crm_core.services import inbound


class Dialog(Protocol):
    name: str

    async def on_text(self, ctx: Context, data: dict[str, Any], text: str) -> list[Reply]: ...

    async def on_button(
        self, ctx: Context, data: dict[str, Any], action: str, args: dict[str, str]
    ) -> list[Reply]: ...


DIALOGS: dict[str, Dialog] = {}


def register(dialog: Dialog) -> Dialog:
    if dialog.name in DIALOGS:
        raise ValueError(f"duplicate dialog {dialog.name}")
    DIALOGS[dialog.name] = dialog
    return dialog


async def load_dialog_state(ctx: Context) -> DialogState | None:
    async with ctx.uow() as uow:
        return await inbound.load_dialog(uow, ctx.chat.key, ctx.bot.dialog_ttl)


async def save_dialog(ctx: Context, name: str, data: dict[str, Any]) -> None:
    data.setdefault("_nonce", secrets.token_hex(4))
    async with ctx.uow() as uow:
        await inbound.save_dialog(uow, ctx.chat.key, name, data, ctx.user.id)


async def end_dialog(ctx: Context) -> None:
    async with ctx.uow() as uow:
        await inbound.clear_dialog(uow, ctx.chat.key)


def dbutton(
    label: str, dialog: str, op: str, data: dict[str, Any], style: str = "default",
    **args: str,
) -> Button:
    """A button that belongs to the current step of a dialog (stale cards are refused)."""
    return Button(label, f"dlg.{dialog}.{op}", {"n": str(data.get("_nonce", "")), **args},
                  style=style)
