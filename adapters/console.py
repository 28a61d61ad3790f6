"""The console channel: a real channel of the bot in a terminal.

Works interactively and with piped input (one message per line, replies on stdout). Cards
are compact text with numbered buttons; typing the number presses the button.
Console-only lines: `:voice FILE` sends a voice note, `:file FILE` sends a document (a
spreadsheet to import), `:as LOGIN` switches user, `:quit`. Files the bot sends back are
saved under `var/files/` and their path printed.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.messages import (
    Attachment,
    Button,
    ButtonPress,
    ChatRef,
    File,
    Image,
    Incoming,
    Reply,
    Text,
    Voice,
)

PLATFORM = "console"


def render_text(reply: Reply, start: int = 1) -> tuple[str, list[Button]]:
    """A reply as compact text; buttons numbered from `start`."""
    if isinstance(reply, Text):
        return reply.text, []
    if isinstance(reply, Image):
        return f"[图片] {reply.caption}".strip(), []
    if isinstance(reply, File):
        return f"[文件] {reply.name} {reply.caption}".strip(), []
    lines = [f"┌ {reply.title}"]
    width = max((len(k) for k, _ in reply.fields), default=0)
    for k, v in reply.fields:
        lines.append(f"│ {k.ljust(width, '　')}：{v}")
    if reply.body:
        lines.extend(f"│ {line}" for line in reply.body.splitlines())
    buttons = list(reply.buttons)
    if buttons:
        lines.append("└ " + "  ".join(f"[{i}] {b.label}" for i, b in
                                         enumerate(buttons, start)))
    else:
        lines.append("└")
    return "\n".join(lines), buttons


@dataclass
class ConsoleSession:
    """One person at the terminal; remembers the last buttons for number picks."""

    login: str
    handle: Callable[..., Any]          # bot.handle
    now: Callable[[], Any]
    out: TextIO = field(default_factory=lambda: sys.stdout)
    buttons: list[Button] = field(default_factory=list)
    images_dir: Path | None = None
    files_dir: Path | None = None

    @property
    def chat(self) -> ChatRef:
        return ChatRef(PLATFORM, self.login, self.login)

    def incoming(self, line: str) -> Incoming:
        text = line.strip()
        event = uuid.uuid4().hex
        if text.isdigit() and self.buttons and 1 <= int(text) <= len(self.buttons):
            b = self.buttons[int(text) - 1]
            return Incoming(event, self.chat, self.now(), pressed=ButtonPress(b.action, b.args))
        if text.startswith(":file "):
            path = Path(text[6:].strip()).expanduser()
            data = path.read_bytes() if path.is_file() else None
            return Incoming(event, self.chat, self.now(),
                            file=Attachment(path.name, data, len(data) if data else None))
        if text.startswith(":voice "):
            path = Path(text[7:].strip())
            audio = path.read_bytes() if path.is_file() else b""
            return Incoming(event, self.chat, self.now(),
                            voice=Voice(audio=audio, format=path.suffix.lstrip(".") or None))
        return Incoming(event, self.chat, self.now(), text=text)

    async def show(self, reply: Reply) -> None:
        self.print_replies([reply], keep_buttons=False)

    def print_replies(self, replies: list[Reply], *, keep_buttons: bool = True) -> None:
        shown: list[Button] = []
        for r in replies:
            if isinstance(r, Image) and self.images_dir is not None:
                self.images_dir.mkdir(parents=True, exist_ok=True)
                p = self.images_dir / f"chart-{uuid.uuid4().hex[:8]}.png"
                p.write_bytes(r.png)
                r = Text(f"[图片] {r.caption} → {p}")
            if isinstance(r, File):
                r = Text(save_file(r, self.files_dir))
            text, buttons = render_text(r, start=len(shown) + 1)
            shown.extend(buttons)
            print(text, file=self.out, flush=True)
        if keep_buttons and shown:
            self.buttons = shown
        elif keep_buttons and replies:
            self.buttons = []

    async def send_line(self, line: str) -> None:
        replies = await self.handle(self.incoming(line), self.show)
        self.print_replies(replies)


def save_file(reply: File, folder: Path | None) -> str:
    """A file reply saved where the console user can open it; the line that says where."""
    folder = folder or Path("var") / "files"
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c for c in Path(reply.name).name if c not in '\\/:*?"<>|') or "file"
    path = folder / safe
    n = 1
    while path.exists():
        path = folder / f"{Path(safe).stem}-{n}{Path(safe).suffix}"
        n += 1
    path.write_bytes(reply.data)
    return f"[文件] {path.resolve()}" + (f"\n{reply.caption}" if reply.caption else "")


async def run_console(bot: Any, login: str, *, user_name: str = "", stdin: TextIO | None = None,
                      images_dir: Path | None = None, files_dir: Path | None = None) -> int:
    """Read lines until EOF; answer each one."""
    stream = stdin or sys.stdin
    interactive = stream.isatty()
    session = ConsoleSession(login, bot.handle, bot.clock.now, images_dir=images_dir,
                             files_dir=files_dir)
    if interactive:
        print(f"CRM 助手 · 控制台（当前用户：{user_name or login}）。发 /帮助 看命令，"
              "「:voice 文件」发语音，「:file 文件」发文件，「:as 登录名」切换用户，"
              "Ctrl-D 退出。", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            print(f"\n{user_name or session.login}> ", end="", flush=True)
        line = await loop.run_in_executor(None, stream.readline)
        if not line:
            break
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.strip() in (":quit", ":q", ":exit"):
            break
        if line.startswith(":as "):
            session.login = line[4:].strip()
            session.buttons = []
            user_name = ""
            print(f"已切换到 {session.login}", flush=True)
            continue
        await session.send_line(line)
    return 0


class ConsoleSender:
    """Pushes for console users: printed when they are at this terminal, else logged."""

    def __init__(self, current_login: Callable[[], str], log_path: Path | None = None) -> None:
        self.current_login = current_login
        self.log_path = log_path

    async def send(self, to: ChatRef, reply: Reply, *,
                   delivery_key: str | None = None) -> str | None:
        if isinstance(reply, File) and to.user_id == self.current_login():
            reply = Text(save_file(reply, None))
        text, _ = render_text(reply)
        if to.user_id == self.current_login():
            print(f"\n🔔 {text}", flush=True)
        elif self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("a", encoding="utf-8") as f:
                f.write(f"→ {to.user_id}\n{text}\n\n")
        return uuid.uuid4().hex
