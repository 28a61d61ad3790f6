"""TranscriptionWorker: off the loop, bounded queue, timeout, survives bad input."""

from __future__ import annotations

import asyncio
import os

import pytest

from nlp.asr import (
    AsrConfig,
    AudioError,
    NoSpeechError,
    QueueFullError,
    TranscriptionTimeoutError,
    TranscriptionWorker,
    UnsupportedAudioError,
    VoiceHints,
)
from nlp.types import Catalog, catalog_from_names
from tests.unit.asr.audio_gen import encode, speechlike
from tests.unit.asr.fake_engine import fake_engine, looking_engine, scoring_engine
from tests.unit.asr.office import OFFICE

GOOD = encode(speechlike(1.0), "ogg")
JPEG = b"\xff\xd8\xff\xe0" + bytes(64)


def thread_worker(**cfg: object) -> TranscriptionWorker:
    return TranscriptionWorker(AsrConfig().with_(**cfg), use_process=False,
                               engine_factory=fake_engine)


async def test_thread_worker_survives_bad_input() -> None:
    async with thread_worker() as w:
        cat = catalog_from_names(["鼓楼医院"])
        for bad in (b"", JPEG, os.urandom(500), b"BOOM"):
            with pytest.raises(AudioError) as exc:
                await w.transcribe(bad, "amr")
            assert exc.value.user_message
        t = await w.transcribe(GOOD, "ogg", cat)
        assert t.text == "ok 鼓楼医院"
        stats = await w.stats()
        assert stats["jobs"] == 5
        assert stats["failures"] == 4


async def test_queue_full_is_refused_immediately() -> None:
    async with thread_worker(queue_size=2, timeout_s=10.0) as w:
        slow = [asyncio.create_task(w.transcribe(b"TEXT:x")) for _ in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(QueueFullError) as exc:
            await w.transcribe(b"TEXT:y")
        assert "稍后" in exc.value.user_message
        assert [t.text for t in await asyncio.gather(*slow)] == ["x", "x"]
        assert (await w.transcribe(b"TEXT:z")).text == "z"


async def test_thread_timeout() -> None:
    async with thread_worker(timeout_s=0.3) as w:
        with pytest.raises(TranscriptionTimeoutError) as exc:
            await w.transcribe(b"NAP")
        assert "超时" in exc.value.user_message
        # the next job waits for the thread to be free; its own time starts then
        assert (await w.transcribe(b"TEXT:after")).text == "after"


async def test_event_loop_stays_responsive() -> None:
    async with thread_worker(timeout_s=10.0) as w:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        task = asyncio.create_task(ticker())
        await w.transcribe(b"NAP")
        task.cancel()
        # a loop blocked by the 0.8 s job would tick at most once; a free one ticks ~16 times
        # (3 leaves a loaded machine room)
        assert ticks >= 3


async def test_closed_worker_refuses() -> None:
    w = thread_worker()
    await w.close()
    with pytest.raises(AudioError):
        await w.transcribe(GOOD)
    await w.close()   # idempotent


async def test_process_worker_bad_input_timeout_and_crash(tmp_path: object) -> None:
    # the timeout leaves a loaded machine time to decode the bad inputs; only SLEEP (60 s)
    # runs into it
    cfg = AsrConfig(timeout_s=6.0)
    w = TranscriptionWorker(cfg, use_process=True, engine_factory=fake_engine)
    try:
        assert await w.start() == 0.0
        first_pid = (await w.stats())["pid"]
        with pytest.raises(UnsupportedAudioError) as exc:
            await w.transcribe(JPEG, "voice.amr")
        assert "语音" in exc.value.user_message
        with pytest.raises(NoSpeechError):
            await w.transcribe(b"", "amr")
        with pytest.raises(AudioError):
            await w.transcribe(b"BOOM")
        assert (await w.stats())["pid"] == first_pid      # still the same process
        with pytest.raises(TranscriptionTimeoutError):
            await w.transcribe(b"SLEEP")
        with pytest.raises(AudioError):
            await w.transcribe(b"CRASH")
        t = await w.transcribe(GOOD, "ogg", catalog_from_names(["瑞金医院"]))
        assert t.text == "ok 瑞金医院"
        stats = await w.stats()
        assert stats["pid"] != first_pid
        assert stats["restarts"] >= 2
        assert stats["peak_rss_mb"] > 0
    finally:
        await w.close()


async def test_process_worker_with_the_real_engine_rejects_without_loading() -> None:
    """Bad input is refused by the decoder before the model would be loaded."""
    async with TranscriptionWorker(AsrConfig(timeout_s=20.0)) as w:
        for bad in (JPEG, os.urandom(300), encode(speechlike(1.0) * 0, "ogg")):
            with pytest.raises(AudioError):
                await w.transcribe(bad, "amr")
        assert (await w.stats())["failures"] == 3


async def test_a_process_grown_past_its_memory_limit_is_replaced() -> None:
    """Every job ends over a 1 MB limit: each result still arrives, and the next job runs
    in a fresh process whose model was loaded in the background."""
    cfg = AsrConfig(recycle_rss_mb=1.0)
    async with TranscriptionWorker(cfg, use_process=True, engine_factory=fake_engine) as w:
        pids = set()
        for name in ("鼓楼医院", "瑞金医院", "华山医院"):
            t = await w.transcribe(GOOD, "ogg", catalog_from_names([name]))
            assert t.text == f"ok {name}"
            pids.add((await w.stats())["pid"])
        stats = await w.stats()
    assert stats["recycled"] == 3
    assert len(pids) == 3
    assert stats["failures"] == 0


@pytest.mark.skipif(not os.path.exists("/proc/self/environ"), reason="Linux /proc")
async def test_the_worker_process_threads_sleep_at_barriers(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """The model's OpenMP threads wait passively in the worker process (set before the
    runtime loads); an operator's OMP_WAIT_POLICY wins."""
    def environ(pid: int) -> dict[str, str]:
        with open(f"/proc/{pid}/environ", "rb") as f:
            pairs = [kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv]
        return {k.decode(): v.decode() for k, v in pairs}

    async def child_env(config: AsrConfig) -> dict[str, str]:
        """The environment of a worker process started with ``config``."""
        async with TranscriptionWorker(config, use_process=True,
                                       engine_factory=fake_engine) as w:
            await w.start()
            return environ((await w.stats())["pid"])

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert (await child_env(AsrConfig()))["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    assert (await child_env(AsrConfig()))["OMP_WAIT_POLICY"] == "ACTIVE"
    monkeypatch.delenv("OMP_WAIT_POLICY")
    assert "OMP_WAIT_POLICY" not in await child_env(AsrConfig(omp_wait_policy=None))
    # glibc's malloc arenas are capped the same way (the parts' and the replicas' threads
    # would each keep their own pages), unless the operator set them
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert (await child_env(AsrConfig()))["MALLOC_ARENA_MAX"] == "2"
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert (await child_env(AsrConfig()))["MALLOC_ARENA_MAX"] == "4"
    # MKL's own memory cache is off (it keeps the per-note buffers), unless asked for
    monkeypatch.delenv("MKL_DISABLE_FAST_MM", raising=False)
    assert (await child_env(AsrConfig()))["MKL_DISABLE_FAST_MM"] == "1"
    assert "MKL_DISABLE_FAST_MM" not in await child_env(AsrConfig(mkl_fast_mm=True))
    # … and big blocks go back to the system when freed, where the operator asks for it (a
    # fixed mmap threshold: less memory, slower notes)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert "MALLOC_MMAP_THRESHOLD_" not in await child_env(AsrConfig())
    assert (await child_env(AsrConfig(malloc_mmap_threshold_kb=32768)))[
        "MALLOC_MMAP_THRESHOLD_"] == str(32768 * 1024)
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert (await child_env(AsrConfig(malloc_mmap_threshold_kb=32768)))[
        "MALLOC_MMAP_THRESHOLD_"] == "65536"


def looking_worker(**cfg: object) -> TranscriptionWorker:
    return TranscriptionWorker(AsrConfig().with_(**cfg), use_process=False,
                               engine_factory=looking_engine)


async def test_a_second_look_prompts_the_names_the_first_heard_or_may_have_meant() -> None:
    """The first look heard 云栖科技 right, 蒋经理 as 江经理 and 办公椅 as 半公椅: the note is
    heard again with those three first in the prompt (the written one, then the two it
    may have meant); the first look's CPU time is counted in the note's."""
    async with looking_worker() as w:
        t = await w.transcribe("HEARD:云栖科技江经理说半公椅要二十把".encode(), "amr", OFFICE)
    listed, echo = t.raw_text.removeprefix("prompt ").split(" | not ")
    names = listed.split(",")                   # as heard, before snapping
    assert echo == "the first prompt"           # a segment repeating it is dropped too
    assert names[0] == "云栖科技"
    assert set(names[1:3]) == {"蒋经理", "办公椅"}
    assert "升降桌" not in names and "岑主管" not in names    # nothing sounds like them
    assert t.timings["first_look_cpu"] == 0.25 and t.timings["cpu"] == 0.75


async def test_a_second_look_that_stopped_early_keeps_what_the_first_heard_after() -> None:
    """Whisper may end a window after a sentence: the second look heard the names better
    but stopped; the rest is taken as the first look heard it, and the names are snapped
    after over all of it. A second look that heard it all, or heard something else, is the
    transcript as it is."""
    first = "云栖科技江经理说半公椅要二十把，下周三送货到云栖科记"
    async with looking_worker() as w:
        t = await w.transcribe(f"HEARD:{first}|SAID:云栖科技蒋经理说办公椅要二十把。".encode(),
                               "amr", OFFICE)
        assert t.text == "云栖科技蒋经理说办公椅要二十把。下周三送货到云栖科技"
        whole = "云栖科技蒋经理说办公椅要二十把，下周三送货过去。"
        t = await w.transcribe(f"HEARD:{first}|SAID:{whole}".encode(), "amr", OFFICE)
        assert t.text == whole
        t = await w.transcribe(f"HEARD:{first}|SAID:今天天气很好。".encode(), "amr", OFFICE)
        assert t.text == "今天天气很好。"


async def test_the_first_look_is_read_where_it_names_all_the_second_names_and_more() -> None:
    """A prompt may pull the second look off a name the first heard without one: where the
    first look, snapped, names every record the second names and more, it is the
    transcript (and what was heard, for the card's marks); a tie, names the second has
    and the first lacks, or a second look that names nothing keep the second."""
    async with looking_worker() as w:
        t = await w.transcribe("HEARD:云栖科技蒋经理说办公椅要二十把|SAID:云栖科技说办公椅要二十把"
                               .encode(), "amr", OFFICE)
        assert t.text == t.raw_text == t.first_text == "云栖科技蒋经理说办公椅要二十把"
        t = await w.transcribe("HEARD:云栖科技蒋经理说办公椅要二十把|SAID:云栖科技蒋经理说半公椅"
                               "要二十把".encode(), "amr", OFFICE)
        assert (t.raw_text, t.text) == ("云栖科技蒋经理说半公椅要二十把",
                                        "云栖科技蒋经理说办公椅要二十把")
        t = await w.transcribe("HEARD:云栖科技蒋经理说升降桌要二十把|SAID:云栖科技说办公椅要二十把"
                               .encode(), "amr", OFFICE)
        assert t.text == "云栖科技说办公椅要二十把"
        # a second look that names nothing is no look that lost a name
        t = await w.transcribe("HEARD:云栖科技蒋经理说办公椅要二十把|SAID:今天天气很好。".encode(),
                               "amr", OFFICE)
        assert t.text == "今天天气很好。"


async def test_a_mobile_number_the_job_heard_whole_is_whole_in_the_first_look_too() -> None:
    """The job heard the number whole (its phone look), the first look with a digit lost;
    where the first look is read (it names more), its number is the whole one; a number of
    other digits is no mend."""
    async with looking_worker() as w:
        t = await w.transcribe("HEARD:云栖科技蒋经理的手机是1527204618|SAID:云栖科技的手机是"
                               "15277204618".encode(), "amr", OFFICE)
        assert t.text == t.first_text == "云栖科技蒋经理的手机是15277204618"
        t = await w.transcribe("HEARD:云栖科技蒋经理的手机是1527204618|SAID:云栖科技的手机是"
                               "13977204618".encode(), "amr", OFFICE)
        assert t.text == "云栖科技蒋经理的手机是1527204618"


def test_the_lost_tail_is_taken_only_after_where_the_second_look_ended() -> None:
    from nlp.asr.transcribe import with_lost_tail

    first = "望江酒店干总同意了风机盘馆的改造方案。这中午下午3点去签合同。"
    assert with_lost_tail("望江酒店、甘总同意了风机盘管的改造方案。", first) == \
        "望江酒店、甘总同意了风机盘管的改造方案。这中午下午3点去签合同。"
    # it goes on with other words after the match: not stopped early, kept as it is
    assert with_lost_tail("望江酒店甘总同意了方案，谢谢", first) == "望江酒店甘总同意了方案，谢谢"
    # the first heard three characters more only: nothing was lost
    assert with_lost_tail("望江酒店甘总同意了", "望江酒店甘总同意了风机") == "望江酒店甘总同意了"


async def test_without_a_second_look_or_a_catalog_the_note_is_heard_once() -> None:
    audio = "HEARD:云栖科技江经理说半公椅要二十把".encode()
    async with looking_worker(second_look=False) as w:
        once = await w.transcribe(audio, "amr", OFFICE)
    # the usual prompt: the catalog's names in its own order
    assert once.raw_text == "prompt 云栖科技,蒋经理,办公椅,甬江家居,岑主管,升降桌"
    assert "first_look_cpu" not in once.timings
    async with looking_worker() as w:
        plain = await w.transcribe(audio, "amr")
        # the rep's likely names already in the prompt: a second look changed nothing there
        # (benchmarks), so the note is heard once
        rep = await w.transcribe(audio, "amr", OFFICE, VoiceHints(likely=("甬江家居", "岑主管")))
    assert plain.raw_text == "prompt "
    assert rep.raw_text == "prompt 甬江家居,岑主管" and "first_look_cpu" not in rep.timings


async def test_a_second_look_that_keeps_nothing_falls_back_to_the_usual_prompt() -> None:
    async with looking_worker() as w:
        t = await w.transcribe("HEARD:云栖科技江经理说半公椅|ONCE-EMPTY".encode(), "amr",
                               OFFICE)
        stats = await w.stats()
    assert t.raw_text == "prompt 云栖科技,蒋经理,办公椅,甬江家居,岑主管,升降桌"
    assert stats["failures"] == 0


async def test_where_both_later_looks_keep_nothing_the_first_look_is_read() -> None:
    """The second look and the usual one each kept nothing (a loop at the end dropped the
    only segment): the note is what the first look kept, not refused as silence."""
    async with looking_worker() as w:
        t = await w.transcribe("HEARD:云栖科技江经理说半公椅要二十把|EMPTY".encode(), "amr",
                               OFFICE)
        stats = await w.stats()
    assert t.raw_text == t.first_text == "云栖科技江经理说半公椅要二十把"
    assert t.text == "云栖科技蒋经理说办公椅要二十把"      # snapped as any transcript
    assert t.duration_s == 3.0 and t.model == "whisper-base"
    assert stats["failures"] == 0


_GAS = Catalog.from_dict({
    "customers": [{"name": "潍坊寿光蔬菜冷链中心", "aliases": ["寿光冷链"]}],
    "contacts": [{"name": "隋立新", "customer": "潍坊寿光蔬菜冷链中心", "title": "主管",
                  "aliases": ["隋主管"]}],
    "products": [{"name": "制氮机"}]})


def scoring_worker() -> TranscriptionWorker:
    return TranscriptionWorker(AsrConfig(), use_process=False, engine_factory=scoring_engine)


async def test_the_acoustic_check_writes_the_name_the_model_scores_above_what_was_heard(
        ) -> None:
    """贼主管 heard: the worker's model is asked about 隋主管, scores it higher, and the card
    shows it marked as not heard so."""
    async with scoring_worker() as w:
        t = await w.transcribe("TEXT:上午见了贼主管，下周二报价|PREFER:隋主管".encode(), None,
                               _GAS)
    assert t.text == "上午见了隋主管，下周二报价"
    assert [(m.heard, m.written, m.kind) for m in t.marks] == [("贼主管", "隋主管", "contact")]
    assert "acoustic_check" in t.timings


@pytest.mark.parametrize("tail", ["", "|SCORE-FAILS"])
async def test_the_acoustic_check_writes_nothing_the_model_does_not_support(tail: str) -> None:
    """The model prefers what was heard (or fails): the transcript stays as heard."""
    async with scoring_worker() as w:
        t = await w.transcribe(f"TEXT:上午见了贼主管，下周二报价{tail}".encode(), None, _GAS)
        again = await w.transcribe(b"TEXT:ok", None, _GAS)     # the worker still serves
    assert t.text == "上午见了贼主管，下周二报价" and not t.marks
    assert again.text == "ok"
