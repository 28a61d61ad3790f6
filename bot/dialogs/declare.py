"""How a dialog is declared. The engine that runs the declarations is `bot.dialogs.engine`.

A dialog is data: a typed draft (a dataclass), its slots in the order they are asked, a
confirmation card and a save function. The engine owns everything else — storing the draft
(a `Draft` row, so restarts and second processes lose nothing), asking for the first
missing slot, reading answers (typed, spoken or tapped; a tapped choice and its label typed
out are the same), paging choices to the platform's button limit with [更多], the edit menu
([修改] or 「修改」), 取消 at every step, 确认 (saved exactly once, however often it is
tapped), idle expiry, and refusing buttons from older cards.

Declaring a new dialog — one file in `bot/dialogs/` (every module there is imported at
start-up; `tests/e2e/test_dialog_engine.py` runs this very example):

```python
@dataclass
class Reminder:                                  # the typed draft: JSON-able fields only
    title: str = ""
    day: date | None = None

async def read_day(t: Turn, d: Reminder, text: str) -> Answer:
    when = nlp.parse_when(text, t.ctx.now)
    if when.date is None:
        return "没听懂日期，如「周四」「12月3日」。"      # a complaint: asked again
    d.day = when.date
    return None                                       # accepted

async def card(t: Turn, d: Reminder) -> Card:         # the engine adds 确认 / 修改 / 取消
    return Card("确认提醒", fields=(("事项", d.title), ("日期", str(d.day))))

async def save(t: Turn, uow: UnitOfWork, d: Reminder) -> Saved:
    # call crm_core services with `uow` here; they do not commit, the engine does, once
    return Saved([Text(f"✅ 已记下：{d.title}")])

REMIND = engine.register(Dialog(
    name="remind", title="提醒", draft=Reminder,
    slots=(text_slot("title", "事项", "提醒你做什么？"),
           Slot("day", "日期", "哪天？", read=read_day, missing=lambda t, d: d.day is None)),
    confirm=card, save=save,
))
# start it from a command:  return await engine.start(ctx, REMIND, Reminder(title=text))
```

- `Slot.missing(turn, draft)` says whether to ask; `Slot.read` takes a typed answer and
  returns None (accepted), a complaint (str, asked again), `Finish(replies)` (the dialog
  ends here) or `PASS` (not an answer: the text goes on as a new message).
- `Slot.choices` turns the question into buttons; `Slot.pick` takes the chosen value.
- `Dialog.understand` reads free text at the confirmation step (corrections such as
  「不对，是周三」); `Dialog.ops` are extra buttons (`engine.op_button`); `Dialog.prepare`
  derives state before each step (the follow-up resolves its contact and lead there).
- `confirm=None`: saved as soon as nothing is missing (a stage move, the full-name question).
- `Saved(replies, record_kind, record_id, then)`: `then` runs after the commit (the next
  question); the record is what 撤销 and /改 find.
- A menu is a slot with choices whose `pick` returns `Finish([...])` for items that end it
  (see `bot.dialogs.admin`); a choice list longer than the platform allows pages itself.
- `kept=True`: the draft is a record in the making (a follow-up note): it stays listed in
  /草稿 when the rep moves on, is reminded once before it expires, and the daily report
  counts it. Dialogs that only gather a command's arguments (menus) are not kept.
"""

from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    TypeVar,
    Union,
    cast,
    get_args,
    get_origin,
    get_type_hints,
)

from bot.messages import Card, Reply, Text

if TYPE_CHECKING:
    from bot.context import Context
    from crm_core.uow import UnitOfWork

D = TypeVar("D")


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a question: the button label and the value the slot receives."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Finish:
    """The dialog ends at this answer (dropped, nothing saved) with these replies."""

    replies: list[Reply]


class _Pass:
    """Not an answer to this dialog: the engine passes the text on as a new message."""

    def __repr__(self) -> str:
        return "PASS"


PASS = _Pass()
Answer = str | Finish | _Pass | None


@dataclass
class Turn:
    """One step of one dialog: who is talking, which draft, notes to show first."""

    ctx: Context
    draft_id: int
    dialog: str
    notes: list[Reply] = field(default_factory=list)
    editing: str | None = None          # the slot chosen from the edit menu, if any

    def say(self, text: str) -> None:
        self.notes.append(Text(text))

    @property
    def ref(self) -> str:
        return f"#R{self.draft_id}"


@dataclass(frozen=True, slots=True)
class Saved:
    """What saving produced: the replies, the record (kind, id) for undo and /改, and what
    to do once it is committed (`then`: e.g. start the next dialog)."""

    replies: list[Reply]
    record_kind: str | None = None
    record_id: int | None = None
    then: Callable[[], Awaitable[list[Reply]]] | None = None


Ask = str | Callable[[Turn, Any], str]
ReadFn = Callable[[Turn, Any, str], Awaitable[Answer]]
MissingFn = Callable[[Turn, Any], bool]
ChoicesFn = Callable[[Turn, Any], Awaitable[Sequence[Choice]]]
PickFn = Callable[[Turn, Any, str], Awaitable[Answer]]
OpFn = Callable[[Turn, Any, Mapping[str, str]], Awaitable[Answer]]


@dataclass(frozen=True)
class Slot(Generic[D]):
    name: str                                  # the draft's attribute
    label: str                                 # 客户: the edit menu's button
    ask: Ask                                   # the question (text, or built from the draft)
    read: ReadFn | None = None                 # a typed answer; None: choices only
    missing: MissingFn | None = None           # None: asked while the attribute is empty
    choices: ChoicesFn | None = None           # buttons for the question (paged)
    pick: PickFn | None = None                 # a chosen value; None: set the attribute
    editable: bool = True                      # offered in the edit menu
    hint: str = ""                             # shown under the choices

    def is_missing(self, turn: Turn, draft: Any) -> bool:
        if self.missing is not None:
            return self.missing(turn, draft)
        return not getattr(draft, self.name, None)

    def question(self, turn: Turn, draft: Any) -> str:
        return self.ask if isinstance(self.ask, str) else self.ask(turn, draft)


ConfirmFn = Callable[[Turn, Any], Awaitable[Card]]
SaveFn = Callable[[Turn, "UnitOfWork", Any], Awaitable[Saved]]
UnderstandFn = Callable[[Turn, Any, str], Awaitable[Answer]]


@dataclass(frozen=True)
class Dialog(Generic[D]):
    name: str                                  # unique; buttons are dlg.<name>.<op>
    title: str                                 # 跟进记录: /草稿 and reminders say it
    draft: type[D]
    slots: tuple[Slot[D], ...]
    save: SaveFn
    confirm: ConfirmFn | None = None           # None: save as soon as nothing is missing
    understand: UnderstandFn | None = None     # free text at the confirmation step
    prepare: Callable[[Turn, D], Awaitable[None]] | None = None   # before each step: derive
    ops: Mapping[str, OpFn] = field(default_factory=dict)
    kept: bool = False
    summary: Callable[[D], str] = lambda d: ""
    confirm_label: str = "确认"
    cancelled: str = "已取消，没有保存。"
    edit_hint: str = "也可以直接打字更正。"

    def slot(self, name: str) -> Slot[D] | None:
        return next((s for s in self.slots if s.name == name), None)


def text_slot(name: str, label: str, ask: Ask, *, max_len: int = 500, min_len: int = 1,
              missing: MissingFn | None = None, editable: bool = True) -> Slot[Any]:
    """A slot that takes the answer as typed (trimmed, bounded)."""

    async def read(turn: Turn, draft: Any, text: str) -> Answer:
        value = text.strip()
        if len(value) < min_len:
            return f"再多说一点吧（至少 {min_len} 个字）。"
        setattr(draft, name, value[:max_len])
        return None

    return Slot(name, label, ask, read=read, missing=missing, editable=editable)


# --- typed drafts ↔ JSON -------------------------------------------------------------------

def to_json(draft: Any) -> dict[str, Any]:
    """A draft dataclass as JSON-ready values (dates and times as ISO text)."""
    return {f.name: _enc(getattr(draft, f.name)) for f in dataclasses.fields(draft)}


def _enc(v: Any) -> Any:
    if isinstance(v, datetime | date | time):
        return v.isoformat()
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return to_json(v)
    if isinstance(v, list | tuple):
        return [_enc(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _enc(x) for k, x in v.items()}
    return v


def from_json(cls: type[D], data: Mapping[str, Any]) -> D:
    """The dataclass back from `to_json` (unknown keys ignored, missing ones defaulted)."""
    kwargs: dict[str, Any] = {}
    for name, hint in _fields_of(cast(Hashable, cls)):
        if name in data:
            kwargs[name] = _dec(hint, data[name])
    return cls(**kwargs)


@functools.cache
def _fields_of(cls: type[Any]) -> tuple[tuple[str, Any], ...]:
    """A draft class's fields and their resolved types (resolving them costs a millisecond:
    done once per class)."""
    hints = get_type_hints(cls)
    return tuple((f.name, hints.get(f.name, Any)) for f in dataclasses.fields(cls))


def _dec(hint: Any, v: Any) -> Any:
    if v is None:
        return None
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(hint) if a is not type(None)]
        return _dec(inner[0], v) if len(inner) == 1 else v
    if origin in (list, tuple):
        (item,) = get_args(hint)[:1] or (Any,)
        return [_dec(item, x) for x in v]
    if hint is date:
        return date.fromisoformat(v)
    if hint is time:
        return time.fromisoformat(v)
    if hint is datetime:
        return datetime.fromisoformat(v)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(v, Mapping):
        return from_json(hint, v)
    return v
