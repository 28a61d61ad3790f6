"""`TranscriptionWorker`: transcription off the asyncio event loop.

One job runs at a time in a dedicated child process (default) or a dedicated thread; the
event loop only awaits. At most ``config.queue_size`` jobs may be running or waiting: the
next one is refused at once with `QueueFullError`. Each job gets ``config.timeout_s`` of
processing time: in process mode a job over time has its process killed (a fresh one is
started for the next job), in thread mode the caller gets `TranscriptionTimeoutError` while
the thread finishes in the background. A crashing or misbehaving input only ever costs its
own job: every failure reaches the caller as an `AudioError`, and the worker stays alive.

    worker = TranscriptionWorker(config)
    await worker.start()                                  # optional: load the model now
    transcript = await worker.transcribe(data, "amr", catalog)
    await worker.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from nlp.asr.config import AsrConfig
from nlp.asr.errors import (
    AudioError,
    ModelUnavailableError,
    NoSpeechError,
    QueueFullError,
    TranscriptionTimeoutError,
)
from nlp.asr.model import model_name
from nlp.asr.neworgs import warm as warm_new_orgs
from nlp.asr.prompt import PHONE_EXAMPLE_DIGITS, VoiceHints, prompt_vocabulary, prompt_words
from nlp.asr.snap import snap_transcript_names
from nlp.asr.spoken import mend_mobile
from nlp.asr.transcribe import (
    Transcriber,
    Transcript,
    acoustic_check_of,
    names_heard_near,
    second_look_for,
    snap_names_of,
    with_acoustic_check,
    with_lost_tail,
)
from nlp.phonetic import sound_alike
from nlp.types import Catalog

log = logging.getLogger(__name__)

START_TIMEOUT_S = 300.0   # first start may assemble the model (hashing ~145 MB)


class Engine(Protocol):
    def load(self) -> float: ...

    def transcribe(
        self, audio: bytes, fmt: str | None = None, vocabulary: Catalog | None = None,
        hints: VoiceHints | None = None,
    ) -> Transcript: ...


EngineFactory = Callable[[AsrConfig], Engine]


def default_engine(config: AsrConfig) -> Engine:
    return Transcriber(config)


def _status_mb(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status (``VmHWM``, ``VmRSS``), MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _peak_rss_mb() -> float:
    """This process's peak resident memory. Linux: VmHWM, which starts afresh at exec —
    ru_maxrss keeps the high-water mark of the (possibly large) parent it was forked from."""
    peak = _status_mb("VmHWM")
    if peak is not None:
        return peak
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def _release_memory() -> None:
    """Hand the allocator's free pages back to the system (glibc ``malloc_trim``): a job's
    buffers otherwise stay resident, the process grows towards ``recycle_rss_mb`` and is
    replaced, and the next note waits for the new one to load (measured on the shared
    clips: 383 MB after 72 jobs without, 332 MB with; about 6 ms a call)."""
    trim = _malloc_trim()
    if trim is not None:
        with contextlib.suppress(Exception):
            trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        fn: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):   # not glibc (musl, …): nothing to trim
        return None
    return fn


def _rss_mb() -> float:
    """This process's resident memory now (0 where /proc is not there)."""
    return _status_mb("VmRSS") or 0.0


def _as_audio_error(exc: BaseException) -> AudioError:
    if isinstance(exc, AudioError):
        return exc
    return AudioError(f"internal error while transcribing: {exc!r}")


def _run_job(engine: Engine, audio: bytes, fmt: str | None, vocabulary: Catalog | None,
             hints: VoiceHints | None) -> Transcript:
    if hints is None:   # engines written before hints existed take three arguments
        return engine.transcribe(audio, fmt, vocabulary)
    return engine.transcribe(audio, fmt, vocabulary, hints)


def _with_first_tail(result: Transcript, first: str) -> Transcript:
    """The second look's transcript completed by what only the first look heard after
    where the second stopped early (`with_lost_tail`), read as the worker reads a text
    (spoken numbers and weekdays; names are snapped after)."""
    raw = with_lost_tail(result.raw_text, first, result.segments)
    if raw == result.raw_text:
        return result
    return replace(result, raw_text=raw, text=snap_transcript_names(raw, None).text)


def _first_look_transcript(heard: str, duration_s: float, fmt: str | None,
                           config: AsrConfig, prompt: str) -> Transcript:
    """The first look's text as the transcript (both later looks kept nothing): what the
    first look kept passed its own checks (silence, loops, echoes of its prompt), read as
    the worker reads a text (spoken numbers and weekdays; names are snapped after)."""
    return Transcript(
        text=snap_transcript_names(heard, None).text, language=config.language,
        duration_s=round(duration_s, 2), seconds=0.0, model=model_name(config),
        raw_text=heard, whisper_text=heard, format=fmt or "", prompt=prompt,
        first_text=heard)


def _first_look(engine: Engine, audio: bytes, fmt: str | None, hints: VoiceHints | None
                ) -> tuple[str, float, str, float]:
    """What a quick first pass hears, its CPU seconds, its prompt and the note's length
    (`Transcriber.first_look`); "" from an engine that has none (then the note is heard
    once)."""
    look = getattr(engine, "first_look", None)
    return look(audio, fmt, hints) if look is not None else ("", 0.0, "", 0.0)


def _score(engine: Engine, audio: bytes, fmt: str | None, prompt: str,
           texts: list[str]) -> list[float]:
    """The model's score of each reading of the note (`Transcriber.score`, the acoustic
    check); [] from an engine that has none (then nothing is checked)."""
    score = getattr(engine, "score", None)
    return list(score(audio, fmt, prompt, texts)) if score is not None else []


def _serve(conn: Connection, config: AsrConfig, factory: EngineFactory) -> None:
    """The child process: answer requests until told to stop or the pipe closes."""
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C
    engine: Engine | None = None
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        kind = msg[0]
        if kind == "stop":
            return
        try:
            if engine is None:
                engine = factory(config)
            if kind == "load":
                reply: tuple[str, Any] = ("ok", engine.load())
            elif kind == "first":
                reply = ("ok", _first_look(engine, *msg[1:]))
            elif kind == "score":
                scores = _score(engine, *msg[1:])
                _release_memory()
                reply = ("recycle" if _rss_mb() > config.recycle_rss_mb else "ok", scores)
            elif kind == "job":
                _, audio, fmt, vocabulary, hints = msg
                result = _run_job(engine, audio, fmt, vocabulary, hints)
                _release_memory()
                # memory grows with the jobs (allocator caches, fragmentation): past the
                # limit, the parent replaces this process once it has the result
                reply = ("recycle" if _rss_mb() > config.recycle_rss_mb else "ok", result)
            elif kind == "stats":
                reply = ("ok", {"peak_rss_mb": _peak_rss_mb(), "pid": os.getpid()})
            else:
                reply = ("err", AudioError(f"unknown request {kind!r}"))
        except BaseException as exc:  # the worker must survive any input
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                return
            reply = ("err", _as_audio_error(exc))
        try:
            conn.send(reply)
        except Exception as exc:  # an unpicklable result: report it instead
            conn.send(("err", AudioError(f"cannot send result: {exc!r}")))


def child_main(argv: list[str] | None = None) -> int:
    """Entry point of the worker process: ``python -m nlp.asr._child FD``.

    A fresh interpreter (not ``multiprocessing``), so the parent's ``__main__`` is never
    re-imported. It talks over the socket ``FD``; the first message is (config, factory).
    Its stdout is pointed at stderr so that stray prints cannot corrupt the channel.
    """
    args = sys.argv[1:] if argv is None else argv
    conn = Connection(int(args[0]))
    with contextlib.suppress(OSError):
        os.dup2(2, 1)
    try:
        config, factory = conn.recv()
        _serve(conn, config, factory)
    except (EOFError, OSError):
        return 1
    finally:
        conn.close()
    return 0


class _ProcessBackend:
    """Talks to one child process; all calls block, and run on the worker's thread."""

    def __init__(self, config: AsrConfig, factory: EngineFactory) -> None:
        self.config = config
        self.factory = factory
        self.proc: Any = None
        self.conn: Connection | None = None
        self.started = 0
        self.restarts = 0
        self.recycled = 0
        self.past_peak_rss_mb = 0.0        # the highest peak of the processes replaced

    def _ensure(self) -> Connection:
        if self.proc is not None and self.proc.poll() is None and self.conn is not None:
            return self.conn
        if self.proc is not None:
            self.kill()
        if self.started:
            self.restarts += 1
        self.started += 1
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])   # the dir holding nlp/
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (root, env.get("PYTHONPATH", "")) if p
        )
        if self.config.omp_wait_policy and "OMP_WAIT_POLICY" not in env:
            env["OMP_WAIT_POLICY"] = self.config.omp_wait_policy   # read when libgomp loads
        if self.config.malloc_arenas and "MALLOC_ARENA_MAX" not in env:
            env["MALLOC_ARENA_MAX"] = str(self.config.malloc_arenas)   # read by glibc at start
        if not self.config.mkl_fast_mm and "MKL_DISABLE_FAST_MM" not in env:
            env["MKL_DISABLE_FAST_MM"] = "1"       # read when MKL loads
        if self.config.malloc_mmap_threshold_kb and "MALLOC_MMAP_THRESHOLD_" not in env:
            env["MALLOC_MMAP_THRESHOLD_"] = str(self.config.malloc_mmap_threshold_kb * 1024)
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "nlp.asr._child", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env,
                close_fds=True,
            )
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        try:
            conn.send((self.config, self.factory))
        except OSError as exc:
            proc.kill()
            raise ModelUnavailableError(f"cannot start transcription process: {exc}") from exc
        self.proc, self.conn = proc, conn
        log.info("started transcription process pid %s", proc.pid)
        return conn

    def call(self, msg: tuple[Any, ...], timeout: float) -> Any:
        conn = self._ensure()
        try:
            conn.send(msg)
            if not conn.poll(timeout):
                log.warning("transcription process %s over %.0f s: killing it",
                            self.proc.pid, timeout)
                self.kill()
                raise TranscriptionTimeoutError(f"job took longer than {timeout:.0f} s")
            status, value = conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError) as exc:
            code = self.proc.poll() if self.proc is not None else None
            self.kill()
            raise AudioError(
                f"transcription process died (exit code {code}): {exc!r}"
            ) from exc
        if status == "err":
            raise _as_audio_error(value)
        if status == "recycle":
            log.info("transcription process %s over %.0f MB: replacing it",
                     self.proc.pid, self.config.recycle_rss_mb)
            with contextlib.suppress(OSError, EOFError):
                conn.send(("stats",))
                if conn.poll(10.0):
                    _status, info = conn.recv()
                    self.past_peak_rss_mb = max(self.past_peak_rss_mb,
                                                float(info["peak_rss_mb"]))
            self.stop()
            self.recycled += 1
        return value

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def kill(self) -> None:
        proc, conn = self.proc, self.conn
        self.proc, self.conn = None, None
        if conn is not None:
            conn.close()
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)

    def stop(self) -> None:
        if self.conn is not None and self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(("stop",))
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
        self.kill()


class _ThreadBackend:
    """The engine in this process, driven from the worker's single thread."""

    def __init__(self, config: AsrConfig, factory: EngineFactory) -> None:
        self.config = config
        self.factory = factory
        self.engine: Engine | None = None
        self.restarts = 0

    def call(self, msg: tuple[Any, ...], timeout: float) -> Any:
        del timeout   # enforced by the caller with asyncio.wait_for
        try:
            if self.engine is None:
                self.engine = self.factory(self.config)
            kind = msg[0]
            if kind == "load":
                return self.engine.load()
            if kind == "first":
                return _first_look(self.engine, *msg[1:])
            if kind == "score":
                return _score(self.engine, *msg[1:])
            if kind == "job":
                _, audio, fmt, vocabulary, hints = msg
                return _run_job(self.engine, audio, fmt, vocabulary, hints)
            if kind == "stats":
                return {"peak_rss_mb": _peak_rss_mb(), "pid": os.getpid()}
            raise AudioError(f"unknown request {kind!r}")
        except Exception as exc:
            raise _as_audio_error(exc) from exc

    @property
    def pid(self) -> int | None:
        return os.getpid()

    def stop(self) -> None:
        self.engine = None


class TranscriptionWorker:
    """Bounded, timed transcription off the event loop. Plain asyncio; no web framework."""

    def __init__(
        self,
        config: AsrConfig | None = None,
        *,
        use_process: bool = True,
        engine_factory: EngineFactory | None = None,
    ) -> None:
        self.config = config or AsrConfig()
        factory = engine_factory or default_engine
        self.use_process = use_process
        self._backend: _ProcessBackend | _ThreadBackend = (
            _ProcessBackend(self.config, factory) if use_process
            else _ThreadBackend(self.config, factory)
        )
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crmbot-asr")
        self._lock: asyncio.Lock | None = None
        self._busy: asyncio.Future[Any] | None = None   # the job on the thread, if any
        self._pending = 0
        self._closed = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.jobs = 0
        self.failures = 0
        self.load_seconds: float | None = None

    # ---------------------------------------------------------------- public API
    async def start(self) -> float:
        """Start the worker and load the model now; returns the model load time (s)."""
        seconds = await self._submit(("load",), START_TIMEOUT_S)
        await asyncio.to_thread(warm_new_orgs)     # the snapping here reads them
        await asyncio.to_thread(sound_alike, "")   # … and the acoustic check its sound table
        self.load_seconds = float(seconds)
        return self.load_seconds

    async def transcribe(
        self, audio: bytes, fmt: str | None = None, vocabulary: Catalog | None = None,
        hints: VoiceHints | None = None,
    ) -> Transcript:
        """Transcribe one voice note. Raises `AudioError` (see ``.user_message``) only.

        The worker only hears: it gets the prompt's names (not the catalog, which may be
        large) and returns the transcript with spoken forms fixed; names are snapped here,
        in the caller's process, which already holds the catalog and its indexes (and
        keeps them out of the worker's memory). With a catalog and no likely names of the
        rep (`second_look_for`) the worker first hears the note quickly without names, the
        names it heard or may have meant are chosen here (`names_heard_near`), and the note
        is heard again with them in the prompt (the worker keeps the encoder's output from
        the first time).
        """
        self.jobs += 1
        names = prompt_vocabulary(vocabulary, hints)
        no_names = hints is not None and not hints.names_in_prompt
        prompt_hints = (VoiceHints(names_in_prompt=False) if no_names
                        else VoiceHints(likely=tuple(names), preset_words=False,
                                        words=tuple(prompt_words(vocabulary, hints)))
                        if names else None)
        timeout = self.config.timeout_s
        try:
            again: VoiceHints | None = None
            first_cpu = 0.0
            heard = ""      # what the first look heard
            if vocabulary is not None and second_look_for(self.config, vocabulary, hints):
                # the first look without names (as `Transcriber.transcribe_pcm`'s)
                heard, first_cpu, first_prompt, duration = await self._submit(
                    ("first", bytes(audio), fmt, None), timeout)
                near: tuple[str, ...] = await asyncio.to_thread(
                    names_heard_near, heard, vocabulary, self.config) if heard else ()
                if near:
                    again = VoiceHints(likely=near, echo_of=(first_prompt,))
            try:
                result = await self._submit(
                    ("job", bytes(audio), fmt, None, again or prompt_hints), timeout)
            except NoSpeechError:
                if again is None:
                    raise
                # the second look kept nothing the first one heard: hear it as usual, and
                # where that keeps nothing either (a loop at the end, say), read the first
                # look, as `Transcriber.transcribe_pcm` does in the process
                try:
                    result = await self._submit(
                        ("job", bytes(audio), fmt, None, prompt_hints), timeout)
                except NoSpeechError:
                    result = await asyncio.to_thread(
                        _first_look_transcript, heard, duration, fmt, self.config,
                        first_prompt)
        except AudioError:
            self.failures += 1
            raise
        assert isinstance(result, Transcript)
        if heard:           # a mobile number the job heard whole (its phone look), whole
            heard = mend_mobile(heard, result.raw_text, PHONE_EXAMPLE_DIGITS)   # here too
        if heard:           # a second look that stopped early: the rest as first heard
            result = replace(_with_first_tail(result, heard), first_text=heard)
        if first_cpu:
            result = replace(result, timings={
                **result.timings, "first_look_cpu": round(first_cpu, 3),
                "cpu": round(result.timings.get("cpu", 0.0) + first_cpu, 3)})
        self._warm_after_recycle()
        if vocabulary is None or result.low_confidence:
            return result
        affinity = hints.snap_affinity() if hints is not None else None
        snapped = await asyncio.to_thread(snap_names_of, result, vocabulary, affinity)
        return await self._acoustic_check(snapped, audio, fmt, vocabulary)

    async def _acoustic_check(self, t: Transcript, audio: bytes, fmt: str | None,
                              vocabulary: Catalog) -> Transcript:
        """The names the audio supports where the transcript sounds near ones it does not
        spell (`nlp.asr.arbiter`): the readings are chosen here, scored by the worker's
        model. A check that fails costs the check only: the transcript stays as snapped."""
        check = await asyncio.to_thread(acoustic_check_of, t, vocabulary, self.config)
        if check is None:
            return t
        t0 = time.perf_counter()
        try:
            scores = await self._submit(("score", bytes(audio), fmt, check.prompt,
                                         check.readings()), self.config.timeout_s)
        except AudioError as exc:
            log.warning("acoustic check skipped: %s", type(exc).__name__)
            return t
        return await asyncio.to_thread(with_acoustic_check, t, check, scores, vocabulary,
                                       self.config, time.perf_counter() - t0)

    def _warm_after_recycle(self) -> None:
        """After the process was replaced, load the model in the new one now (queued like a
        job), so that the next note does not wait for it."""
        backend = self._backend
        if not isinstance(backend, _ProcessBackend) or backend.proc is not None or \
                self._closed or not backend.recycled:
            return
        task = asyncio.get_running_loop().create_task(self._reload())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reload(self) -> None:
        with contextlib.suppress(AudioError):
            await self._submit(("load",), START_TIMEOUT_S)

    async def stats(self) -> dict[str, Any]:
        """pid, peak RSS (MB) over the processes that did the work (and of the current one:
        ``process_peak_rss_mb``), jobs, failures, restarts, processes recycled."""
        info = dict(await self._submit(("stats",), 10.0))
        past = float(getattr(self._backend, "past_peak_rss_mb", 0.0))
        info["process_peak_rss_mb"] = info["peak_rss_mb"]
        info["peak_rss_mb"] = max(float(info["peak_rss_mb"]), past)   # over all processes
        info.update(jobs=self.jobs, failures=self.failures, restarts=self._backend.restarts,
                    recycled=getattr(self._backend, "recycled", 0),
                    pending=self._pending, load_seconds=self.load_seconds,
                    mode="process" if self.use_process else "thread")
        return info

    @property
    def pending(self) -> int:
        return self._pending

    async def close(self) -> None:
        """Refuse new jobs, let the current one end, stop the process and the thread."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        lock = self._get_lock()
        async with lock:
            await loop.run_in_executor(self._executor, self._backend.stop)
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def __aenter__(self) -> TranscriptionWorker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---------------------------------------------------------------- internals
    def _get_lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _submit(self, msg: tuple[Any, ...], limit_s: float) -> Any:
        if self._closed:
            raise ModelUnavailableError("transcription worker is closed")
        if self._pending >= self.config.queue_size:
            raise QueueFullError(
                f"{self._pending} voice jobs pending (limit {self.config.queue_size})"
            )
        self._pending += 1
        try:
            async with self._get_lock():
                if self._closed:
                    raise ModelUnavailableError("transcription worker is closed")
                if self._busy is not None and not self._busy.done():
                    # a job that timed out is still running on the thread (thread mode):
                    # our time starts when it is done
                    await asyncio.wait([self._busy])
                loop = asyncio.get_running_loop()
                t0 = time.perf_counter()
                fut = loop.run_in_executor(self._executor, self._backend.call, msg, limit_s)
                self._busy = fut
                try:
                    # the process backend enforces the limit itself (and kills the child);
                    # this outer one covers the thread backend and a hung pipe.
                    grace = 5.0 if self.use_process else 0.0
                    return await asyncio.wait_for(asyncio.shield(fut), limit_s + grace)
                except TimeoutError:
                    raise TranscriptionTimeoutError(
                        f"job took longer than {time.perf_counter() - t0:.0f} s"
                    ) from None
        finally:
            self._pending -= 1
