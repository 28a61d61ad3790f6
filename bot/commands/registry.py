"""Command registry: one command per file, declared with `@command`.

Arguments come from the handler's signature (after `ctx`): `int`, `str`, `str | None`, and a
last `str` parameter that takes the rest of the line. Bad arguments → the usage line.
Chinese users type no space after a command word ("/客户鼓楼医院"), so names and aliases
match by longest prefix.
"""

from __future__ import annotations

import difflib
import inspect
import re
import types
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin, get_type_hints

from bot import refs

Handler = Callable[..., Awaitable[Any]]
ALL_ROLES = frozenset({"rep", "manager", "director", "admin"})
MANAGERS = frozenset({"manager", "director", "admin"})
ADMINS = frozenset({"admin"})


class UsageError(Exception):
    """Wrong arguments: the user gets `user_message`, else the command's usage (Chinese)."""

    def __init__(self, log_message: str, user_message: str | None = None) -> None:
        super().__init__(log_message)
        self.user_message = user_message


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: type                      # int | str
    optional: bool
    rest: bool                      # takes the rest of the line


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str                       # primary Chinese name: "认领"
    aliases: tuple[str, ...]        # English and other names: ("claim", "领取")
    func: Handler
    help: str                       # one line, Chinese
    usage: str                      # "/认领 <线索编号>"
    buttons: tuple[str, ...]        # button actions routed to this command
    roles: frozenset[str]
    params: tuple[Param, ...]            # all parameters (button args bind by name)
    text_params: tuple[Param, ...]       # the ones typed after the command word, in order
    group: str
    hidden: bool
    typed: bool = True              # its name typed without the slash runs it too

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


_COMMANDS: dict[str, CommandSpec] = {}
_BY_NAME: dict[str, CommandSpec] = {}
_BY_BUTTON: dict[str, CommandSpec] = {}


def command(
    name: str, *, aliases: tuple[str, ...] = (), button: str | tuple[str, ...] = (),
    roles: frozenset[str] = ALL_ROLES, usage: str | None = None, group: str = "常用",
    hidden: bool = False, text: tuple[str, ...] | None = None, typed: bool = True,
) -> Callable[[Handler], Handler]:
    """Declare a chat command. The docstring's first line is its help line.

    `typed=False`: only 「/name」 runs it; the bare word is left to the dialog in progress
    (「改」 inside a card means "edit this", 「/改」 means "correct a saved record")."""

    def deco(func: Handler) -> Handler:
        doc = inspect.getdoc(func) or ""
        help_line = doc.splitlines()[0].strip() if doc else ""
        if not help_line:
            raise ValueError(f"command {name} has no help line (docstring)")
        params = _params(func)
        typed_params = tuple(p for p in params if text is None or p.name in text)
        if typed_params:
            last = typed_params[-1]
            typed_params = (*(Param(p.name, p.kind, p.optional, False)
                              for p in typed_params[:-1]),
                            Param(last.name, last.kind, last.optional, last.kind is str))
        spec = CommandSpec(
            name=name, aliases=tuple(aliases), func=func, help=help_line,
            usage=usage or _usage(name, typed_params),
            buttons=(button,) if isinstance(button, str) else tuple(button), roles=roles,
            params=params, text_params=typed_params, group=group, hidden=hidden, typed=typed,
        )
        if name in _COMMANDS:
            raise ValueError(f"duplicate command {name}")
        for n in spec.names:
            key = n.lower()
            if key in _BY_NAME:
                raise ValueError(f"command name {n!r} used twice")
            _BY_NAME[key] = spec
        for b in spec.buttons:
            if b in _BY_BUTTON:
                raise ValueError(f"button action {b!r} routed twice")
            _BY_BUTTON[b] = spec
        _COMMANDS[name] = spec
        return func

    return deco


def _params(func: Handler) -> tuple[Param, ...]:
    hints = get_type_hints(func)
    sig = inspect.signature(func)
    out: list[Param] = []
    names = list(sig.parameters)[1:]          # skip ctx
    for pname in names:
        p = sig.parameters[pname]
        hint = hints.get(pname, str)
        optional = p.default is not inspect.Parameter.empty
        origin = get_origin(hint)
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(hint) if a is not type(None)]
            hint = args[0] if args else str
            optional = True
        kind = int if hint is int else str
        out.append(Param(pname, kind, optional, rest=False))
    return tuple(out)


ARG_LABELS: dict[str, str] = {
    "lead_id": "#L线索编号", "task_id": "#T待办编号", "name": "名称", "query": "关键词",
    "text": "内容", "customer": "客户", "filters": "筛选", "user": "同事",
    "deal_id": "#D商机编号", "offer_id": "#O抢单编号", "draft_id": "#R草稿编号",
    "followup_id": "#F跟进编号", "contact_id": "#C联系人编号", "escalation": "#A预警编号",
    "day": "日期", "obstacle": "障碍", "page": "页码", "hours": "小时", "target": "同事或团队",
    "args": "关键词", "platform": "平台", "puid": "平台账号", "login": "登录名",
    "customer_id": "客户", "stage": "阶段",
}


def _usage(name: str, params: tuple[Param, ...]) -> str:
    parts = [f"/{name}"]
    for p in params:
        label = ARG_LABELS.get(p.name, "内容")
        parts.append(f"[{label}]" if p.optional else f"<{label}>")
    return " ".join(parts)


def all_commands() -> list[CommandSpec]:
    return list(_COMMANDS.values())


def by_button(action: str) -> CommandSpec | None:
    return _BY_BUTTON.get(action)


def by_name(name: str) -> CommandSpec | None:
    return _BY_NAME.get(name.lower())


def match(text: str) -> tuple[CommandSpec, str] | None:
    """Find the command a message names (longest prefix) and return it with the rest."""
    body = text.strip()
    lowered = body.lower()
    best: tuple[int, CommandSpec] | None = None
    for key, spec in _BY_NAME.items():
        if lowered.startswith(key):
            nxt = lowered[len(key):len(key) + 1]
            # an ASCII alias must end at a word boundary: "/leadsx" is not "/leads"
            if key.isascii() and nxt and (nxt.isascii() and nxt.isalnum()):
                continue
            if best is None or len(key) > best[0]:
                best = (len(key), spec)
    if best is None:
        return None
    return best[1], body[best[0]:].strip()


def match_typed(text: str) -> tuple[CommandSpec, str] | None:
    """A command typed without the slash: the name alone (「待办」), or the name and a
    number (「认领 #L12」「完成 T7」: what a button says, typed out)."""
    body = text.strip()
    exact = by_name(body)
    if exact is not None:
        return (exact, "") if exact.typed else None
    found = match(body)
    if found is None or not found[1] or not found[0].typed:
        return None
    spec, rest = found
    if len(spec.text_params) != 1 or spec.text_params[0].kind is not int:
        return None
    return (spec, rest) if refs.parse(rest) is not None else None


def suggest(text: str, *, n: int = 3) -> list[str]:
    word = text.strip().split(" ")[0].lower()
    if not word:
        return []
    names = list(_BY_NAME)
    close = difflib.get_close_matches(word, names, n=n, cutoff=0.5)
    if not close:  # Chinese: prefix / containment similarity
        close = [k for k in names if k and (k in word or word in k)][:n]
    seen: list[str] = []
    for c in close:
        primary = _BY_NAME[c].name
        if primary not in seen:
            seen.append(primary)
    return seen


def parse_args(
    spec: CommandSpec, rest: str, given: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Bind arguments from button args (by name) or from the rest of the line."""
    values: dict[str, Any] = {}
    if given is not None:
        for p in spec.params:
            raw = given.get(p.name)
            if raw is None:
                if not p.optional:
                    raise UsageError(f"missing {p.name}")
                continue
            values[p.name] = _convert(p, raw)
        return values
    text = rest.strip()
    for p in spec.text_params:
        if p.rest:
            if text:
                values[p.name] = text
            elif not p.optional:
                raise UsageError(f"missing {p.name}")
            text = ""
            break
        token, text = _next_token(text, p.kind)
        if token is None:
            if not p.optional:
                raise UsageError(f"missing {p.name}")
            continue
        values[p.name] = _convert(p, token)
    if text:
        raise UsageError(f"unexpected arguments: {text!r}")
    return values


def _next_token(text: str, kind: type) -> tuple[str | None, str]:
    text = text.strip()
    if not text:
        return None, ""
    if kind is int:
        m = re.match(r"[#＃]?\s*[A-Za-z]?\s*\d+", text)
        if m is None:
            raise UsageError(f"expected a number in {text!r}")
        return m.group(0), text[m.end():]
    head, _, tail = text.partition(" ")
    return head, tail


def _convert(p: Param, raw: str) -> Any:
    if p.kind is int:
        kind = refs.PARAM_KINDS.get(p.name)
        if kind is not None:
            try:
                return refs.number_of(str(raw), kind)
            except refs.RefError as e:
                raise UsageError(str(e), e.user_message) from e
        try:
            return int(str(raw).strip().lstrip("#＃"))
        except ValueError as e:
            raise UsageError(f"{p.name} must be a number") from e
    return str(raw)
