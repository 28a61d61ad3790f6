"""Exports: leads, customers with contacts and decision roles, follow-ups, deals with their
stage history, tasks and daily reports — what the viewer may see, filtered by period, owner,
team, stage and source.

The service hands out pages of plain rows (keyset pages on the primary key, one short
transaction each, so an export of 100 000 rows neither holds SQLite's one connection nor
memory); an outer ring writes them (bot/xlsx.py). `record_export` audits who exported what
filter and how many rows.

Visibility is `access.visible_owner_ids` (a rep: own; a manager: the teams below; the
director and admins: all) applied per kind as the lists apply it: records without an owner
(the pool, pending leads, unassigned customers) are visible as they are in chat — leads
without owner to managers (reps: the public pool only), customers without owner to all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col

from crm_core.errors import Forbidden, InvalidInput
from crm_core.models import (
    Contact,
    Customer,
    DailyReport,
    Deal,
    Department,
    FollowUp,
    Lead,
    Stage,
    StageHistory,
    Task,
    Team,
    User,
)
from crm_core.models.accounts import CUSTOMER_KINDS
from crm_core.models.pipeline import LEAD_STATUS_LABELS
from crm_core.policies.periods import Period, parse_period
from crm_core.services.access import visible_owner_ids
from crm_core.uow import UnitOfWork

PAGE = 5000
KINDS: dict[str, str] = {"leads": "线索", "customers": "客户", "followups": "跟进",
                         "deals": "商机", "tasks": "待办", "daily_reports": "日报"}
KIND_WORDS: dict[str, str] = {
    **{v: k for k, v in KINDS.items()}, **{k: k for k in KINDS},
    "联系人": "customers", "contacts": "customers", "跟进记录": "followups",
    "拜访": "followups", "阶段": "deals", "任务": "tasks", "reports": "daily_reports",
    "report": "daily_reports", "lead": "leads", "customer": "customers",
    "followup": "followups", "deal": "deals", "task": "tasks",
}
ALL_WORDS = frozenset({"全部", "所有", "all"})
LEAD_GRADES = {"red": "红", "yellow": "黄", "green": "绿"}
FOLLOWUP_SOURCES = {"chat": "文字", "voice": "语音", "form": "表单", "import": "导入",
                    "demo": "演示数据"}
TASK_STATUS = {"open": "未完成", "done": "已完成", "cancelled": "已取消"}
REPORT_STATUS = {"prompted": "未提交", "answered": "已提交"}


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    kind: str = "text"           # text | int | number | money | date | datetime | bool
    width: int = 12


@dataclass(frozen=True, slots=True)
class ExportFilter:
    kinds: tuple[str, ...] = tuple(KINDS)
    period: Period | None = None
    owner: str | None = None     # login or name
    team: str | None = None
    stage: str | None = None
    source: str | None = None

    def describe(self) -> dict[str, str]:
        out = {"内容": "、".join(KINDS[k] for k in self.kinds)}
        if self.period:
            out["期间"] = self.period.label
        for key, label in (("owner", "负责人"), ("team", "团队"), ("stage", "阶段"),
                           ("source", "来源")):
            if getattr(self, key):
                out[label] = getattr(self, key)
        return out


@dataclass
class Scope:
    """The filter resolved against the database and the viewer's visibility."""

    flt: ExportFilter
    owners: frozenset[int] | None        # None: everyone's
    unowned_leads: str                   # all | pool | none
    unowned_accounts: bool
    start: datetime | None = None
    end: datetime | None = None          # exclusive
    stage_ids: tuple[int, ...] | None = None
    tz: Any = None


@dataclass(frozen=True, slots=True)
class Sheet:
    kind: str
    title: str
    columns: tuple[Column, ...]


@dataclass
class Page:
    rows: list[tuple[Any, ...]]
    after: int | None                     # the key to ask the next page from; None: done


@dataclass
class ExportCount:
    sheets: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.sheets.values())


# --------------------------------------------------------------------------- filter words

async def parse_words(uow: UnitOfWork, words: Sequence[str], today: date) -> ExportFilter:
    """`/导出 跟进 本月 张伟` → a filter; every word must mean something (a kind, a
    period, a colleague, a team, a stage or a lead source)."""
    kinds: list[str] = []
    values: dict[str, Any] = {}
    teams = set((await uow.session.execute(_select(col(Team.name)))).scalars())
    stages = set((await uow.session.execute(_select(col(Stage.name)))).scalars())
    people = {w for u in (await uow.session.execute(_select(User))).scalars()
              for w in (u.login, u.name)}
    sources = set((await uow.session.execute(
        sa.select(col(Lead.source_channel)).distinct())).scalars())
    for word in words:
        w = word.strip().removeprefix("负责人=").removeprefix("阶段=").removeprefix("来源=")
        if not w:
            continue
        if w.lower() in ALL_WORDS:
            kinds.extend(KINDS)
        elif w.lower() in KIND_WORDS or w in KIND_WORDS:
            kinds.append(KIND_WORDS.get(w, KIND_WORDS.get(w.lower(), "")))
        elif (period := parse_period(w, today)) is not None:
            values["period"] = period
        elif w in teams:
            values["team"] = w
        elif w in stages:
            values["stage"] = w
        elif w in people:
            values["owner"] = w
        elif w in sources:
            values["source"] = w
        else:
            raise InvalidInput(f"export word {w!r}",
                               f"看不懂「{w}」。可以写内容（线索 客户 跟进 商机 待办 日报）、"
                               "时间（本月 上周 2026-01-01~2026-03-31）、负责人、团队、"
                               "阶段或来源。")
    return ExportFilter(kinds=tuple(dict.fromkeys(kinds)) or tuple(KINDS), **values)


# --------------------------------------------------------------------------- scope

async def resolve_scope(uow: UnitOfWork, viewer: User | None, flt: ExportFilter) -> Scope:
    """Who the viewer may see, narrowed by the filter's owner and team. `viewer` None is
    the command line's operator: everything."""
    visible = await visible_owner_ids(uow, viewer) if viewer is not None else None
    role = viewer.role if viewer is not None else "admin"
    owners: set[int] | None = None if visible is None else set(visible)
    narrowed = False
    if flt.owner:
        person = (await uow.session.execute(_select(User).where(
            sa.or_(col(User.login) == flt.owner, col(User.name) == flt.owner)))).scalars().all()
        if len(person) != 1:
            raise InvalidInput(f"owner {flt.owner}", f"没有找到同事「{flt.owner}」"
                               if not person else f"「{flt.owner}」有重名，请用登录名")
        pid = person[0].id or 0
        if owners is not None and pid not in owners:
            raise Forbidden(f"owner {pid} not visible", f"你看不到{person[0].name}的数据")
        owners, narrowed = {pid}, True
    if flt.team:
        team = (await uow.session.execute(_select(Team).where(
            col(Team.name) == flt.team))).scalars().first()
        if team is None:
            raise InvalidInput(f"team {flt.team}", f"没有团队「{flt.team}」")
        members = set((await uow.session.execute(_select(col(User.id)).where(
            col(User.team_id) == team.id))).scalars())
        if team.manager_id:
            members.add(team.manager_id)
        inside = members if owners is None else members & owners
        if not inside:
            raise Forbidden(f"team {team.id} not visible", f"你看不到{team.name}的数据")
        owners, narrowed = inside, True
    scope = Scope(flt, frozenset(owners) if owners is not None else None,
                  unowned_leads="none" if narrowed else ("pool" if role == "rep" else "all"),
                  unowned_accounts=not narrowed, tz=uow.clock.tz)
    if flt.period:
        scope.start = datetime.combine(flt.period.first, time(), tzinfo=uow.clock.tz)
        scope.end = datetime.combine(flt.period.last + timedelta(days=1), time(),
                                     tzinfo=uow.clock.tz)
    if flt.stage:
        ids = tuple((await uow.session.execute(_select(col(Stage.id)).where(
            col(Stage.name) == flt.stage))).scalars())
        if not ids:
            raise InvalidInput(f"stage {flt.stage}", f"没有阶段「{flt.stage}」")
        scope.stage_ids = ids
    return scope


def _owned(column: Any, scope: Scope, unowned: bool) -> Any:
    if scope.owners is None:
        return sa.true() if unowned else column.is_not(None)
    inside = column.in_(sorted(scope.owners))
    return sa.or_(inside, column.is_(None)) if unowned else inside


def _period(column: Any, scope: Scope) -> Any:
    conds = []
    if scope.start is not None:
        conds.append(column >= scope.start)
    if scope.end is not None:
        conds.append(column < scope.end)
    return sa.and_(sa.true(), *conds)


def sheets(flt: ExportFilter) -> list[Sheet]:
    """The sheets of an export, in order: customers bring their contacts, deals their stage
    history."""
    out: list[Sheet] = []
    for kind in KINDS:
        if kind in flt.kinds:
            out.extend(SHEETS[k] for k in _SHEETS_OF[kind])
    return out


# --------------------------------------------------------------------------- pages

Fetch = Callable[[UnitOfWork, Scope, int, int], Awaitable[list[tuple[Any, ...]]]]


async def fetch_page(uow: UnitOfWork, scope: Scope, sheet: Sheet, after: int = 0,
                     limit: int = PAGE) -> Page:
    """Rows of `sheet` with a key above `after`, in key order. The first value of each row
    is its key (the record id), written as the sheet's first column."""
    rows = await _FETCH[sheet.kind](uow, scope, after, limit)
    return Page(rows, rows[-1][0] if len(rows) == limit else None)


Owner = aliased(User, name="owner_user")


async def _leads(uow: UnitOfWork, scope: Scope, after: int, limit: int) -> list[tuple[Any, ...]]:
    unowned = {"all": col(Lead.owner_id).is_(None),
               "pool": sa.and_(col(Lead.owner_id).is_(None), col(Lead.in_pool).is_(True)),
               "none": sa.false()}[scope.unowned_leads]
    visible = sa.or_(_owned(col(Lead.owner_id), scope, False), unowned)
    q = (_select(Lead.id, Lead.status, Lead.company, Lead.name, Lead.title, Lead.phone,
                   Lead.email, Lead.province, Lead.city, Lead.product_text, Lead.budget,
                   Lead.source_channel, Lead.utm_campaign, Lead.score, Lead.grade,
                   Owner.name, Team.name, Lead.created_at, Lead.assigned_at,
                   Lead.first_contacted_at, Lead.last_activity_at, Lead.dropped_reason,
                   Lead.message)
         .outerjoin(Owner, Owner.id == Lead.owner_id)
         .outerjoin(Team, col(Team.id) == sa.func.coalesce(Lead.team_id, Owner.team_id))
         .where(col(Lead.id) > after, visible, _period(col(Lead.created_at), scope))
         .order_by(col(Lead.id)).limit(limit))
    if scope.flt.source:
        q = q.where(col(Lead.source_channel) == scope.flt.source)
    return [(r[0], LEAD_STATUS_LABELS.get(r[1], r[1]), *r[2:14],
             LEAD_GRADES.get(r[14], r[14]), *r[15:]) for r in (await _rows(uow, q))]


async def _customers(uow: UnitOfWork, scope: Scope, after: int, limit: int
                     ) -> list[tuple[Any, ...]]:
    contacts = (_select(sa.func.count()).where(col(Contact.customer_id) == Customer.id)
                .correlate(Customer).scalar_subquery())
    q = (_select(Customer.id, Customer.name, Customer.aliases, Customer.kind, Customer.grade,
                   Customer.industry, Customer.province, Customer.city, Customer.district,
                   Customer.address, Owner.name, contacts, Customer.created_at,
                   Customer.last_activity_at)
         .outerjoin(Owner, Owner.id == Customer.owner_id)
         .where(col(Customer.id) > after,
                _owned(col(Customer.owner_id), scope, scope.unowned_accounts))
         .order_by(col(Customer.id)).limit(limit))
    return [(r[0], r[1], _join(r[2]), CUSTOMER_KINDS.get(r[3], r[3]), *r[4:]) for r in
            (await _rows(uow, q))]


async def _contacts(uow: UnitOfWork, scope: Scope, after: int, limit: int
                    ) -> list[tuple[Any, ...]]:
    q = (_select(Contact.id, Customer.name, Contact.name, Contact.title, Department.name,
                   Contact.decision_role, Contact.phone, Contact.email, Contact.wechat,
                   Contact.aliases, Owner.name, Contact.created_at)
         .join(Customer, col(Customer.id) == Contact.customer_id)
         .outerjoin(Department, col(Department.id) == Contact.department_id)
         .outerjoin(Owner, Owner.id == Customer.owner_id)
         .where(col(Contact.id) > after,
                _owned(col(Customer.owner_id), scope, scope.unowned_accounts))
         .order_by(col(Contact.id)).limit(limit))
    return [(*r[:9], _join(r[9]), *r[10:]) for r in (await _rows(uow, q))]


async def _followups(uow: UnitOfWork, scope: Scope, after: int, limit: int
                     ) -> list[tuple[Any, ...]]:
    q = (_select(FollowUp.id, FollowUp.occurred_at, Owner.name, Customer.name, Contact.name,
                   FollowUp.channel, FollowUp.summary, FollowUp.attitude, FollowUp.products,
                   FollowUp.obstacle, FollowUp.next_action, FollowUp.next_due_at,
                   FollowUp.source, FollowUp.lead_id, FollowUp.deal_id)
         .outerjoin(Owner, Owner.id == FollowUp.owner_id)
         .outerjoin(Customer, col(Customer.id) == FollowUp.customer_id)
         .outerjoin(Contact, col(Contact.id) == FollowUp.contact_id)
         .where(col(FollowUp.id) > after, _owned(col(FollowUp.owner_id), scope, False),
                _period(col(FollowUp.occurred_at), scope))
         .order_by(col(FollowUp.id)).limit(limit))
    return [(*r[:8], _join(r[8]), *r[9:12], FOLLOWUP_SOURCES.get(r[12], r[12]), *r[13:])
            for r in (await _rows(uow, q))]


def _deal_where(scope: Scope) -> list[Any]:
    conds = [_owned(col(Deal.owner_id), scope, scope.unowned_accounts)]
    if scope.stage_ids is not None:
        conds.append(col(Deal.stage_id).in_(scope.stage_ids))
    return conds


async def _deals(uow: UnitOfWork, scope: Scope, after: int, limit: int) -> list[tuple[Any, ...]]:
    q = (_select(Deal.id, Deal.name, Customer.name, Owner.name, Stage.name, Deal.amount,
                   Deal.products, Deal.expected_close, Deal.lost_reason, Deal.stage_entered_at,
                   Deal.created_at, Deal.closed_at, Deal.lead_id)
         .join(Customer, col(Customer.id) == Deal.customer_id)
         .join(Stage, col(Stage.id) == Deal.stage_id)
         .outerjoin(Owner, Owner.id == Deal.owner_id)
         .where(col(Deal.id) > after, _period(col(Deal.created_at), scope), *_deal_where(scope))
         .order_by(col(Deal.id)).limit(limit))
    return [(*r[:6], _join(r[6]), *r[7:]) for r in (await _rows(uow, q))]


async def _stage_history(uow: UnitOfWork, scope: Scope, after: int, limit: int
                         ) -> list[tuple[Any, ...]]:
    src, dst = aliased(Stage, name="from_stage"), aliased(Stage, name="to_stage")
    q = (_select(StageHistory.id, StageHistory.deal_id, Deal.name, src.name, dst.name,
                   StageHistory.moved_at, Owner.name, StageHistory.compliant,
                   StageHistory.override, StageHistory.note)
         .join(Deal, col(Deal.id) == StageHistory.deal_id)
         .outerjoin(src, src.id == StageHistory.from_stage_id)
         .join(dst, dst.id == StageHistory.to_stage_id)
         .outerjoin(Owner, Owner.id == StageHistory.moved_by)
         .where(col(StageHistory.id) > after, _period(col(StageHistory.moved_at), scope),
                *_deal_where(scope))
         .order_by(col(StageHistory.id)).limit(limit))
    return [tuple(r) for r in (await _rows(uow, q))]


async def _tasks(uow: UnitOfWork, scope: Scope, after: int, limit: int) -> list[tuple[Any, ...]]:
    q = (_select(Task.id, Owner.name, Task.title, Customer.name, Task.due_at, Task.status,
                   Task.done_at, Task.created_at, Task.lead_id, Task.deal_id)
         .outerjoin(Owner, Owner.id == Task.owner_id)
         .outerjoin(Customer, col(Customer.id) == Task.customer_id)
         .where(col(Task.id) > after, _owned(col(Task.owner_id), scope, False),
                _period(col(Task.due_at), scope))
         .order_by(col(Task.id)).limit(limit))
    return [(*r[:5], TASK_STATUS.get(r[5], r[5]), *r[6:]) for r in
            (await _rows(uow, q))]


async def _daily_reports(uow: UnitOfWork, scope: Scope, after: int, limit: int
                         ) -> list[tuple[Any, ...]]:
    q = (_select(DailyReport.id, DailyReport.day, Owner.name, DailyReport.status,
                   DailyReport.progress, DailyReport.obstacles, DailyReport.answered_at)
         .join(Owner, Owner.id == DailyReport.user_id)
         .where(col(DailyReport.id) > after, _owned(col(DailyReport.user_id), scope, False))
         .order_by(col(DailyReport.id)).limit(limit))
    if scope.flt.period is not None:
        q = q.where(col(DailyReport.day) >= scope.flt.period.first,
                    col(DailyReport.day) <= scope.flt.period.last)
    return [(r[0], r[1], r[2], REPORT_STATUS.get(r[3], r[3]), r[4], _join(r[5]), r[6])
            for r in (await _rows(uow, q))]


async def _rows(uow: UnitOfWork, q: Any) -> list[Any]:
    """Rows of a Core select on the transaction's connection (no ORM result machinery)."""
    return list((await uow.sql(q)).all())


def _select(*columns: Any) -> Any:
    """A Core select of plain columns (typed loosely: SQLModel's attributes are not
    SQLAlchemy columns to the type checker)."""
    return sa.select(*columns)


def _join(values: Any) -> str:
    return "、".join(str(v) for v in values) if isinstance(values, list) else (values or "")


C = Column
SHEETS: dict[str, Sheet] = {s.kind: s for s in (
    Sheet("leads", "线索", (
        C("编号", "int", 8), C("状态", width=8), C("单位", width=24), C("姓名", width=10),
        C("职务", width=10), C("电话", width=14), C("邮箱", width=22), C("省份", width=8),
        C("城市", width=8), C("意向产品", width=14), C("预算", "money", 12),
        C("来源", width=12), C("活动", width=12), C("评分", "int", 6), C("等级", width=6),
        C("负责人", width=8), C("团队", width=12), C("创建时间", "datetime", 17),
        C("分配时间", "datetime", 17), C("首次联系", "datetime", 17),
        C("最近活动", "datetime", 17), C("放弃原因", width=14), C("留言", width=30))),
    Sheet("customers", "客户", (
        C("编号", "int", 8), C("客户名称", width=26), C("别名", width=18), C("类型", width=8),
        C("等级", width=8), C("行业", width=10), C("省份", width=8), C("城市", width=8),
        C("区县", width=8), C("地址", width=28), C("负责人", width=8),
        C("联系人数", "int", 8), C("建档时间", "datetime", 17),
        C("最近活动", "datetime", 17))),
    Sheet("contacts", "联系人", (
        C("编号", "int", 8), C("客户", width=26), C("姓名", width=10), C("职务", width=12),
        C("科室/部门", width=12), C("决策角色", width=12), C("手机", width=14),
        C("邮箱", width=22), C("微信", width=14), C("别名", width=12),
        C("客户负责人", width=10), C("建档时间", "datetime", 17))),
    Sheet("followups", "跟进", (
        C("编号", "int", 8), C("时间", "datetime", 17), C("销售", width=8),
        C("客户", width=24), C("联系人", width=10), C("方式", width=8),
        C("内容", width=40), C("态度", width=10), C("产品", width=16),
        C("推进障碍", width=12), C("下一步", width=14), C("下次跟进", "datetime", 17),
        C("录入方式", width=8), C("线索编号", "int", 9), C("商机编号", "int", 9))),
    Sheet("deals", "商机", (
        C("编号", "int", 8), C("商机", width=26), C("客户", width=24), C("负责人", width=8),
        C("阶段", width=10), C("金额", "money", 14), C("产品", width=16),
        C("预计成交", "date", 11), C("输单原因", width=14),
        C("进入阶段", "datetime", 17), C("创建时间", "datetime", 17),
        C("关闭时间", "datetime", 17), C("线索编号", "int", 9))),
    Sheet("stage_history", "阶段变更", (
        C("编号", "int", 8), C("商机编号", "int", 9), C("商机", width=26),
        C("原阶段", width=10), C("新阶段", width=10), C("时间", "datetime", 17),
        C("操作人", width=8), C("合规", "bool", 6), C("例外放行", "bool", 8),
        C("备注", width=30))),
    Sheet("tasks", "待办", (
        C("编号", "int", 8), C("负责人", width=8), C("事项", width=30), C("客户", width=24),
        C("到期", "datetime", 17), C("状态", width=8), C("完成时间", "datetime", 17),
        C("创建时间", "datetime", 17), C("线索编号", "int", 9), C("商机编号", "int", 9))),
    Sheet("daily_reports", "日报", (
        C("编号", "int", 8), C("日期", "date", 11), C("销售", width=8), C("状态", width=8),
        C("进展", width=50), C("推进障碍", width=20), C("提交时间", "datetime", 17))),
)}
_SHEETS_OF = {"leads": ("leads",), "customers": ("customers", "contacts"),
              "followups": ("followups",), "deals": ("deals", "stage_history"),
              "tasks": ("tasks",), "daily_reports": ("daily_reports",)}
_FETCH: dict[str, Fetch] = {
    "leads": _leads, "customers": _customers, "contacts": _contacts, "followups": _followups,
    "deals": _deals, "stage_history": _stage_history, "tasks": _tasks,
    "daily_reports": _daily_reports,
}


# --------------------------------------------------------------------------- audit

def record_export(uow: UnitOfWork, flt: ExportFilter, counts: ExportCount, filename: str
                  ) -> None:
    """The audit row of an export: who (the unit of work's actor), what filter, how many
    rows per sheet. The caller commits."""
    uow.audit("export.create", "export", ",".join(flt.kinds),
              after={"filter": flt.describe(), "rows": dict(counts.sheets),
                     "total": counts.total, "file": filename})
