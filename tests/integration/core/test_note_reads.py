"""The plain reads a chat note makes at a customer (`refs_by_names`, `note_rows`) find what
the ORM reads they replaced found: same customers (aliases too) in the same order, the
customer's contacts by id, and only the rep's own open leads there."""

from __future__ import annotations

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import Contact, Customer, Lead, User
from crm_core.services import customers, followups
from crm_core.uow import UnitOfWork


async def test_note_reads_match_the_rows(db: Database, clock: FrozenClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        rep, other = User(login="wang", name="王伟"), User(login="li", name="李明")
        gulou = Customer(name="南京市鼓楼医院", aliases=["鼓楼医院", "鼓楼"])
        renyi = Customer(name="江苏省人民医院", aliases=["省人医"])
        for row in (rep, other, gulou, renyi):
            uow.add(row)
        await uow.flush()
        gulou.owner_id = other.id
        wang = Contact(customer_id=gulou.id, name="王", title="主任", name_incomplete=True)
        zhang = Contact(customer_id=gulou.id, name="张建国", aliases=["老张"])
        elsewhere = Contact(customer_id=renyi.id, name="王", title="主任", name_incomplete=True)
        for row in (wang, zhang, elsewhere):
            uow.add(row)
        await uow.flush()
        leads = [Lead(customer_id=gulou.id, owner_id=rep.id, status=status, name=name,
                      title=title, contact_id=contact, company="鼓楼医院")
                 for status, name, title, contact in (
                     ("assigned", "王", "主任", wang.id), ("won", "张建国", None, zhang.id),
                     ("contacted", None, None, None))]
        leads.append(Lead(customer_id=gulou.id, owner_id=other.id, status="assigned",
                          name="王", company="鼓楼医院"))
        leads.append(Lead(customer_id=renyi.id, owner_id=rep.id, status="assigned",
                          name="王", company="省人医"))
        for row in leads:
            uow.add(row)
        await uow.commit()

    async with UnitOfWork(db, clock) as uow:
        names = ["江苏省人民医院", "鼓楼", "没有这家", "南京市鼓楼医院"]
        refs = await customers.refs_by_names(uow, names)
        rows = await customers.by_names(uow, names)
        assert [(r.id, r.name, r.owner_id) for r in refs] == \
            [(c.id, c.name, c.owner_id) for c in rows]
        assert [r.name for r in refs] == ["江苏省人民医院", "南京市鼓楼医院"]   # once
        assert [r.name for r in await customers.refs_by_names(uow, ["省人医"])] == \
            ["江苏省人民医院"]                                        # by its alias
        assert refs[0].owner_id is None and refs[-1].owner_id == other.id

        contacts, views = await followups.note_rows(uow, rep, gulou.id or 0, contacts=True)
        assert [(c.id, c.shown) for c in contacts] == [(wang.id, "王主任"), (zhang.id, "张建国")]
        assert [c.id for c in contacts if c.named_by("老张")] == [zhang.id]
        assert [c.id for c in contacts if c.named_by("王主任")] == [wang.id]
        own_open = [leads[0].id, leads[2].id]
        assert [v.id for v in views] == own_open            # not won, not a colleague's
        assert (views[0].owner_id, views[0].contact_id, views[0].name, views[0].title) == \
            (rep.id, wang.id, "王", "主任")
        no_contacts, same = await followups.note_rows(uow, rep, gulou.id or 0, contacts=False)
        assert no_contacts == [] and same == views

        lead, choices = await followups.leads_for_note(uow, rep, gulou.id or 0,
                                                       contact_id=wang.id, contact_names=[])
        assert lead is not None and lead.id == leads[0].id and lead.label == "王 主任"
        lead, choices = await followups.leads_for_note(uow, rep, gulou.id or 0,
                                                       contact_id=None, contact_names=[])
        assert lead is None and [c.id for c in choices] == own_open

        # by name: each customer with the same contacts and leads, in one read
        with_rows = await followups.customers_with_rows(
            uow, rep, ["江苏省人民医院", "鼓楼", "南京市鼓楼医院"])
        assert [ref for ref, _ in with_rows] == \
            await customers.refs_by_names(uow, ["江苏省人民医院", "南京市鼓楼医院"])
        assert with_rows[1][1] == (contacts, views)
        assert [c.id for c in with_rows[0][1][0]] == [elsewhere.id]
        assert [v.id for v in with_rows[0][1][1]] == [leads[4].id]
        # the same, riding on a typed message's first statement (read as JSON there)
        from crm_core.services import drafts

        for names in (["江苏省人民医院", "鼓楼", "南京市鼓楼医院"], ["没有这家"]):
            state, draft, named = await drafts.versions_and_focus(
                uow, "console:c:wang", named=(rep.id or 0, names))
            assert (state, draft) == (None, None)
            assert named == await followups.customers_with_rows(uow, rep, names)
        assert named == []
        # an alias is found as before, given what the names found
        assert await customers.refs_by_names(
            uow, ["鼓楼", "江苏省人民医院"], {"江苏省人民医院": with_rows[0][0]}) == \
            [with_rows[0][0], with_rows[1][0]]


async def test_versions_read_with_the_focus(db: Database, clock: FrozenClock) -> None:
    """A typed message's first statement: the cache versions (as their own read gives them,
    also where the chat has no focus yet), the focus row and the draft it names."""
    from sqlalchemy import event, text

    from crm_core.services import drafts

    async with UnitOfWork(db, clock) as uow:
        rep = User(login="wang", name="王伟")
        uow.add(rep)
        await uow.commit()
    async with UnitOfWork(db, clock) as uow:
        expected = {str(n): int(v) for n, v in
                    (await uow.sql(text("SELECT name, version FROM cache_version"))).all()}
    assert expected                                    # the caches have their rows
    ran: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _k, sql, *_: ran.append(sql))
    async with UnitOfWork(db, clock) as uow:
        assert await drafts.versions_and_focus(uow, "console:c:wang") == (None, None, None)
        assert len(ran) == 1
        assert {c: await uow.cache_version(c) for c in expected} == expected
        assert len(ran) == 1                           # the versions came with the focus
    async with UnitOfWork(db, clock) as uow:
        row = await drafts.create_draft(uow, rep, "console:c:wang", "followup", {"a": 1}, {},
                                        kept=True, summary="跟进", expires_at=None)
        await drafts.set_focus(uow, "console:c:wang", rep, row.id, dialog="followup")
        await uow.commit()
    async with UnitOfWork(db, clock) as uow:
        state, draft, _ = await drafts.versions_and_focus(uow, "console:c:wang")
        focus, open_draft = drafts.focus_and_draft(state, draft, rep)
        assert {c: await uow.cache_version(c) for c in expected} == expected
    assert focus is not None and focus.draft_id == row.id
    assert open_draft is not None and (open_draft.id, open_draft.data) == (row.id, {"a": 1})
    other = User(id=(rep.id or 0) + 1, login="li", name="李明")
    assert drafts.focus_and_draft(state, draft, other)[1] is None    # not theirs


async def test_focus_over_a_known_row_is_written_at_the_commit(db: Database,
                                                                clock: FrozenClock) -> None:
    """`set_focus` over the focus a message read costs no statement of its own: it goes with
    the commit's appended rows. It is all or nothing with the rest, the last of two writes
    in one unit of work wins, and a row the message believed there (a first message whose
    unit of work rolled back) is created, not missed."""
    from sqlalchemy import event

    from crm_core.services import drafts

    async with UnitOfWork(db, clock) as uow:
        rep = User(login="wang", name="王伟")
        uow.add(rep)
        await uow.flush()
        first = await drafts.set_focus(uow, "console:c:wang", rep, None, dialog="start")
        await uow.commit()
    ran: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _k, sql, *_: ran.append(sql))

    async def focus_now() -> drafts.Focus | None:
        async with UnitOfWork(db, clock) as uow:
            return await drafts.get_focus(uow, "console:c:wang")

    async with UnitOfWork(db, clock) as uow:
        known = await drafts.set_focus(uow, "console:c:wang", rep, 7, dialog="followup",
                                       buttons=[{"label": "确认"}], known=first)
        assert ran == []                                  # nothing sent yet
        await drafts.set_focus(uow, "console:c:wang", rep, 8, dialog="followup", known=known)
        await uow.rollback()
    assert (await focus_now()) == first                   # rolled back: as it was
    async with UnitOfWork(db, clock) as uow:
        known = await drafts.set_focus(uow, "console:c:wang", rep, 7, dialog="followup",
                                       buttons=[{"label": "确认"}], known=first)
        await drafts.set_focus(uow, "console:c:wang", rep, 8, dialog="followup", known=known)
        await uow.commit()
    now = await focus_now()
    assert now is not None and now.draft_id == 8
    assert now.buttons == ({"label": "确认"},)            # kept from the first write
    ghost = drafts.Focus("console:c:li", None, (), clock.now())    # never committed
    async with UnitOfWork(db, clock) as uow:
        await drafts.set_focus(uow, "console:c:li", rep, 9, dialog="followup", known=ghost)
        await uow.commit()
    async with UnitOfWork(db, clock) as uow:
        created = await drafts.get_focus(uow, "console:c:li")
    assert created is not None and created.draft_id == 9


async def test_a_draft_is_there_for_the_next_step_of_its_own_unit_of_work(
        db: Database, clock: FrozenClock) -> None:
    """A draft created and then stepped, read and closed in one unit of work (PostgreSQL
    writes a new draft with the commit: it is written first when touched)."""
    from crm_core.services import drafts

    async with UnitOfWork(db, clock) as uow:
        rep = User(login="wang", name="王伟")
        uow.add(rep)
        await uow.commit()
    async with UnitOfWork(db, clock) as uow:
        row = await drafts.create_draft(uow, rep, "console:c:wang", "followup", {"a": 1}, {},
                                        kept=True, summary="跟进", expires_at=None)
        assert await drafts.save_step(uow, row, data={"a": 2}, step={"mode": "ask"}) == 2
        assert row.id is not None
        again = await drafts.open_draft(uow, rep, row.id)
        assert again is not None and again.data == {"a": 2}
        await drafts.close_draft(uow, row, "saved")
        await uow.commit()
    async with UnitOfWork(db, clock) as uow:
        saved = await drafts.get_draft(uow, rep, row.id)
    assert (saved.status, saved.version, saved.data) == ("saved", 3, {"a": 2})
