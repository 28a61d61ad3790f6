"""text + now + catalog → Extraction (the 12-field contract of CONVENTIONS.md).

`Extractor(catalog)` compiles the catalog once; `extract()` keeps a small cache of
extractors keyed by catalog identity. Nothing here raises on odd input.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from nlp.classify import (
    detect_attitude,
    detect_channel,
    detect_obstacle,
    detect_stage,
    find_action,
    find_action_in_context,
    find_strong_action,
    map_preset,
    stage_from_outcome,
)
from nlp.phone import find_phone
from nlp.pinyin import is_han, py_keys, py_variants
from nlp.resolve import (
    P_PINYIN,
    CatalogIndex,
    Mention,
    OrgSpan,
    find_contact_mentions,
    find_org_spans,
    find_title_mentions,
    is_surname_start,
)
from nlp.timeparse import TimeExpr, normalize_text, scan_times, split_clauses
from nlp.types import Catalog, Extraction

__all__ = ["Extractor", "extract", "get_extractor", "match_customers", "snap_transcript"]

log = logging.getLogger(__name__)

MAX_CHARS = 2000          # longer messages are read up to here (the summary keeps more)

_CREATE = re.compile(
    r"新(?:客户|线索|商机|的客户|的线索)|潜在客户|意向客户|(?:建|录|加|添加|新建|新增|创建|登记)(?:一?个|一下)?(?:新的?)?(?:客户|线索|商机)|"
    r"新认识"
)
_QUESTION = re.compile(
    r"哪些|哪个|哪天|哪家|哪位|哪里|多少|谁|什么时候|是什么|说的啥|是啥|啥时候|查一下|查查|帮我查|列一下|"
    r"列出|给我看|看一下.{0,4}(?:记录|跟进)|(?:记录|跟进).{0,4}看一下|统计|如何|怎么样|咋样|进展到哪|"
    r"到哪一?步|有几|几[个条单家次位天]|几号|几点|几月|帮我看|给我看|帮忙查|我想知道|告诉我|查询|干啥|做啥|"
    r"什么任务|什么安排|导出|列出来|几楼|在哪"
)
_QUESTION_END = re.compile(r"(?:[？?]|吗|呢)\s*$")
_REPORTED = re.compile(r"问|咨询|想知道|了解")
_CRM_WORDS = re.compile(
    r"客户|联系人|跟进|记录|手机|电话|微信|待办|任务|阶段|商机|项目|[几签赢输丢这那订]单|单子|库存|业绩|"
    r"线索|拜访|报价|合同|回款|"
    r"提醒|日程|安排|产品|价格|主任|科长|经理"
)
_NEXT_MARK = re.compile(
    r"再(?!考虑|商量|比较|看看|说|研究|评估)|准备|打算|计划|下一步|接下来|回头|改天")
_PRODUCT_TRIGGER = re.compile(
    r"(?:需要|想要|想了解|了解一下|了解|关注|要看|想看一下|想看|想试用|要一套|想上|要上|主要用|用我们的|"
    r"采购(?!科|部|处|员|经理|主任|负责人|量|流程)|"
    r"对(?=[^，,。]{1,12}(?:有需求|感兴趣|有兴趣|有意向)))"
)
_PRODUCT_LIKE = re.compile(
    r"(?:机器人|系统|设备|耗材|导管|支架|关节|螺钉|机|器|仪|钉|(?<!老)板|架|剂|材|泵|阀|镜|片|膜|刀|针)$"
)
_NOT_A_PRODUCT = re.compile(r"[说的了要在是他她我们你跟给把被让有没还也就都很再去来过]")
_FILLER = re.compile(
    r"^(?:一下|一套|一些|一台|两台|几台|那个|这个|这款|我们的|咱们的|的|些|点|下)+")
_SPLIT_ITEMS = re.compile(r"和|、|及|以及|跟|与|,|，|/|还有")
_PUNCT_END = re.compile(
    r"[，,。；;！!？?\n]|(?:有需求|的需求|我们没有|他们|目前|方向|感兴趣|有兴趣|有意向|比较|很|挺|非常)"
)


class Extractor:
    """A compiled catalog; `.extract(text, now)` is fast after the first call."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.index = CatalogIndex(catalog)
        try:
            self.tz: timezone | ZoneInfo = ZoneInfo(catalog.timezone or "Asia/Shanghai")
        except Exception:
            self.tz = timezone(timedelta(hours=8))

    # ------------------------------------------------------------------ public
    def extract(self, text: str, now: datetime) -> Extraction:
        try:
            return self._extract(text, now)
        except Exception:  # never raise: a malformed record is worse than an empty one
            log.exception("extract failed")
            return Extraction(summary=_summary(text if isinstance(text, str) else ""))

    def snap(self, text: str) -> str:
        try:
            return self._snap(text)
        except Exception:
            log.exception("snap failed")
            return text

    def match_customers(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        try:
            return self.index.rank_customers(normalize_text(text or ""), limit=limit)
        except Exception:
            log.exception("match_customers failed")
            return []

    # ------------------------------------------------------------------ internals
    def _now(self, now: datetime) -> datetime:
        if not isinstance(now, datetime):
            return datetime.now(self.tz)
        if now.tzinfo is None:
            return now.replace(tzinfo=self.tz)
        return now.astimezone(self.tz)

    def _extract(self, text: str, now: datetime) -> Extraction:
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        summary = _summary(text)
        text = normalize_text(text[:MAX_CHARS])
        now = self._now(now)
        if not text.strip():
            return Extraction(summary=summary)
        cat = self.catalog
        low = text.lower()
        syl = py_keys(text)
        clauses = split_clauses(text)

        times = scan_times(text, now)
        protected = [(t.start, t.end) for t in times]

        # ---- entities
        cust_mentions = self.index.find_customers(text, low, syl, protected)
        orgs = find_org_spans(text, protected)
        customer, known, candidates, cust_span = self._pick_customer(cust_mentions, orgs, text)
        prod_mentions = self.index.find_products(text, low, syl, protected)
        # a name heard as a time ('常周一院' → 常州一院) is a name, not 周一
        names = [(m.start, m.end) for m in (*cust_mentions, *prod_mentions) if m.end - m.start >= 3]
        times = [t for t in times
                 if not any(a <= t.start and t.end <= b and (a, b) != (t.start, t.end)
                            for a, b in names)]
        taken = [(m.start, m.end) for m in cust_mentions] + [(o.start, o.end) for o in orgs]
        products: list[str] = []
        for m in prod_mentions:
            if _inside(m, taken) and m.priority == P_PINYIN:
                continue
            if m.names[0] not in products:
                products.append(m.names[0])
        for p in _unknown_products(text, prod_mentions, orgs, self.index):
            if p not in products:
                products.append(p)

        if len(candidates) > 1:
            # an ambiguous name: the contact mentioned with it can decide
            fits = [c for c in candidates
                    if self._pick_contact(text, c, True, cust_span, protected)[1]]
            if len(fits) == 1:
                customer, candidates = fits[0], ()
        contact, contact_known = self._pick_contact(text, customer, known, cust_span, protected)
        if customer is None and contact_known and contact is not None:
            owners = {c.customer for c in self.index.contact_names.get(contact, [])}
            if len(owners) == 1 and contact in text:
                customer = next(iter(owners))
                known = True

        # ---- times
        future = [t for t in times
                  if t.date is not None and not t.past
                  and (not t.postponed or _then_follows(text, t, times))
                  and t.kind in ("date", "attached")]
        vague = [t for t in times if t.vague]
        chosen = _choose_next(text, future, clauses)
        future_starts = [t.start for t in future if not t.weak]

        # ---- classification
        past_starts = [t.start for t in times if t.past]
        channel = detect_channel(text, clauses, future_starts, past_starts)
        attitude = detect_attitude(text)
        obstacle = map_preset(detect_obstacle(text), cat.obstacles)
        if obstacle is None and re.search(r"选了(?:竞品|别家|别的)", text):
            obstacle = map_preset("竞品介入", cat.obstacles)
        is_stage, stage = detect_stage(text, cat.stages)
        if not is_stage:
            st = stage_from_outcome(text, cat.stages)
            if st is not None:
                is_stage, stage = True, st

        action_concept: str | None = None
        if chosen is not None or vague:
            anchor = chosen if chosen is not None else vague[-1]
            after, before = _segments(text, anchor, times, clauses)
            action_concept = find_action_in_context(
                after, before, _previous_clause(text, anchor.start, clauses))
        else:
            for cs, ce in clauses:
                seg = text[cs:ce]
                mk = _NEXT_MARK.search(seg)
                if mk:
                    action_concept = find_action(seg[mk.start():], "")
                    if action_concept and action_concept != "安排拜访":
                        break
                    if action_concept == "安排拜访" and re.search(r"拜访|上门|一趟", seg):
                        break
                    action_concept = None

        phone = find_phone(text)

        # ---- intent
        question = _is_question(text, clauses)
        has_entity = bool(customer or contact or products)
        if _CREATE.search(text) and not (question and re.search(r"[？?]\s*$|多少|哪些|查", text)):
            intent = "create_lead"
        elif question and (has_entity or _CRM_WORDS.search(text)) and channel is None:
            intent = "query"
        elif is_stage and stage is not None:
            intent = "update_stage"
        elif phone and channel is None and (
            (customer is not None and not known) or (contact is not None and not contact_known)
        ):
            intent = "create_lead"      # a number for someone the CRM does not know yet
        elif _is_followup(has_entity, bool(channel or attitude or obstacle or action_concept
                                           or chosen or (phone and contact)),
                          action_concept, chosen, text, times, clauses):
            intent = "log_followup"
        elif phone and _CRM_WORDS.search(text):
            intent = "create_lead"
        else:
            intent = "other"

        if intent == "create_lead" and customer is None:
            customer = _lead_name(text)
        next_date = chosen.date.isoformat() if chosen is not None and chosen.date else None
        next_time = (chosen.time.strftime("%H:%M")
                     if chosen is not None and chosen.time is not None else None)
        next_action = map_preset(action_concept, cat.next_actions)
        if next_action is None and chosen is not None and intent == "log_followup":
            next_action = map_preset("其他", cat.next_actions)
        if intent in ("query", "other"):
            next_action = next_date = next_time = phone = None
            channel = attitude = obstacle = None
            stage = None
        elif intent != "update_stage":
            stage = None
        if intent == "update_stage" and chosen is None:
            next_action = None
        if intent == "create_lead":
            channel = None
            attitude = None

        date_text = chosen.text if chosen is not None else (vague[-1].text if vague else None)
        return Extraction(
            intent=intent,  # type: ignore[arg-type]
            customer=customer,
            contact=contact,
            products=tuple(products),
            channel=channel,
            attitude=attitude,
            next_action=next_action,
            next_date=next_date,
            next_time=next_time,
            obstacle=obstacle,
            phone=phone,
            stage=stage,
            customer_known=known,
            customer_candidates=candidates,
            contact_known=contact_known,
            date_text=date_text,
            vague_date=chosen is None and bool(vague),
            summary=summary,
        )

    def _pick_customer(
        self, mentions: list[Mention], orgs: list[OrgSpan], text: str = ""
    ) -> tuple[str | None, bool, tuple[str, ...], tuple[int, int] | None]:
        good: list[Mention] = []
        rejected_orgs: list[OrgSpan] = []
        for m in mentions:
            org = next((o for o in orgs if o.start <= m.start and m.end <= o.end), None)
            if org is not None and not any(
                self.index.consistent_with(m, org, nm) for nm in m.names
            ):
                rejected_orgs.append(org)
                continue
            good.append(m)
        if good:
            strong = [m for m in good if m.priority > P_PINYIN]
            m = (strong or good)[0]
            names = m.names
            return names[0], True, (names if len(names) > 1 else ()), (m.start, m.end)
        new_orgs = [o for o in orgs if not any(o.start <= m.start < o.end for m in good)]
        if new_orgs:
            o = self.index.trim_org(text, new_orgs[0]) if text else new_orgs[0]
            return o.text, False, (), (o.start, o.end)
        return None, False, (), None

    def _pick_contact(self, text: str, customer: str | None, known: bool,
                      cust_span: tuple[int, int] | None,
                      protected: list[tuple[int, int]] | None = None) -> tuple[str | None, bool]:
        names = self.index.find_contact_names(text)
        if names:
            nm = names[0][2]
            owners = self.index.contact_names[nm]
            if not known or any(c.customer == customer for c in owners) or customer is None:
                return nm, True
        for cm in self.index.contact_mentions(text, protected or ()):
            if cust_span is not None and cust_span[0] <= cm.start < cust_span[1]:
                continue
            if cm.full_name is not None:
                # a full name the catalog does not hold at this customer: as written,
                # unless it is a misheard name of one of the customer's contacts
                if known and customer is not None:
                    canon = self.index.homophone_contact(cm.full_name, customer)
                    if canon is not None:
                        return canon, True
                return cm.text, False
            canon = self.index.resolve_contact(cm, customer, known)
            if canon is not None:
                return canon, True
            return cm.text, False
        nm_match = _NAMED_CONTACT.search(text)
        if nm_match and is_surname_start(nm_match.group("n")):
            name = nm_match.group("n")
            return name, name in self.index.contact_names
        if known and customer is not None:
            for cm in find_title_mentions(text):
                if cust_span is not None and cust_span[0] <= cm.start < cust_span[1]:
                    continue
                if text[max(0, cm.start - 1): cm.start + 1] in ("人工", "施工", "员工", "加工"):
                    continue
                canon = self.index.resolve_contact(cm, customer, known)
                if canon is not None:
                    return canon, True
        return None, False

    def _snap_contacts(self, text: str, repl: list[tuple[int, int, str]], orgs: list[OrgSpan],
                       low: str, syl: list[str],
                       protected: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
        """'路主任' → '陆主任' when the customer named in the transcript has a 陆主任."""
        mentions = self.index.find_customers(text, low, syl, protected)
        customer, known, _cands, span = self._pick_customer(mentions, orgs, text)
        if not known or customer is None:
            return []
        out: list[tuple[int, int, str]] = []
        for cm in find_title_mentions(text):
            if span is not None and span[0] <= cm.start < span[1]:
                continue
            if any(a < cm.end and cm.start < b for a, b, _r in repl):
                continue
            canon = self.index.resolve_contact(cm, customer, True)
            if canon is None:
                continue
            for ct in self.index.contacts_by_customer.get(customer, []):
                if ct.name != canon:
                    continue
                if cm.text in ct.aliases:
                    break
                same = [a for a in ct.aliases if len(a) == len(cm.text) and a.endswith(cm.title)]
                if same:
                    out.append((cm.start, cm.end, same[0]))
                break
        return out

    def _snap(self, original: str) -> str:
        original = original or ""
        text = normalize_text(original)      # same length: positions carry over
        if not text:
            return original
        low = text.lower()
        syl = py_keys(text)
        protected = [(t.start, t.end) for t in scan_times(text, datetime.now(self.tz))]
        orgs = find_org_spans(text)
        repl: list[tuple[int, int, str]] = []
        for table, is_cust in ((self.index.customers, True), (self.index.products, False)):
            for m in table.scan(text, low, syl, protected):
                if m.priority != P_PINYIN:
                    continue
                if is_cust:
                    org = next((o for o in orgs if o.start <= m.start and m.end <= o.end), None)
                    if org is not None and not any(
                        self.index.consistent_with(m, org, nm) for nm in m.names
                    ):
                        continue
                surface = _surface_for(table.exact, m, syl)
                if surface and surface != m.text:
                    repl.append((m.start, m.end, surface))
        repl.extend(self._snap_contacts(text, repl, orgs, low, syl, protected))
        if not repl:
            return original
        repl.sort()
        out, pos = [], 0
        for s, e, r in repl:
            if s < pos:
                continue
            out.append(original[pos:s])
            out.append(r)
            pos = e
        out.append(original[pos:])
        return "".join(out)


def _surface_for(exact: dict[str, dict[str, int]], m: Mention, syl: list[str]) -> str | None:
    """The catalog spelling (name or alias) whose pinyin equals the misheard span."""
    target = syl[m.start: m.end]
    for key, hit in exact.items():
        if len(key) == m.end - m.start and any(n in hit for n in m.names) and \
                all(t in py_variants(c) for c, t in zip(key, target, strict=True)):
            return key
    return None


def _is_followup(has_entity: bool, has_signal: bool, action: str | None,
                 chosen: TimeExpr | None, text: str, times: list[TimeExpr],
                 clauses: list[tuple[int, int]]) -> bool:
    """A follow-up: an entity with something said about it, or a dated concrete step."""
    if has_entity and has_signal:
        return True
    return action is not None and chosen is not None and find_strong_action(
        *_segments(text, chosen, times, clauses)) is not None


def _is_question(text: str, clauses: list[tuple[int, int]]) -> bool:
    """A request for information (not a reported question: '他问价格多少')."""
    for cs, ce in clauses:
        seg = text[cs:ce]
        for m in _QUESTION.finditer(seg):
            if re.fullmatch(r"有几|几[个条单家次位天]", m.group(0)) and \
                    not _QUESTION_END.search(text) \
                    and not re.search(r"(?:一共|总共|共|到底)\S{0,4}$", seg[: m.start()]):
                continue
            if _REPORTED.search(seg[: m.start()]):
                continue
            return True
    stripped = text.strip()
    return bool(_QUESTION_END.search(stripped)) and not _REPORTED.search(stripped)


def _inside(m: Mention, spans: list[tuple[int, int]]) -> bool:
    return any(a <= m.start and m.end <= b for a, b in spans)


def _summary(text: str) -> str:
    t = re.sub(r"\s+", " ", text or "").strip()
    return t[:500]


def _choose_next(text: str, future: list[TimeExpr],
                 clauses: list[tuple[int, int]]) -> TimeExpr | None:
    """The next step's date: an expression with 再 / an action after it wins, then order."""
    if not future:
        return None
    strong = [t for t in future if not t.weak]
    if not strong:
        # '今天' alone is a next step only when a concrete step follows it in its clause
        strong = [t for t in future
                  if find_strong_action(text[t.end: _clause_end(text, t.end, clauses)], "")]
        if not strong:
            return None
    # 'X或者Y' / 'X到Y': Y is an alternative or a range end, X is the step
    strong = [t for i, t in enumerate(strong)
              if i == 0 or not re.fullmatch(r"\s*(?:或者?|还是|到|至|-|~|—)\s*",
                                            text[strong[i - 1].end: t.start])]
    scored: list[tuple[int, int, TimeExpr]] = []
    for i, t in enumerate(strong):
        nxt = next((u.start for u in strong[i + 1:] if u.start > t.end), len(text))
        cs = 0
        ce = len(text)
        for a, b in clauses:
            if a <= t.start < b:
                cs, ce = a, b
                break
        seg = text[cs: max(nxt, ce) if nxt > ce else nxt]
        score = 0
        if re.search(r"再(?!考虑|商量|比较|看看|研究|说|定|等)", seg):
            score += 2
        if find_action(text[t.end: nxt], "") is not None:
            score += 1
        scored.append((score, -i, t))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return scored[0][2]


def _then_follows(text: str, t: TimeExpr, times: list[TimeExpr]) -> bool:
    """'招标延期到15号，到时候再跟进': the delayed date is the step when 到时候 points back."""
    nxt = next((u.start for u in times if u.start >= t.end and u.date is not None), len(text))
    return bool(re.search(r"到时候|那天|届时|到那天", text[t.end: nxt]))


def _clause_end(text: str, pos: int, clauses: list[tuple[int, int]]) -> int:
    for a, b in clauses:
        if a <= pos < b:
            return b
    return min(len(text), pos)


def _previous_clause(text: str, pos: int, clauses: list[tuple[int, int]]) -> str:
    prev = ""
    for a, b in clauses:
        if a <= pos < b:
            return prev
        prev = text[a:b]
    return prev


def _segments(text: str, t: TimeExpr, times: list[TimeExpr],
              clauses: list[tuple[int, int]]) -> tuple[str, str]:
    nxt = len(text)
    end = t.end
    for u in times:
        if u.start < t.end or u.kind != "date" or u.date is None:
            continue
        if re.fullmatch(r"\s*(?:或者?|还是|到|至|-|~|—)\s*", text[end: u.start]):
            end = u.end          # an alternative / range end belongs to this step
            continue
        nxt = u.start
        break
    cs = 0
    for a, b in clauses:
        if a <= t.start < b:
            cs = a
            break
    return text[t.end: nxt], text[cs: t.start]


def _product_ok(it: str) -> bool:
    return 2 <= len(it) <= 10 and not _NOT_A_PRODUCT.search(it) and \
        bool(_PRODUCT_LIKE.search(it)) and \
        all(is_han(c) or (c.isascii() and (c.isalnum() or c in "-")) for c in it)


def _tail_ok(it: str) -> bool:
    """A product name cut from behind filler words: 3+ characters, not a filler itself."""
    return len(it) >= 3 and _product_ok(it) and not _FILLER.match(it)


def _unknown_products(text: str, known: list[Mention], orgs: list[OrgSpan],
                      index: CatalogIndex | None = None) -> list[str]:
    out: list[str] = []
    for m in _PRODUCT_TRIGGER.finditer(text):
        start = m.end()
        em = _PUNCT_END.search(text, start)
        end = em.start() if em else len(text)
        phrase = text[start:end]
        if not phrase:
            continue
        pos = start
        for item in _SPLIT_ITEMS.split(phrase):
            item_start = text.find(item, pos)
            pos = item_start + len(item) if item_start >= 0 else pos
            it = _FILLER.sub("", item.strip())
            if not it or len(it) < 2 or len(it) > 12:
                continue
            if any(k.start < item_start + len(item) and item_start < k.end for k in known):
                continue
            if any(o.start <= item_start < o.end for o in orgs):
                continue
            if not all(is_han(c) or (c.isascii() and (c.isalnum() or c in "-")) for c in it):
                continue
            if (len(it) > 10 or _NOT_A_PRODUCT.search(it)) and index is not None and \
                    len(it) <= 24 and _PRODUCT_LIKE.search(it):
                # '一批新的伺服电机': the product is the whole-word tail (jieba boundaries)
                tail = index.product_tail(it, _tail_ok)
                if tail is not None:
                    out.append(tail)
                continue
            if len(it) > 10 or _NOT_A_PRODUCT.search(it):
                continue
            if _PRODUCT_LIKE.search(it):
                out.append(it)
    return out


_NAMED_CONTACT = re.compile(
    r"(?:联系人|对接人|负责人|联络人)(?:是|叫|为)?[:：\s]*(?P<n>[\u4e00-\u9fff]{2,3}?)"
    r"(?=[，,。；;\s]|电话|手机|$)"
)
_LEAD_NAME = re.compile(
    r"(?:新客户|新线索|客户|线索)(?:叫做?|是|名叫)?[\s:：，,]*(?:那个|一个)?"
    r"(?P<n>[\u4e00-\u9fffA-Za-z0-9（）()·]{2,30}?)(?=[，,。；;\s]|$)"
)


def _lead_name(text: str) -> str | None:
    """The organisation named right after '新客户：' when it has no 公司/医院 suffix."""
    for m in _LEAD_NAME.finditer(text):
        n = m.group("n")
        if find_contact_mentions(n) or re.search(r"电话|手机|联系人|[0-9]{5,}", n):
            continue
        if re.match(r"(?:帮|建|录|加|新增|新建|有|的)", n):
            continue
        if "的" in n:                       # 常州武进区的恒瑞精工 → 恒瑞精工
            n = n.rsplit("的", 1)[1]
            if len(n) < 2:
                continue
        return n
    return None


_CACHE: OrderedDict[int, tuple[Catalog, Extractor]] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 8


def get_extractor(catalog: Catalog) -> Extractor:
    """The cached Extractor for this catalog object (keyed by identity)."""
    key = id(catalog)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] is catalog:
            _CACHE.move_to_end(key)
            return hit[1]
    ex = Extractor(catalog)
    with _CACHE_LOCK:
        _CACHE[key] = (catalog, ex)
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return ex


def extract(text: str, *, now: datetime, catalog: Catalog) -> Extraction:
    """One message → one record. Never raises."""
    try:
        ex = get_extractor(catalog)
    except Exception:
        log.exception("catalog index failed")
        return Extraction(summary=_summary(text if isinstance(text, str) else ""))
    return ex.extract(text, now)


def match_customers(text: str, catalog: Catalog, limit: int = 5) -> list[tuple[str, float]]:
    """Ranked catalog customer names for a short answer like '省人医'."""
    return get_extractor(catalog).match_customers(text, limit=limit)


def snap_transcript(text: str, catalog: Catalog) -> str:
    """ASR transcript with misheard catalog names respelled (股楼医院 → 鼓楼医院)."""
    return get_extractor(catalog).snap(text)
