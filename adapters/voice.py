"""The voice settings handed to nlp/ (which never reads settings itself): used by the
composition root (`adapters.app.make_transcriber`) and by `crmbot transcribe`."""

from __future__ import annotations

from crm_core.settings import Settings
from nlp.asr import AsrConfig


def asr_config_from_settings(settings: Settings) -> AsrConfig:
    """Map the declared voice settings onto `AsrConfig`."""
    return AsrConfig(
        model_path=settings.whisper_model_path,
        model_size=settings.whisper_model_size,
        cache_dir=settings.whisper_cache_dir,
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
        beam_size=settings.whisper_beam_size,
        threads=settings.whisper_threads,
        decode_threads=settings.whisper_decode_threads,
        max_seconds=settings.voice_max_seconds,
        timeout_s=settings.voice_timeout_seconds,
        queue_size=settings.voice_queue_size,
        second_look=settings.voice_second_look,
        phone_look=settings.voice_phone_look,
        acoustic_check=settings.voice_acoustic_check,
    )
