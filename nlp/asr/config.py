"""`AsrConfig`: every knob of the voice path in one frozen value.

The composition root maps the ``CRMBOT_WHISPER_*`` / ``CRMBOT_VOICE_*`` settings onto it;
nlp/ itself never reads settings or the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "crmbot" / "whisper"


@dataclass(frozen=True, slots=True)
class AsrConfig:
    # --- model ------------------------------------------------------------------------
    model_path: Path | None = None      # a CTranslate2 Whisper dir; None: assembled default
    model_size: str = "base"            # name of the packaged model ("base" is shipped)
    cache_dir: Path = field(default_factory=default_cache_dir)
    device: str = "auto"                # auto | cpu | cuda
    compute_type: str = "int8"          # int8 | int8_float16 | float16 | float32 | default
    threads: int = 2                    # CPU cores the model may use, in all
    decode_threads: int = 1             # OpenMP threads of one model replica; the model runs
                                        # threads // decode_threads replicas that share its
                                        # weights (one copy in memory). Measured on a 2-vCPU AMD
                                        # EPYC (AVX2): one pass of beam 4 over a 15 s note took
                                        # 1.19 s on 1 thread, 1.69 s on 2 (the per-token steps are
                                        # too small to share); the encoder 0.80 s vs 0.47 s.
                                        # Hearing a note in parts, one per replica (below), gets
                                        # both: every core on the encoder and on the decoder.
    omp_wait_policy: str | None = "PASSIVE"  # the worker process's OpenMP threads sleep at a
                                        # barrier instead of spinning: on two cores shared with
                                        # the bot, 5 shared 15 s notes in-process took 9.9–17.6 s
                                        # wall PASSIVE vs 13.5–19.9 s spinning (7 pairs, load
                                        # 4–6); None: libgomp's default. OMP_WAIT_POLICY set in
                                        # the environment wins.
    split_min_s: float | None = 8.0     # a note this long (s) or longer is heard in parts,
                                        # one per replica, in parallel, cut in the pauses
                                        # nearest equal shares of its speech; None: whole
    split_min_part_s: float = 3.0       # … each part holding this much speech at least
    split_pause_ms: int = 250           # a pause: this much silence (Silero VAD) at least
    resume_below_cps: float = 3.2       # a note heard whole that yields fewer characters a
                                        # second than this (read speech: 3.7–6, median 4.7
                                        # over 2,080 dev notes) may have lost its end (Whisper
                                        # wrote the first sentence and stopped: 15 of 35
                                        # characters in 6.4 s): it is heard again in two
                                        # parts cut in a pause, kept where they hold more
    resume_min_s: float = 4.0           # … only notes this long or longer
    resume_min_part_s: float = 1.5      # … each part holding this much speech at least
    # --- decoding ---------------------------------------------------------------------
    language: str = "zh"
    beam_size: int = 4                  # measured (shared clips, 2 threads): CPU time p95 per
                                        # 15 s note 3.18 s at 5, 2.88 s at 4, 2.69 s at 3;
                                        # CER 0.144 at 5 and 4, 0.148 at 3
    max_new_tokens: int = 300           # per window (clamped so that prompt + it ≤ 448):
                                        # a full 30 s window of Mandarin needs ~250
    single_window_s: float = 20.0       # notes up to this long: one short window, no
                                        # timestamps (fast); longer: timestamped 30 s windows
    vad: bool = True
    prompt_token_budget: int = 120      # tokens for the name prompt (Whisper allows 223)
    second_look: bool = True            # with a catalog and no likely names of the rep: a
                                        # quick first pass, then the note again with a prompt
                                        # of the names it heard or may have meant
                                        # (`nlp.asr.transcribe.second_look_for`)
    first_look_beam: int = 1            # the first pass: greedy (the encoder's output is
                                        # reused by the second)
    second_look_max_cost: float = 0.35  # a name "may have been meant": this far per
                                        # syllable (`PhoneticIndex.near_forms`) …
    second_look_names: int = 12         # … at most this many of them
    phone_look: bool = True             # a mobile number heard with a digit or two lost: the
                                        # note heard again with a number written out in the
                                        # prompt, and the number taken where it holds the
                                        # digits heard (`nlp.asr.spoken.mend_mobile`)
    acoustic_check: bool = True         # where the transcript sounds near catalog names it
                                        # does not spell, the model scores each reading and a
                                        # name is written where the audio supports it
                                        # (`nlp.asr.arbiter`)
    acoustic_margin: float = 1.0        # … by this many nats over what was heard and over
                                        # every other candidate of the stretch, …
    acoustic_contact_margin: float = 2.0  # … a contact by this many over what was heard
                                          # (3.5 before rare surnames were scored by sound:
                                          # 2.0 wrote more right names on 30 sets, no wrong)
    window_margin_s: float | None = 5.0  # encoder sees speech + this, not a padded 30 s;
                                         # None: Whisper's standard 30 s windows
    # --- guards -----------------------------------------------------------------------
    max_seconds: float = 60.0           # longer notes are politely refused
    max_bytes: int = 20 * 1024 * 1024   # refuse bigger uploads before decoding
    min_speech_seconds: float = 0.3
    silence_rms: float = 0.003          # RMS below this (full scale 1.0) is silence
    no_speech_threshold: float = 0.6    # drop a segment: no_speech_prob above this …
    logprob_threshold: float = -1.0     # … and avg_logprob below this (Whisper's rule)
    min_avg_logprob: float = -1.0       # drop a segment below this regardless
    max_compression_ratio: float = 2.4  # repetitive loops
    snap_min_avg_logprob: float = -0.8  # below this, names are not snapped in
    # --- worker -----------------------------------------------------------------------
    timeout_s: float = 30.0             # per job, processing time
    queue_size: int = 8                 # jobs waiting or running; more are refused
    recycle_rss_mb: float = 300.0       # a worker process above this after a job is replaced
                                        # (its memory grows with the jobs: ~355 MB after 40
                                        # notes, ~500 MB after 114); a job adds up to ~100 MB
                                        # while it runs (more on AMD EPYC, no MKL: at 340 the
                                        # peak was 484–514 MB over six runs of `benchmarks.
                                        # voice --no-baseline`, at 300 423–461 MB, 15 s notes'
                                        # p95 no slower), so the peak stays under 500 MB
    malloc_arenas: int | None = 2       # glibc malloc arenas of the worker process
                                        # (MALLOC_ARENA_MAX): each thread (the parts', the
                                        # model replicas') would get its own and keep its pages
    mkl_fast_mm: bool = False           # Intel MKL's own memory cache (CTranslate2 uses MKL
                                        # on Intel CPUs): off (MKL_DISABLE_FAST_MM=1), MKL
                                        # allocates with malloc and frees at once. Measured on
                                        # an Intel Xeon (AVX-512, 2 vCPUs, `benchmarks.voice
                                        # --no-baseline`, alternately, three runs each): worker
                                        # peak RSS 466 / 428 / 466 MB with the cache, 422 / 420 /
                                        # 436 MB without; 15 s notes p95 2.44 / 2.10 / 2.53 s vs
                                        # 2.54 / 2.57 / 2.52 s, 6 s clips the same. No effect
                                        # where MKL is not used (AMD)
    malloc_mmap_threshold_kb: int | None = None  # glibc serves blocks this big (KB) or
                                        # bigger from their own pages and gives them back when
                                        # freed (MALLOC_MMAP_THRESHOLD_, fixed: glibc's own
                                        # threshold grows with each big block freed, and the
                                        # heap then keeps the model's per-note buffers). For a
                                        # host short of memory; off by default: measured on an
                                        # Intel Xeon (AVX-512, 2 vCPUs, `benchmarks.voice
                                        # --no-baseline`), peak RSS 438–465 MB → 412 MB at
                                        # 128 KB, 411–432 MB at 32 MB, but the 15 s notes' p95
                                        # 1.63–1.83 s → 3.26–3.33 s and 2.35–2.45 s

    def with_(self, **changes: Any) -> AsrConfig:
        """A copy with some fields changed (``cfg.with_(beam_size=1)``)."""
        return replace(self, **changes)

    def resolved_device(self) -> str:
        """``auto`` → ``cuda`` when CTranslate2 sees a GPU, else ``cpu``."""
        if self.device != "auto":
            return self.device
        try:
            import ctranslate2

            return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        except Exception:  # any failure means no usable GPU
            return "cpu"

    def replicas(self, device: str) -> int:
        """Model replicas (sharing one copy of the weights): one per ``decode_threads`` of
        ``threads`` on a CPU, one on a GPU."""
        if device != "cpu":
            return 1
        return max(1, self.threads // max(1, self.decode_threads))

    def intra_threads(self, device: str) -> int:
        """OpenMP threads of each replica."""
        return max(1, min(self.decode_threads, self.threads)) if device == "cpu" else \
            self.threads

    def resolved_compute_type(self, device: str) -> str:
        """int8 on CPU; on a GPU int8 becomes int8_float16 (faster, same memory)."""
        if device == "cuda" and self.compute_type == "int8":
            return "int8_float16"
        return self.compute_type
