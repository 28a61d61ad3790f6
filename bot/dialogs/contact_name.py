"""After a note named someone new by surname and title (「王主任」): ask for the full name.

A reply that reads like a name with that surname completes the contact; anything else
is not an answer and goes on as a new message (the contact stays 「王主任」 until someone
fills it in with /联系人).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.context import Context
from bot.dialogs import engine
from bot.dialogs.declare import PASS, Answer, Dialog, Saved, Slot, Turn
from bot.messages import Text
from crm_core.services import profiles
from crm_core.uow import UnitOfWork

NAME = "contact_name"
HAN_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,6}$")


@dataclass
class FullName:
    contact_id: int = 0
    shown: str = ""                 # 王主任
    surname: str = ""               # 王
    full_name: str = ""


async def start(ctx: Context, contact_id: int, shown: str) -> list[Any]:
    async with ctx.uow() as uow:
        contact, _ = await profiles.contact_of(uow, ctx.user, contact_id)
    return await engine.start(ctx, CONTACT_NAME, FullName(contact_id, shown, contact.name))


async def _read(t: Turn, d: FullName, text: str) -> Answer:
    name = text.strip().removeprefix("全名").strip(" ：:是叫")
    if not (HAN_NAME.match(name) and name.startswith(d.surname) and name != d.surname):
        return PASS
    d.full_name = name
    return None


async def _save(t: Turn, uow: UnitOfWork, d: FullName) -> Saved:
    await profiles.edit_contact(uow, t.ctx.user, d.contact_id, {"name": d.full_name})
    return Saved([Text(f"✅ 已记下：{d.shown}是{d.full_name}（联系人 #C{d.contact_id}）。")],
                 "contact", d.contact_id)


CONTACT_NAME = engine.register(Dialog(
    name=NAME, title="联系人姓名", draft=FullName,
    slots=(Slot("full_name", "姓名",
                lambda t, d: f"新联系人「{d.shown}」的全名是？直接回复，如「{d.surname}建军」。",
                read=_read),),
    save=_save, summary=lambda d: d.shown,
))
