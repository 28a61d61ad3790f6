"""Stage 6, field masking: the record each intent may carry (CONVENTIONS "Labelling rules").

query / other carry no next step, phone or stage; stage only for update_stage; a new lead
has no attitude and no channel but a call it made to us; rule concepts are mapped onto the
tenant's preset lists.
"""

from __future__ import annotations

import re

from nlp.classify import CALLED_IN
from nlp.pipeline.doc import Doc
from nlp.pipeline.entities import Entities
from nlp.pipeline.signals import Signals
from nlp.pipeline.steps import Step
from nlp.pipeline.times import Times
from nlp.presets import OTHER
from nlp.types import Catalog, Extraction, Intent

__all__ = ["mask_fields"]

_CALLED_IN = re.compile(CALLED_IN)


def mask_fields(doc: Doc, ents: Entities, times: Times, sig: Signals, intent: Intent,
                catalog: Catalog) -> Extraction:
    """Stage 6: the 12 contract fields plus the dialog hints, masked by intent."""
    chosen = times.chosen
    customer = ents.customer
    if ents.lead_name and intent != "create_lead":
        customer = None                    # '客户：X' named X only for a new lead
    next_date = chosen.date.isoformat() if chosen is not None and chosen.date else None
    next_time = (chosen.time.strftime("%H:%M")
                 if chosen is not None and chosen.time is not None else None)
    step = sig.step
    next_action = step.preset if step is not None else None
    if next_action is None and chosen is not None and intent == "log_followup" \
            and OTHER in catalog.next_actions:
        next_action = OTHER
    obstacle = sig.obstacle
    channel, attitude, stage, phone = sig.channel, sig.attitude, sig.stage, ents.phone
    if intent in ("query", "other"):
        next_action = next_date = next_time = phone = None
        channel = attitude = obstacle = None
        stage = None
    elif intent != "update_stage":
        stage = None
    if intent == "update_stage" and chosen is None:
        next_action = None
    if intent == "create_lead":
        # a new lead's note introduces, not reports (电话 there is the number's label), but a
        # call the lead made to us is the contact it reports (…的向老板打来电话，是个新客户)
        if channel != "电话" or not _CALLED_IN.search(doc.text):
            channel = None
        attitude = obstacle = None
    vague = times.vague
    date_text = chosen.text if chosen is not None else (vague[-1].text if vague else None)
    return Extraction(
        intent=intent,
        customer=customer,
        contact=ents.contact,
        products=ents.products,
        channel=channel,
        attitude=attitude,
        next_action=next_action,
        next_date=next_date,
        next_time=next_time,
        obstacle=obstacle,
        phone=phone,
        stage=stage,
        customer_known=ents.customer_known,
        customer_candidates=ents.candidates,
        contact_known=ents.contact_known,
        date_text=date_text,
        vague_date=chosen is None and bool(vague),
        date_unread=chosen is None and any(t.unread for t in vague),
        summary=doc.summary,
        action_words=_step_words(doc, times, step) if next_action == OTHER else None,
        obstacle_words=sig.obstacle_words if obstacle is not None else None,
    )


def _step_words(doc: Doc, times: Times, step: Step | None) -> str | None:
    """The rep's own words for a step no preset names (the card shows them with 其他)."""
    if step is not None and step.words:
        return step.words
    t = times.chosen
    if t is None:
        return None
    end = next((b for a, b in doc.clauses if a <= t.start < b), len(doc.text))
    return doc.text[t.end:end].strip(" ，,。；;") or None
