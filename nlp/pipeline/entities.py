"""Stage 2, entities: the customer, the contact and the products a message names.

Catalog names and aliases first (exact, derived short forms, model codes, pinyin), then
organisations and people written in the message that the catalog does not know yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.contacts import ContactBook
from nlp.learned import LearnedIndex
from nlp.names import P_EXACT, P_SOUND, select_mentions
from nlp.people import ContactMention, default_people, is_surname_start
from nlp.phone import find_phone
from nlp.pipeline.doc import Doc
from nlp.products import unknown_products
from nlp.resolve import P_PINYIN, CatalogIndex, Mention, OrgSpan
from nlp.segment import base_word_freq

__all__ = ["CREATE", "Entities", "find_entities", "lead_name", "pick_contact", "pick_customer"]


@dataclass(frozen=True, slots=True)
class Entities:
    customer: str | None = None
    customer_known: bool = False
    candidates: tuple[str, ...] = ()       # several catalog customers fit equally well
    customer_span: tuple[int, int] | None = None
    contact: str | None = None
    contact_known: bool = False
    products: tuple[str, ...] = ()
    phone: str | None = None
    lead_name: bool = False                # customer read from '新客户：X' (no suffix)
    masked: tuple[tuple[int, int], ...] = ()   # every name span: no cue word inside a name
    places: tuple[int, ...] = ()               # where customer / organisation names start
    names: tuple[tuple[int, int], ...] = ()     # catalog names of 3+ characters (not times)

    @property
    def any(self) -> bool:
        return bool(self.customer or self.contact or self.products)


# titles that are also the end of a place's name and the start of the next word (鸠江区|长淮)
_PLACE_OFFICIALS = frozenset(("区长", "县长", "市长", "镇长", "乡长", "省长"))


def find_entities(doc: Doc, index: CatalogIndex,
                  learned: LearnedIndex | None = None) -> Entities:
    """Stage 2: customers, organisations, contacts and products in `doc` (with the words a
    rep taught by correcting earlier cards, `learned`)."""
    text, protected = doc.text, doc.protected
    cust_mentions = index.find_customers(text, doc.low, doc.syl, protected)
    prod_mentions = index.find_products(text, doc.low, doc.syl, protected)
    if learned is not None:
        cust_mentions = select_mentions(
            [*cust_mentions, *learned.customers.scan(text, doc.low, None, protected)])
        prod_mentions = select_mentions(
            [*prod_mentions, *learned.products.scan(text, doc.low, None, protected)])
    # a homophone of one table never overrides a name written exactly in the other
    # ('和机滤' is the product 机滤, not a customer that sounds like 齐鲁)
    cust_mentions = [m for m in cust_mentions if not _negated(text, m.start, m.end)
                     and not _shadowed(m, prod_mentions)]
    prod_mentions = [m for m in prod_mentions if not _shadowed(m, cust_mentions)]
    people = [(p.start, p.end) for p in index.people.mentions(text)]
    blocked = [*protected, *people,
               *((m.start, m.end) for m in prod_mentions if m.priority > P_PINYIN)]
    orgs = index.find_orgs(text, blocked)
    # a district's or county's name run into an organisation's (芜湖鸠江区长淮船舶配件厂): the
    # surname + 区长 read there is no person where the name holds it inside; nor is a familiar
    # 小X / 老X inside a trade name (杭州小熊连锁, 杭州小白兔超市)
    official = [(s, e) for s, e in people if text[e - 2:e] in _PLACE_OFFICIALS
                or (e - s == 2 and text[s] in "小老")]
    if official:
        freed = index.find_orgs(text, [b for b in blocked if b not in official])
        inside = [p for p in official if any(o.start < p[0] and p[1] < o.end for o in freed)]
        if inside:
            orgs = index.find_orgs(text, [b for b in blocked if b not in inside])
    # the kind of a catalog customer said alone, its name's own tail (在早教中心试用 for 翠湖早教
    # 中心): no new organisation
    orgs = [o for o in orgs if o.text not in index.customer_tails]
    customer, known, candidates, cust_span = pick_customer(index, cust_mentions, orgs)
    if not known and cust_span is not None and _where_one_goes(index, text, cust_span):
        # 岑老板的电话是…，明天我去果书中心当面找他: the place the rep goes to see a catalog
        # contact named before it, heard otherwise (果蔬中心), is no new customer
        orgs = [o for o in orgs if (o.start, o.end) != cust_span]
        customer, known, candidates, cust_span = None, False, (), None
    if not known:
        # name correction: a typed near-homophone of a catalog customer ('海天大夏')
        heard = _sounded(index, text, cust_mentions, prod_mentions)
        if heard:
            cust_mentions = sorted([*cust_mentions, *heard], key=lambda m: m.start)
            customer, known, candidates, cust_span = pick_customer(index, cust_mentions, orgs)
    names = tuple((m.start, m.end) for m in (*cust_mentions, *prod_mentions)
                  if m.end - m.start >= 3)
    taken = [(m.start, m.end) for m in cust_mentions] + [(o.start, o.end) for o in orgs]
    products: list[str] = []
    for m in prod_mentions:
        if _inside(m, taken) and m.priority == P_PINYIN:
            continue
        if m.names[0] not in products:
            products.append(m.names[0])
    for p in unknown_products(text, prod_mentions, orgs, index):
        if p not in products:
            products.append(p)

    if known and customer is not None and cust_span is not None:
        backed = _backed_by_contact(index, text, customer, cust_span, cust_mentions)
        if backed is not None:
            customer = backed
    if len(candidates) > 1:
        # an ambiguous name: the contact mentioned with it can decide
        fits = [c for c in candidates
                if pick_contact(index, text, c, True, cust_span, protected, learned)[1]]
        if len(fits) == 1:
            customer, candidates = fits[0], ()
    named_lead = False
    if customer is None and CREATE.search(text):
        customer = lead_name(text)
        named_lead = customer is not None
    contact, contact_known = pick_contact(index, text, customer, known, cust_span, protected,
                                          learned)
    if customer is None and contact_known and contact is not None and contact in text \
            and not index.people.surname_title.fullmatch(contact):
        # a full catalog name with no organisation named: its customer (an alias is not
        # enough: '郑工' names a person, not where the note belongs)
        owners = {c.customer for c in index.contacts.by_name.get(contact, [])}
        if len(owners) == 1:
            customer = next(iter(owners))
            known = True
    masked = tuple(sorted({(m.start, m.end) for m in (*cust_mentions, *prod_mentions)}
                          | {(o.start, o.end) for o in orgs}))
    places = tuple(sorted({m.start for m in cust_mentions} | {o.start for o in orgs}))
    return Entities(customer, known, candidates, cust_span, contact, contact_known,
                    tuple(products), find_phone(text), named_lead, masked, places, names)


CREATE = re.compile(
    r"新(?:客户|线索|商机|的客户|的线索)|潜在客户|意向客户|"
    r"(?:建|录|加|添加|新建|新增|创建|登记)了?(?:一?个|一下)?(?:新的?)?(?:客户|线索|商机)|新认识"
)
_LEAD_NAME = re.compile(
    r"(?:新客户|新线索|客户|线索)(?:叫做?|是|名叫)?[\s:：，,]*(?:那个|一个)?"
    r"(?P<n>[\u4e00-\u9fffA-Za-z0-9（）()·]{2,30}?)(?=[，,。；;\s]|$)"
)


def lead_name(text: str) -> str | None:
    """The organisation named right after '新客户：' when it has no 公司/医院 suffix."""
    for m in _LEAD_NAME.finditer(text):
        n = m.group("n")
        if default_people().mentions(n) or re.search(r"电话|手机|联系人|[0-9]{5,}", n):
            continue
        if re.match(r"(?:帮|建|录|加|新增|新建|有|的)", n):
            continue
        if "的" in n:                       # 常州武进区的恒瑞精工 → 恒瑞精工
            n = n.rsplit("的", 1)[1]
            if len(n) < 2:
                continue
        return n
    return None


_NEGATION_BEFORE = re.compile(r"(?:不是|并非|而非|并不是|非)\s*$")
_NEGATION_AFTER = re.compile(r"^\s*(?:不是一家|不是同一家|不是一个|不是那家|没关系)")
_WITH_BEFORE = re.compile(r"[跟和与同]\s*$")


def _sounded(index: CatalogIndex, text: str, *taken: list[Mention]) -> list[Mention]:
    """Customer names the sound matcher hears in `text` where no catalog name is written."""
    spans = [(m.start, m.end) for ms in taken for m in ms if m.priority > P_PINYIN]
    out: list[Mention] = []
    for hit in index.sounds.find(text):
        if hit.entry.kind != "customer" or any(a < hit.end and hit.start < b for a, b in spans):
            continue
        if _negated(text, hit.start, hit.end):
            continue
        out.append(Mention(hit.start, hit.end, text[hit.start:hit.end], (hit.entry.canonical,),
                           P_SOUND))
    return out


def _shadowed(m: Mention, others: list[Mention]) -> bool:
    return m.priority == P_PINYIN and any(
        o.priority > P_PINYIN and o.start < m.end and m.start < o.end for o in others)


def _negated(text: str, s: int, e: int) -> bool:
    """A name said to be some other organisation: '（不是众诚）', '跟鸿运纺织不是一家'."""
    if _NEGATION_BEFORE.search(text[max(0, s - 4): s]):
        return True
    return bool(_NEGATION_AFTER.match(text[e: e + 6])
                and _WITH_BEFORE.search(text[max(0, s - 2): s]))


# the rep going somewhere: 我去X, 明天去X, 过去X
_GOING = re.compile(r"[去到]$")


def _where_one_goes(index: CatalogIndex, text: str, span: tuple[int, int]) -> bool:
    """Is the organisation at ``span`` only where the rep goes (我去果书中心) after a catalog
    contact named by a name or alias of one person alone (岑老板 …), with no announcement of
    a new party? Then it is that contact's place heard otherwise, not a new customer."""
    s, e = span
    if not _GOING.search(text, 0, s) or CREATE.search(text):
        return False
    owners = [index.contacts.owners(key) for _a, _b, key in index.contacts.strings_in(text[:s])]
    if not owners or any(len(o) != 1 for o in owners):
        return False
    # … whose own customer's name it sounds like: its kind the same (…中心), another
    # character of it there too (果书中心 for 豫丰果蔬中心; 鸿达机械 is someone else)
    home = owners[-1][0].customer
    org = text[s:e]
    return home.endswith(org[-2:]) and any(ch in home for ch in org[:-2])


def pick_customer(
    index: CatalogIndex, mentions: list[Mention], orgs: list[OrgSpan]
) -> tuple[str | None, bool, tuple[str, ...], tuple[int, int] | None]:
    """(customer, is a catalog entry, equally good catalog candidates, its span)."""
    good: list[Mention] = []
    for m in mentions:
        org = next((o for o in orgs if o.start <= m.start and m.end <= o.end), None)
        if org is not None and not any(index.consistent_with(m, org, nm) for nm in m.names):
            continue
        good.append(m)
    if good:
        strong = [m for m in good if m.priority > P_PINYIN]
        m = (strong or good)[0]
        names = m.names
        return names[0], True, (names if len(names) > 1 else ()), (m.start, m.end)
    if orgs:
        o = orgs[0]
        return o.text, False, (), (o.start, o.end)
    return None, False, (), None


def _backed_by_contact(index: CatalogIndex, text: str, customer: str,
                       span: tuple[int, int], mentions: list[Mention]) -> str | None:
    """A customer read from a short form inside a longer word (百味鲜: 味鲜 of 味鲜坊), while
    the contacts the message names are all another customer's, whose own name or alias
    that word sounds like with one character off (百味轩, 鲜 heard for 轩): that customer —
    the contact supports its own. A customer's name heard whole, or no name near, stays."""
    picked = next((m for m in mentions if (m.start, m.end) == span), None)
    if picked is None or picked.priority >= P_EXACT:
        return None
    book = index.contacts
    owners = {c.customer for s, _e, key in book.strings_in(text)
              if not span[0] <= s < span[1] for c in book.owners(key)}
    if len(owners) != 1 or customer in owners:
        return None
    other = next(iter(owners))
    entry = next((c for c in index.catalog.customers if c.name == other), None)
    if entry is None:
        return None
    for alias in (a for a in (entry.name, *entry.aliases) if len(a) >= 3):
        n = len(alias)
        # every stretch of the alias's length that overlaps the short form heard
        for at in range(max(0, span[1] - n), min(span[0], len(text) - n) + 1):
            if sum(a != b for a, b in zip(text[at:at + n], alias, strict=True)) == 1:
                return other
    return None


def pick_contact(index: CatalogIndex, text: str, customer: str | None, known: bool,
                 cust_span: tuple[int, int] | None,
                 protected: list[tuple[int, int]] | None = None,
                 learned: LearnedIndex | None = None) -> tuple[str | None, bool]:
    """(contact, is a catalog entry): the first person the message names — a catalog name
    or alias resolved at the customer named, a title mention resolved there, or the
    mention as written (always as written at an organisation the catalog does not know)."""
    book = index.contacts
    cands: list[tuple[int, int, str, ContactMention | None]] = []
    for s, e, key in book.strings_in(text):
        cands.append((s, -(e - s), key, None))
    taught = {}
    if learned is not None:
        for s, e, name in learned.contact_strings(text):
            cands.append((s, -(e - s) - 1, text[s:e], None))     # before a shorter mention
            taught[text[s:e]] = name
    for mention in book.mentions(text, protected or ()):
        cands.append((mention.start, -(mention.end - mention.start), mention.text, mention))
    cands.sort(key=lambda c: (c[0], c[1]))
    for s, _neg_len, key, cm in cands:
        if cust_span is not None and cust_span[0] <= s < cust_span[1]:
            continue
        if cm is not None and known and customer is not None and cm.full_name is None \
                and index.orgs.suffix_at(text, cm.end) is not None \
                and book.resolve(cm, customer, known) is None:
            continue    # a title run into an organisation's suffix, no contact of the customer
            #             named (成都三院史工中心: 视光 heard 史工), names the place
        if customer is not None and not known:
            return cm.text if cm is not None else key, False
        if cm is None and key in taught:
            at = {c.customer for c in book.by_name.get(taught[key], [])}
            if customer is None or customer in at:
                return taught[key], True
            continue
        if cm is None:
            hit = _catalog_string(book, key, customer)
            if hit is not None:
                return hit
            continue
        if cm.full_name is not None:
            if cm.full_name in book.by_name:
                hit = _catalog_string(book, cm.full_name, customer)
                if hit is not None:
                    return hit
            # a full name the catalog does not hold at this customer: as written,
            # unless it is a misheard name of one of the customer's contacts
            if known and customer is not None:
                canon = book.homophone(cm.full_name, customer)
                if canon is not None:
                    return canon, True
            return cm.text, False
        canon = book.resolve(cm, customer, known)
        if canon is not None:
            return canon, True
        return cm.text, False
    nm_match = _NAMED_CONTACT.search(text)
    if nm_match and is_surname_start(nm_match.group("n")) and not (
            base_word_freq(nm_match.group("n")[:2]) >= _COMMON_WORD):   # 采购周期长: no name
        name = nm_match.group("n")
        return name, name in book.by_name
    if known and customer is not None:
        for cm in index.people.title_mentions(text):
            if cust_span is not None and cust_span[0] <= cm.start < cust_span[1]:
                continue
            if text[max(0, cm.start - 1): cm.start + 1] in ("人工", "施工", "员工", "加工"):
                continue
            canon = book.resolve(cm, customer, known)
            if canon is not None:
                return canon, True
    return None, False


def _catalog_string(book: ContactBook, key: str,
                    customer: str | None) -> tuple[str, bool] | None:
    """A catalog contact name or alias: the contact at the customer named; with no
    customer named, the one contact it stands for (an alias two people share stays open)."""
    owners = book.owners(key)
    if customer is not None:
        at = [c for c in owners if c.customer == customer]
        if len(at) == 1:
            return at[0].name, True
        return None
    if len({c.name for c in owners}) == 1:
        return owners[0].name, True
    return None


_COMMON_WORD = 2000
_NAMED_CONTACT = re.compile(
    # (or the buyer named as the person to reach: 采购朱大姐, 采购叫刘春生 — a clause of its own)
    r"(?:联系人|对接人|负责人|联络人|(?<![要想在去来])采购员?)(?:是|叫|为)?[:：\s]*"
    r"(?P<n>[\u4e00-\u9fff]{2,3}?)"
    r"(?=[，,。；;\s]|电话|手机|$)"
)

def _inside(m: Mention, spans: list[tuple[int, int]]) -> bool:
    return any(a <= m.start and m.end <= b for a, b in spans)
