"""Admin changes: users, teams, regions, platform bindings, routing rules, SLA policies,
presets, stages, campaign costs. Each change is proposed (validated, with a Chinese preview
and before/after, nothing written), then applied (written, audited, recorded as a
`ConfigChange`), and can be undone (`undo_last`). Only admins may call any of these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import col

from crm_core.errors import Conflict, InvalidInput, NotFound
from crm_core.models import (
    AssignmentRule,
    ConfigEntry,
    Deal,
    Region,
    SlaPolicy,
    Stage,
    Team,
    User,
    UserIdentity,
)
from crm_core.models.accounts_ext import ConfigChange
from crm_core.models.org import ROLE_LABELS
from crm_core.policies import sla as sla_policy
from crm_core.policies import stages as stage_policy
from crm_core.services import routing_rules
from crm_core.services.access import require_role
from crm_core.services.catalog import (
    DEFAULT_NEXT_ACTIONS,
    DEFAULT_OBSTACLES,
    NEXT_ACTION_CUES_KEY,
    OBSTACLE_CUES_KEY,
    check_cue_table,
    get_config,
    set_config,
)
from crm_core.uow import UnitOfWork

ADMINS = frozenset({"admin"})
PLATFORMS = ("wecom", "dingtalk", "feishu", "console")
PLATFORM_LABELS = {"wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书", "console": "控制台"}
STRATEGY_LABELS = {"round_robin": "轮流", "weighted": "抢单"}
CONFIG_KEYS: dict[str, str] = {
    "presets.next_actions": "下一步动作预设", "presets.obstacles": "推进障碍预设",
    NEXT_ACTION_CUES_KEY: "下一步动作的说法", OBSTACLE_CUES_KEY: "推进障碍的说法",
    "presets.lost_reasons": "输单原因预设", "presets.source_channels": "来源渠道",
    "campaign_costs": "渠道费用",
    "decision_chain": "决策链角色",
}
DEFAULT_SOURCE_CHANNELS = ["官网表单", "百度推广", "微信公众号", "医疗器械展", "老客户转介绍",
                           "电话咨询"]
USER_FIELDS = {"role": "角色", "team": "团队", "manager": "上级", "leave": "请假",
               "active": "状态"}


@dataclass
class Proposal:
    kind: str                      # user.add | user.set | team.add | team.set | region.add |
    target: str                    # region.set | binding.add | binding.remove | routing |
    summary: str                   # sla | config | stages
    before: Any
    after: Any
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "target": self.target, "summary": self.summary,
                "before": self.before, "after": self.after, "warnings": self.warnings}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Proposal:
        return cls(d["kind"], d["target"], d["summary"], d.get("before"), d.get("after"),
                   list(d.get("warnings") or []))


def _need_admin(user: User, what: str) -> None:
    require_role(user, ADMINS, what)


def _bad(msg: str) -> InvalidInput:
    return InvalidInput(msg, msg)


# --- lookups ---------------------------------------------------------------------------

async def _user(uow: UnitOfWork, word: str) -> User:
    from crm_core.services.handover import resolve_user

    return await resolve_user(uow, word)


async def _team(uow: UnitOfWork, name: str) -> Team:
    t = (await uow.session.execute(select(Team).where(col(Team.name) == name.strip()))).scalars()\
        .first()
    if t is None:
        names = "、".join((await uow.session.execute(select(col(Team.name)))).scalars())
        raise _bad(f"没有团队「{name}」。现有：{names}")
    return t


async def _region(uow: UnitOfWork, name: str) -> Region:
    r = (await uow.session.execute(select(Region).where(col(Region.name) == name.strip())))\
        .scalars().first()
    if r is None:
        raise _bad(f"没有区域「{name}」")
    return r


def _role(word: str) -> str:
    w = word.strip()
    for key, label in ROLE_LABELS.items():
        if w in (key, label):
            return key
    raise _bad(f"没有「{w}」这个角色。可选：{'、'.join(ROLE_LABELS.values())}")


# --- state readers / writers per kind ----------------------------------------------------

def _user_state(u: User) -> dict[str, Any]:
    return {"role": u.role, "team_id": u.team_id, "manager_id": u.manager_id,
            "active": u.active,
            "leave_from": u.leave_from.isoformat() if u.leave_from else None,
            "leave_until": u.leave_until.isoformat() if u.leave_until else None}


def _apply_user_state(u: User, st: dict[str, Any]) -> None:
    u.role = st["role"]
    u.team_id = st["team_id"]
    u.manager_id = st["manager_id"]
    u.active = bool(st["active"])
    u.leave_from = date.fromisoformat(st["leave_from"]) if st.get("leave_from") else None
    u.leave_until = date.fromisoformat(st["leave_until"]) if st.get("leave_until") else None


def _team_state(t: Team) -> dict[str, Any]:
    return {"region_id": t.region_id, "manager_id": t.manager_id, "strategy": t.strategy}


async def _stages_state(uow: UnitOfWork) -> list[dict[str, Any]]:
    from crm_core.services.stages import all_stages, stage_def

    return [stage_def(s).to_json() for s in await all_stages(uow, active_only=True)]


async def _routing_state(uow: UnitOfWork) -> list[dict[str, Any]]:
    out = []
    for r in await routing_rules.get_routing_rules(uow):
        rule: dict[str, Any] = {"name": r["name"], "when": r["when"] or {},
                                "fallback": bool(r["fallback"]), "active": bool(r["active"])}
        kind = r["target_kind"]
        rule[kind if kind in ("team", "rep") else "pool"] = r["target_id"] if kind in (
            "team", "rep") else True
        out.append(rule)
    return out


async def _sla_row(uow: UnitOfWork, rule: str) -> SlaPolicy | None:
    return (await uow.session.execute(select(SlaPolicy).where(
        col(SlaPolicy.rule) == rule, col(SlaPolicy.team_id).is_(None),
        col(SlaPolicy.source_channel).is_(None), col(SlaPolicy.grade).is_(None))))\
        .scalars().first()


async def sla_state(uow: UnitOfWork, rule: str) -> dict[str, Any]:
    row = await _sla_row(uow, rule)
    if row is not None:
        return {"levels_hours": list(row.levels_hours), "business": row.business,
                "active": row.active, "custom": True}
    d = next(p for p in sla_policy.DEFAULT_POLICIES if p.rule == rule)
    return {"levels_hours": list(d.levels_hours), "business": d.business, "active": True,
            "custom": False}


class ChangeKind:
    """One kind of admin change: how its state is read, a new state checked and written.
    A state is plain JSON (what a `ConfigChange` keeps as before/after); `None` means
    "absent". Writers never commit: the entry point commits the whole change at once."""

    names: tuple[str, ...] = ()

    async def current(self, uow: UnitOfWork, target: str) -> Any:
        return None

    async def validate(self, uow: UnitOfWork, target: str, after: Any) -> list[str]:
        """Raises on an error; returns the warnings."""
        return []

    async def write(self, uow: UnitOfWork, admin: User, target: str, state: Any) -> None:
        raise NotImplementedError

    async def after_write(self, uow: UnitOfWork, target: str, before: Any, after: Any) -> None:
        """What the change implies beyond its own rows (in the same transaction)."""


KINDS: dict[str, ChangeKind] = {}


def _kind(cls: type[ChangeKind]) -> type[ChangeKind]:
    instance = cls()
    for name in cls.names:
        KINDS[name] = instance
    return cls


def _change_kind(kind: str) -> ChangeKind:
    found = KINDS.get(kind)
    if found is None:
        raise _bad(f"未知的配置类型 {kind}")
    return found


@_kind
class UserChange(ChangeKind):
    names: tuple[str, ...] = ("user.set", "user.add")

    async def current(self, uow: UnitOfWork, target: str) -> Any:
        return _user_state(await _user(uow, target))

    @staticmethod
    async def _existing(uow: UnitOfWork, target: str) -> User | None:
        return (await uow.session.execute(select(User).where(col(User.login) == target)))\
            .scalars().first()

    async def write(self, uow: UnitOfWork, admin: User, target: str, state: Any) -> None:
        u = await self._existing(uow, target)
        if state is None:                      # undoing an add: the account is switched off
            if u is not None:
                u.active = False
                uow.add(u)
            return
        if u is None:
            u = User(login=target, name=state.get("name") or target, created_at=uow.now)
        _apply_user_state(u, state)
        uow.add(u)

    async def after_write(self, uow: UnitOfWork, target: str, before: Any, after: Any) -> None:
        """A rep switched off: their open leads are routed again, never left with nobody."""
        was = isinstance(before, dict) and before.get("active")
        now_active = isinstance(after, dict) and after.get("active")
        if was and not now_active:
            u = await self._existing(uow, target)
            if u is not None and u.id is not None:
                from crm_core.services import routing

                await uow.flush()
                await routing.reroute_leads_of(uow, u.id)


@_kind
class NewUser(UserChange):
    names: tuple[str, ...] = ("user.add",)

    async def validate(self, uow: UnitOfWork, target: str, after: Any) -> list[str]:
        if await self._existing(uow, target) is not None:
            raise _bad(f"登录名「{target}」已存在")
        return []


@_kind
class TeamChange(ChangeKind):
    names: tuple[str, ...] = ("team.set", "team.add")

    async def current(self, uow: UnitOfWork, target: str) -> Any:
        return _team_state(await _team(uow, target))

    async def write(self, uow: UnitOfWork, admin: User, target: str, state: Any) -> None:
        s = uow.session
        t = (await s.execute(select(Team).where(col(Team.name) == target))).scalars().first()
        if state is None:
            if t is not None:
                n = (await s.execute(select(func.count()).select_from(User)
                                     .where(User.team_id == t.id))).scalar_one()
                if n:
                    raise Conflict("team in use", f"团队「{target}」已有成员，不能撤销新建")
                await s.delete(t)
            return
        if t is None:
            t = Team(name=target)
        t.region_id, t.manager_id = state["region_id"], state["manager_id"]
        t.strategy = state.get("strategy") or "round_robin"
        uow.add(t)


@_kind
class NewTeam(TeamChange):
    names: tuple[str, ...] = ("team.add",)

    async def validate(self, uow: UnitOfWork, target: str, after: Any) -> list[str]:
        if (await uow.session.execute(select(Team).where(col(Team.name) == target)))\
                .scalars().first():
            raise _bad(f"团队「{target}」已存在")
        return []


@_kind
class RegionChange(ChangeKind):
    names: tuple[str, ...] = ("region.set", "region.add")

    async def current(self, uow: UnitOfWork, target: str) -> Any:
        r = await _region(uow, target)
        return {"provinces": list(r.provinces), "cities": list(r.cities)}

    async def write(self, uow: UnitOfWork, admin: User, target: str, state: Any) -> None:
        s = uow.session
        r = (await s.execute(select(Region).where(col(Region.name) == target))).scalars().first()
        if state is None:
            if r is not None:
                await s.delete(r)
            return
        if r is None:
            r = Region(name=target)
        r.provinces, r.cities = list(state["provinces"]), list(state.get("cities") or [])
        uow.add(r)


@_kind
class NewRegion(RegionChange):
    names: tuple[str, ...] = ("region.add",)

    async def validate(self, uow: UnitOfWork, target: str, after: Any) -> list[str]:
        if (await uow.session.execute(select(Region).where(col(Region.name) == target)))\
                .scalars().first():
            raise _bad(f"区域「{target}」已存在")
        return []


@_kind
class BindingChange(ChangeKind):
    """target: login@platform; state: {platform_user_id, chat_id}."""

    names: tuple[str, ...] = ("binding",)

    @staticmethod
    async def _row(uow: UnitOfWork, target: str) -> tuple[User, str, UserIdentity | None]:
        login, platform = target.split("@", 1)
        u = await _user(uow, login)
        row = (await uow.session.execute(select(UserIdentity).where(
            col(UserIdentity.user_id) == u.id, col(UserIdentity.platform) == platform,
        ))).scalars().first()
        return u, platform, row

    async def current(self, uow: UnitOfWork, target: str) -> Any:
        _, _, row = await self._row(uow, target)
        return None if row is None else {"platform_user_id": row.platform_user_id,
                                         "chat_id": row.chat_id}

    async def validate(self, uow: UnitOfWork, target: str, after: Any) -> list[str]:
        if after is None:
            return []
        s = uow.session
        login, platform = target.split("@", 1)
        if platform not in PLATFORMS:
            raise _bad(f"平台只能是：{'、'.join(PLATFORMS)}")
        taken = (await s.execute(select(UserIdentity).where(
            col(UserIdentity.platform) == platform,
            UserIdentity.platform_user_id == after["platform_user_id"]))).scalars().first()
        if taken is not None:
            owner = await s.get(User, taken.user_id)
            if owner is not None and owner.login != login:
                raise _bad(f"这个{platform}账号已绑定给{owner.name}")
        return []

    async def write(self, uow: UnitOfWork, admin: User, target: str, state: Any) -> None:
        u, platform, row = await self._row(uow, target)
        if row is not None:
            await uow.session.delete(row)
            await uow.session.flush()
        if state is not None:
            uow.add(UserIdentity(user_id=u.id or 0, platform=platform,
                                 platform_user_id=state["platform_user_id"],
                                 chat_id=state.get("chat_id")))


@_kind
class SlaChange(ChangeKind):
    names: tuple[str, ...] = ("sla",)

    async def current(self, uow: UnitOfWork, target: str) -> Any:
        return await sla_state(uow, target)

    async def validate(self, uow: UnitOfWork, target: str, after: Any) -> list[str]:
        try:
            sla_policy.RulePolicy(target, tuple(float(x) for x in after["levels_hours"]),
                                  business=bool(after["business"]))
        except (ValueError, TypeError, KeyError) as e:
            raise _bad("SLA 时限要 1 到 3 级、递增、不小于 0，如「4 8 16」") from e
        return []

    async def write(self, uow: UnitOfWork, admin: User, target: str, state: Any) -> None:
        row = await _sla_row(uow, target)
        if state is None or not state.get("custom", True):
            if row is not None:
                await uow.session.delete(row)
            return
        if row is None:
            row = SlaPolicy(rule=target)
        row.levels_hours = list(state["levels_hours"])
        row.business = bool(state["business"])
        row.active = bool(state.get("active", True))
        uow.add(row)


@_kind
class ConfigKeyChange(ChangeKind):
    """One tenant configuration key of CONFIG_KEYS (presets, cue words, campaign costs)."""

    names: tuple[str, ...] = ("config",)

    async def current(self, uow: UnitOfWork, target: str) -> Any:
        row = await uow.session.get(ConfigEntry, target)
        return None if row is None else row.value

    async def validate(self, uow: UnitOfWork, target: str, after: Any) -> list[str]:
        if target not in CONFIG_KEYS:
            raise _bad(f"不能修改「{target}」")
        if target in (NEXT_ACTION_CUES_KEY, OBSTACLE_CUES_KEY):     # issue 13: cue words
            kind = "next_actions" if target == NEXT_ACTION_CUES_KEY else "obstacles"
            presets = await get_config(uow, f"presets.{kind}", DEFAULT_NEXT_ACTIONS
                                       if kind == "next_actions" else DEFAULT_OBSTACLES)
            problems = check_cue_table(list(presets), after)
            if problems:
                raise _bad("说法未保存：" + "；".join(problems))
            return []
        if target.startswith("presets."):
            if not isinstance(after, list) or not after or not all(
                    isinstance(x, str) and 0 < len(x) <= 12 for x in after):
                raise _bad("预设要至少一项，每项 1~12 个字")
            if len(set(after)) != len(after):
                raise _bad("预设里有重复项")
        if target == "campaign_costs" and (not isinstance(after, dict) or any(
                isinstance(v, bool) or not isinstance(v, int | float) or v < 0
                for v in after.values())):
            raise _bad("渠道费用要是不小于 0 的金额")
        return []

    async def write(self, uow: UnitOfWork, admin: User, target: str, state: Any) -> None:
        # the catalog's version moves with the row (cache_version triggers)
        if state is None:
            row = await uow.session.get(ConfigEntry, target)
            if row is not None:
                await uow.session.delete(row)
        else:
            await set_config(uow, target, state)


@_kind
class StagesChange(ChangeKind):
    names: tuple[str, ...] = ("stages",)

    async def current(self, uow: UnitOfWork, target: str) -> Any:
        return await _stages_state(uow)

    async def validate(self, uow: UnitOfWork, target: str, after: Any) -> list[str]:
        s = uow.session
        defs = [stage_policy.StageDef.from_json(x) for x in after]
        errors = stage_policy.validate_stages(defs)
        names = {d.name for d in defs}
        for st in (await s.execute(select(Stage).where(col(Stage.active).is_(True)))).scalars():
            if st.name not in names:
                n = (await s.execute(select(func.count()).select_from(Deal)
                                     .where(Deal.stage_id == st.id))).scalar_one()
                if n:
                    errors.append(f"「{st.name}」还有 {n} 个商机，不能删除")
        if errors:
            raise InvalidInput("stages rejected", "阶段配置未保存，原配置不变：\n"
                               + "\n".join(f"· {e}" for e in errors))
        return []

    async def write(self, uow: UnitOfWork, admin: User, target: str, state: Any) -> None:
        rows = {s.name: s for s in (await uow.session.execute(select(Stage))).scalars()}
        keep = set()
        for raw in state:
            d = stage_policy.StageDef.from_json(raw)
            keep.add(d.name)
            st = rows.get(d.name) or Stage(name=d.name)
            st.sequence, st.is_won, st.is_lost = d.sequence, d.is_won, d.is_lost
            st.allowed_next = list(d.allowed_next)
            st.requirements = d.requirements_json()
            st.active = True
            uow.add(st)
        for name, st in rows.items():
            if name not in keep and st.active:
                st.active = False
                uow.add(st)


@_kind
class RoutingChange(ChangeKind):
    """The whole rule table; an empty state is "no rule table" (implicit team rules)."""

    names: tuple[str, ...] = ("routing",)

    async def current(self, uow: UnitOfWork, target: str) -> Any:
        return await _routing_state(uow)

    async def validate(self, uow: UnitOfWork, target: str, after: Any) -> list[str]:
        checked = await routing_rules.check_rules(uow, after)
        if checked.errors:
            raise InvalidInput("routing rejected", "分配规则未保存，原规则不变：\n"
                               + "\n".join(f"· {e}" for e in checked.errors))
        return list(checked.warnings)

    async def write(self, uow: UnitOfWork, admin: User, target: str, state: Any) -> None:
        if state:
            await routing_rules.set_routing_rules(uow, state, admin)
        else:
            await uow.session.execute(delete(AssignmentRule))


# --- proposals ---------------------------------------------------------------------------

async def propose(uow: UnitOfWork, admin: User, kind: str, target: str, after: Any,
                  summary: str) -> Proposal:
    """Validate a change and describe it; nothing is written."""
    _need_admin(admin, f"change {kind}")
    handler = _change_kind(kind)
    before = None if kind.endswith(".add") else await handler.current(uow, target)
    warnings = await handler.validate(uow, target, after)
    if before == after:
        raise _bad("和现在的设置一样，没有变化")
    return Proposal(kind, target, summary, before, after, warnings)


async def apply(uow: UnitOfWork, admin: User, p: Proposal) -> ConfigChange:
    """Write a proposed change (re-validated now), audit it, record it for undo, and what
    it implies (a rep switched off: their leads routed again), all in `uow`'s transaction:
    the caller commits, and nothing of it stays if anything fails."""
    _need_admin(admin, f"apply {p.kind}")
    fresh = await propose(uow, admin, p.kind, p.target, p.after, p.summary)
    if fresh.before != p.before:
        raise Conflict("changed meanwhile", "配置刚被别人改过，请重新操作")
    change = ConfigChange(kind=p.kind, target=p.target, summary=p.summary, before=p.before,
                          after=p.after, by_id=admin.id, at=uow.now)
    uow.add(change)
    await uow.flush()
    uow.audit(f"admin.{p.kind}", "config_change", change.id,
              before={"target": p.target, "value": p.before},
              after={"target": p.target, "value": p.after})
    handler = _change_kind(p.kind)
    await handler.write(uow, admin, p.target, p.after)
    await handler.after_write(uow, p.target, p.before, p.after)
    return change


async def undo_last(uow: UnitOfWork, admin: User) -> ConfigChange:
    """Revert the latest change that is not reverted yet, in `uow`'s transaction (the
    caller commits)."""
    _need_admin(admin, "undo a change")
    change = (await uow.session.execute(select(ConfigChange).where(
        col(ConfigChange.reverted_at).is_(None)).order_by(col(ConfigChange.id).desc())))\
        .scalars().first()
    if change is None:
        raise NotFound("nothing to undo", "没有可撤销的修改")
    change.reverted_at = uow.now
    change.reverted_by = admin.id
    uow.add(change)
    uow.audit("admin.undo", "config_change", change.id,
              before={"target": change.target, "value": change.after},
              after={"target": change.target, "value": change.before})
    handler = _change_kind(change.kind)
    await handler.write(uow, admin, change.target, change.before)
    await handler.after_write(uow, change.target, change.after, change.before)
    return change


async def recent_changes(uow: UnitOfWork, admin: User, limit: int = 5) -> list[ConfigChange]:
    _need_admin(admin, "list changes")
    return list((await uow.session.execute(select(ConfigChange).order_by(
        col(ConfigChange.id).desc()).limit(limit))).scalars())


# --- read side for the menus (admins only) -----------------------------------------------

async def list_users(uow: UnitOfWork, admin: User) -> list[tuple[User, str | None]]:
    _need_admin(admin, "list users")
    return [(u, t) for u, t in (await uow.session.execute(
        select(User, col(Team.name)).join(Team, col(Team.id) == col(User.team_id), isouter=True)
        .order_by(col(User.team_id), col(User.id)))).all()]


async def list_teams(uow: UnitOfWork, admin: User) -> list[tuple[Team, str | None, str | None]]:
    _need_admin(admin, "list teams")
    out = []
    for t in (await uow.session.execute(select(Team).order_by(col(Team.id)))).scalars():
        region = await uow.session.get(Region, t.region_id) if t.region_id else None
        mgr = await uow.session.get(User, t.manager_id) if t.manager_id else None
        out.append((t, region.name if region else None, mgr.name if mgr else None))
    return out


async def list_regions(uow: UnitOfWork, admin: User) -> list[Region]:
    _need_admin(admin, "list regions")
    return list((await uow.session.execute(select(Region).order_by(col(Region.id)))).scalars())


async def list_bindings(uow: UnitOfWork, admin: User) -> list[tuple[str, str, str]]:
    _need_admin(admin, "list bindings")
    return [(u, p, puid) for u, p, puid in (await uow.session.execute(
        select(col(User.name), col(UserIdentity.platform), col(UserIdentity.platform_user_id))
        .join(User, col(User.id) == col(UserIdentity.user_id)).order_by(col(User.id)))).all()]


async def read_state(uow: UnitOfWork, admin: User, kind: str, target: str) -> Any:
    _need_admin(admin, f"read {kind}")
    return await _change_kind(kind).current(uow, target)


async def config_or_default(uow: UnitOfWork, admin: User, key: str, default: Any) -> Any:
    _need_admin(admin, f"read {key}")
    return await get_config(uow, key, default)


async def new_user_state(uow: UnitOfWork, admin: User, name: str, login: str, role: str,
                         team: str | None) -> dict[str, Any]:
    """The state of a user about to be added (team manager becomes the manager)."""
    _need_admin(admin, "add users")
    t = await _team(uow, team) if team else None
    return {"name": name, "role": _role(role), "team_id": t.id if t else None,
            "manager_id": t.manager_id if t else None, "active": True,
            "leave_from": None, "leave_until": None}


async def user_change(uow: UnitOfWork, admin: User, who: str, what: str, value: str
                      ) -> Proposal:
    """One field of a user: role / team / manager / leave / active."""
    _need_admin(admin, "change users")
    u = await _user(uow, who)
    st = _user_state(u)
    if what == "role":
        st["role"] = _role(value)
        text = f"{u.name} 角色 → {ROLE_LABELS[st['role']]}"
    elif what == "team":
        t = await _team(uow, value)
        st["team_id"], text = t.id, f"{u.name} 调到 {t.name}"
        if t.manager_id and t.manager_id != u.id:
            st["manager_id"] = t.manager_id
    elif what == "manager":
        m = await _user(uow, value)
        if m.id == u.id:
            raise _bad("不能做自己的上级")
        st["manager_id"], text = m.id, f"{u.name} 的上级 → {m.name}"
    elif what == "leave":
        if value.strip() in ("取消", "无", "清除"):
            st["leave_from"] = st["leave_until"] = None
            text = f"{u.name} 取消请假"
        else:
            start, _, end = value.partition("~")
            try:
                d1, d2 = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
            except ValueError as e:
                raise _bad("请假日期格式：2026-12-01~2026-12-05") from e
            if d2 < d1:
                raise _bad("结束日期早于开始日期")
            st["leave_from"], st["leave_until"] = d1.isoformat(), d2.isoformat()
            text = f"{u.name} 请假 {d1.month}月{d1.day}日–{d2.month}月{d2.day}日"
    elif what == "active":
        st["active"] = value in ("1", "true", "启用")
        text = f"{'启用' if st['active'] else '停用'} {u.name}"
        if not st["active"] and u.id == admin.id:
            raise _bad("不能停用自己")
    else:
        raise _bad(f"不能修改「{what}」")
    return await propose(uow, admin, "user.set", u.login, st, text)




# --- proposal builders for the menus ------------------------------------------------------

async def add_user(uow: UnitOfWork, admin: User, name: str, login: str, role: str,
                   team: str | None) -> Proposal:
    st = await new_user_state(uow, admin, name, login, role, team)
    where = f"，{team}" if team else ""
    return await propose(uow, admin, "user.add", login, st,
                         f"新增{ROLE_LABELS[st['role']]} {name}（{login}）{where}")


async def add_team(uow: UnitOfWork, admin: User, name: str, region: str | None,
                   manager: str | None) -> Proposal:
    _need_admin(admin, "add teams")
    r = await _region(uow, region) if region else None
    m = await _user(uow, manager) if manager else None
    st = {"region_id": r.id if r else None, "manager_id": m.id if m else None,
          "strategy": "round_robin"}
    return await propose(uow, admin, "team.add", name, st,
                         f"新增团队 {name}" + (f"（{r.name}）" if r else "")
                         + (f"，经理 {m.name}" if m else ""))


async def change_team(uow: UnitOfWork, admin: User, name: str, what: str, value: str
                      ) -> Proposal:
    _need_admin(admin, "change teams")
    t = await _team(uow, name)
    st = _team_state(t)
    if what == "manager":
        m = await _user(uow, value)
        st["manager_id"], text = m.id, f"{t.name} 经理 → {m.name}"
    elif what == "region":
        r = await _region(uow, value)
        st["region_id"], text = r.id, f"{t.name} 区域 → {r.name}"
    elif what == "strategy":
        value = next((k for k, v in STRATEGY_LABELS.items() if value in (k, v)), value)
        if value not in STRATEGY_LABELS:
            raise _bad("分配方式只能是：轮流 或 抢单")
        st["strategy"], text = value, f"{t.name} 分配方式 → {STRATEGY_LABELS[value]}"
    else:
        raise _bad(f"不能修改「{what}」")
    return await propose(uow, admin, "team.set", t.name, st, text)


async def add_region(uow: UnitOfWork, admin: User, name: str, provinces: list[str]
                     ) -> Proposal:
    if not provinces:
        raise _bad("至少给一个省份")
    return await propose(uow, admin, "region.add", name, {"provinces": provinces, "cities": []},
                         f"新增区域 {name}：{'、'.join(provinces)}")


async def change_region(uow: UnitOfWork, admin: User, name: str, provinces: list[str]
                        ) -> Proposal:
    _need_admin(admin, "change regions")
    r = await _region(uow, name)
    if not provinces:
        raise _bad("至少给一个省份")
    return await propose(uow, admin, "region.set", r.name,
                         {"provinces": provinces, "cities": list(r.cities)},
                         f"{r.name} 省份 → {'、'.join(provinces)}")


async def change_binding(uow: UnitOfWork, admin: User, who: str, platform: str,
                         platform_user_id: str | None) -> Proposal:
    _need_admin(admin, "change bindings")
    u = await _user(uow, who)
    platform = next((k for k, v in PLATFORM_LABELS.items() if platform in (k, v)), platform)
    if platform not in PLATFORMS:
        raise _bad(f"平台只能是：{'、'.join(PLATFORM_LABELS.values())}")
    after = None if platform_user_id is None else {"platform_user_id": platform_user_id,
                                                   "chat_id": None}
    label = PLATFORM_LABELS[platform]
    text = (f"解绑 {u.name} 的{label}" if after is None
            else f"{u.name} 绑定{label}账号 {platform_user_id}")
    return await propose(uow, admin, "binding", f"{u.login}@{platform}", after, text)


async def change_sla(uow: UnitOfWork, admin: User, rule: str, hours: list[float],
                     business: bool) -> Proposal:
    if rule not in sla_policy.RULES:
        raise _bad(f"没有「{rule}」这条 SLA")
    label = sla_policy.RULE_LABELS[rule]
    return await propose(uow, admin, "sla", rule,
                         {"levels_hours": hours, "business": business, "active": True,
                          "custom": True},
                         f"{label}：{levels_text(hours, business)}")


def levels_text(hours: list[float], business: bool) -> str:
    """「4 / 8 / 16 工作小时」; whole days of natural time as days: 「30 / 37 / 44 天」."""
    if not business and hours and all(h >= 48 and h % 24 == 0 for h in hours):
        return f"{' / '.join(f'{h / 24:g}' for h in hours)} 天"
    return f"{' / '.join(f'{h:g}' for h in hours)} {'工作小时' if business else '小时'}"


async def change_config(uow: UnitOfWork, admin: User, key: str, value: Any) -> Proposal:
    label = CONFIG_KEYS.get(key, key)
    if isinstance(value, list):
        shown = "、".join(str(x) for x in value)
    elif isinstance(value, dict):
        shown = "；".join(f"{k} {v:g}" if isinstance(v, int | float) else f"{k} {v}"
                         for k, v in value.items())
    else:
        shown = str(value)
    return await propose(uow, admin, "config", key, value, f"{label} → {shown}")


async def change_stages(uow: UnitOfWork, admin: User, stages: list[dict[str, Any]],
                        what: str) -> Proposal:
    return await propose(uow, admin, "stages", "stages", stages, what)


async def change_routing(uow: UnitOfWork, admin: User, rules: list[dict[str, Any]],
                         what: str) -> Proposal:
    return await propose(uow, admin, "routing", "routing", rules, what)
