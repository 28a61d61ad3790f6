"""The acoustic check (声学复核): Whisper asked which catalog name it heard.

The text stages write a catalog name on sound alone only where the transcript is close to
it (`nlp.asr.snap`): a contact's surname a fold or two off (贼主管 for 隋主管, 潘经理 of
another customer for 覃经理), a product garbled by AMR-NB (组外杀金器 for 紫外杀菌器) stay as
heard, and the card asks. Here every stretch of the snapped transcript that sounds near
catalog names (`PhoneticIndex.near_spans`) becomes a *choice*: the transcript as it is, and
the transcript with each candidate written in. The model scores each reading against the
note's audio (teacher-forced log-probability of the whole text under one prompt that names
every candidate, `Transcriber.score_texts`), and a name is written only where its reading
beats what was heard by `margin` and every other candidate of its stretch by `margin`:
the audio decides, the catalog only proposes. Measured on the small voice sets: the wrong
candidates score 5 to 30 below what was heard; a right one above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nlp.asr.prompt import PROMPT_HEAD, PROMPT_TAIL, SEPARATOR
from nlp.phonetic import Entry, PhoneticIndex, sound_alike

__all__ = ["Check", "Choice", "Option", "acoustic_check"]

MAX_COST = 0.45        # per syllable on average (looser than any snap: the model decides)
MAX_SYLLABLE = 0.8     # … no syllable further than this
MAX_SURNAME = 0.8      # … a contact's surname at most this far (zei for sui, pan for tan)
PER_CHOICE = 4         # candidates asked about per stretch, nearest first
MAX_NAMES = 20         # names in the check's prompt


@dataclass(frozen=True, slots=True)
class Option:
    """A catalog name that the stretch [start, end) of the transcript may be."""

    start: int
    end: int
    entry: Entry
    cost: float = 0.0       # per syllable (0: a tone-free homophone of what was heard)


@dataclass(frozen=True, slots=True)
class Choice:
    """Overlapping stretches of the transcript and the catalog names they may be."""

    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class Check:
    """The readings to score: the transcript, then each choice's names written in, in order."""

    text: str
    choices: tuple[Choice, ...]
    prompt: str

    @property
    def size(self) -> int:
        """How many readings there are: the transcript and one a name."""
        return 1 + sum(len(c.options) for c in self.choices)

    def readings(self) -> list[str]:
        """The texts to score, as they sound: the transcript, then each name written in,
        every rare character spelled as the commonest of its sound (`sound_alike`: 訾科长 is
        scored as 自科长 — as 訾 it loses some fifteen nats to its spelling alone)."""
        return [sound_alike(self.text), *(
            sound_alike(self.text[:o.start] + o.entry.text + self.text[o.end:])
            for c in self.choices for o in c.options)]

    def decide(self, scores: Sequence[float], margin: float,
               contact_margin: float | None = None) -> list[tuple[Option, float]]:
        """The names the audio supports: per choice the best-scoring name where it beats
        the transcript as heard (``scores[0]``) and every other name of the choice by
        ``margin`` (nats), a contact of another sound by ``contact_margin`` over what was
        heard (the model prefers common spellings: 连科长 scored higher as 聂科长 than as the
        卞科长 said, and 訾 loses some fifteen nats to its spelling alone, hence
        `sound_alike` in the readings); with what it gained."""
        if len(scores) != self.size:
            raise ValueError(f"{len(scores)} scores for {self.size} readings")
        heard, k = scores[0], 1
        out: list[tuple[Option, float]] = []
        for c in self.choices:
            own = list(scores[k:k + len(c.options)])
            k += len(c.options)
            best = max(range(len(own)), key=own.__getitem__)
            rest = [s for i, s in enumerate(own) if i != best]
            chosen = c.options[best]
            # a contact heard as another sound needs the wider margin; a homophone (为工 for
            # 韦工) has no commoner surname's prior to beat
            need = contact_margin if contact_margin is not None and \
                chosen.entry.kind == "contact" and chosen.cost > 0 else margin
            if own[best] - heard >= need and all(own[best] - s >= margin for s in rest):
                out.append((chosen, own[best] - heard))
        return out

    def apply(self, chosen: Sequence[tuple[Option, float]]) -> str:
        """The transcript with the chosen names written in (choices never overlap)."""
        text = self.text
        for o, _gain in sorted(chosen, key=lambda x: -x[0].start):
            text = text[:o.start] + o.entry.text + text[o.end:]
        return text


def acoustic_check(text: str, index: PhoneticIndex) -> Check | None:
    """The choices of ``text`` (None: no stretch sounds near a name it does not spell).
    Overlapping stretches are one choice, its names the nearest per name."""
    spans = index.near_spans(text, max_cost=MAX_COST, max_syllable=MAX_SYLLABLE,
                             max_surname=MAX_SURNAME)
    groups: list[tuple[int, int, list[tuple[int, int, Entry, float]]]] = []
    for s, e, en, cost in spans:                    # by start, then cost
        if groups and s < groups[-1][1]:
            gs, ge, members = groups[-1]
            groups[-1] = (gs, max(ge, e), [*members, (s, e, en, cost)])
        else:
            groups.append((s, e, [(s, e, en, cost)]))
    choices: list[Choice] = []
    for _gs, _ge, members in groups:
        best: dict[str, tuple[int, int, Entry, float]] = {}
        for m in sorted(members, key=lambda m: m[3]):
            best.setdefault(m[2].text, m)
        choices.append(Choice(tuple(Option(s, e, en, cost)
                                    for s, e, en, cost in list(best.values())[:PER_CHOICE])))
    if not choices:
        return None
    names = list(dict.fromkeys(o.entry.text for c in choices for o in c.options))[:MAX_NAMES]
    return Check(text, tuple(choices),
                 PROMPT_HEAD + SEPARATOR.join(sound_alike(n) for n in names) + PROMPT_TAIL)
