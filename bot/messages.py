"""The platform-neutral message model. Standard library only.

Adapters translate platform payloads into `Incoming` and render `Text` / `Card` / `Image` /
`File` natively; `bot/` never sees platform JSON.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Platform = Literal["wecom", "dingtalk", "feishu", "console"]
PLATFORMS: tuple[str, ...] = ("wecom", "dingtalk", "feishu", "console")

# The most buttons one card may carry on each platform. WeCom: a template card's
# button_list holds at most 6. DingTalk: buttons are numbered dtmd:// links in markdown
# (no hard cap; 10 keeps a card on one phone screen). Feishu: an action block takes more,
# 10 keeps the card readable. The bot pages longer menus with [更多] (bot.render.paging).
BUTTON_LIMITS: dict[str, int] = {"wecom": 6, "dingtalk": 10, "feishu": 10, "console": 10}
MIN_BUTTON_LIMIT = min(BUTTON_LIMITS.values())


def button_limit(platform: str) -> int:
    """How many buttons a card may carry on `platform` (the smallest limit if unknown)."""
    return BUTTON_LIMITS.get(platform, MIN_BUTTON_LIMIT)


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where to answer; with `user_id` also the dialog key."""

    platform: str
    chat_id: str                    # room / conversation id on that platform
    user_id: str | None             # platform user id; None = the whole chat
    is_group: bool = False

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.chat_id}:{self.user_id or '*'}"


@dataclass(frozen=True, slots=True)
class ButtonPress:
    action: str
    args: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Voice:
    """A voice note, already downloaded by the adapter."""

    audio: bytes | None
    format: str | None = None       # amr | opus | ogg | mp3 | m4a | wav | None (sniff)
    recognition: str | None = None  # the platform's own transcript (DingTalk), a fallback
    duration_s: float | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the user sent: its bytes, or `fetch` to download them when the bot decides
    it wants them (only then: any user can send a big file)."""

    name: str                       # the file name as the user's client showed it
    data: bytes | None = None
    size: int | None = None         # what the platform announced, when it did
    fetch: Callable[[], Awaitable[bytes]] | None = field(default=None, repr=False,
                                                          compare=False)


@dataclass(frozen=True, slots=True)
class Incoming:
    event_id: str                   # platform message id (text): de-duplicates retries
    chat: ChatRef
    sent_at: datetime               # tz-aware; becomes `now` for nlp and SLA math
    text: str = ""
    voice: Voice | None = None
    pressed: ButtonPress | None = None
    menu_key: str | None = None     # app-menu click (WeCom) → routed like a command
    entered: bool = False           # the user opened the chat (enter_agent / p2p_chat_create)
    file: Attachment | None = None  # a document the user sent (spreadsheet to import …)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)   # logs only


@dataclass(frozen=True, slots=True)
class Button:
    label: str                      # "认领"
    action: str                     # "lead.claim" — routed like a command
    args: Mapping[str, str] = field(default_factory=dict)
    style: str = "default"          # default | primary | danger


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    fields: tuple[tuple[str, str], ...] = ()
    body: str = ""
    buttons: tuple[Button, ...] = ()
    card_id: str | None = None      # stable id so a later reply can replace this card


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Image:
    """A chart or picture: PNG bytes plus a caption used where images cannot be shown."""

    png: bytes
    caption: str = ""


@dataclass(frozen=True, slots=True)
class File:
    """A document handed over in the chat (an export, a template, an import report).

    Each platform uploads it and sends a file message; the console saves it and prints the
    path. `caption` goes along as text where it helps."""

    name: str                       # 导出-2026-11-23.xlsx
    data: bytes
    caption: str = ""


Reply = Text | Card | Image | File
