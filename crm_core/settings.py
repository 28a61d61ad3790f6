"""All settings, from `CRMBOT_*` environment variables or `.env` (see .env.example).

Secrets are `SecretStr`: they never appear in logs or reprs.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CRMBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- core -------------------------------------------------------------------------
    database_url: str = "sqlite:///var/crmbot.db"
    timezone: str = "Asia/Shanghai"
    now: datetime | None = None            # freeze the clock (demos, tests, time travel)
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8080
    reuse_port: bool = False               # SO_REUSEPORT: several serve processes, one port
    shutdown_seconds: float = 20.0         # on SIGTERM: time for in-flight work to finish
    # PostgreSQL with autovacuum off: how often serve vacuums the tables that are due (0: never)
    db_maintenance_seconds: float = 10.0
    public_url: str = ""                   # https://crm.example.com: links the bot hands out
    max_body_bytes: int = 64 * 1024        # /api/leads
    api_token: SecretStr | None = None     # optional bearer token for /api/leads
    dialog_ttl_minutes: int = 30           # an unanswered question lapses after this
    draft_ttl_hours: int = 24              # an unconfirmed note stays a draft this long
    draft_remind_hours: int = 3            # … and its author is reminded this long before
    undo_window_minutes: int = 30          # 撤销 takes back a save this recent
    api_rate_per_ip: str = "120/60"        # /api/leads: N posts per S seconds per client IP
    api_rate_per_person: str = "6/600"     # … per phone / e-mail in the body; "0" = off
    api_trusted_proxies: str = ""          # proxies whose X-Forwarded-For is believed
    dispatch_concurrency: int = 0          # chat messages handled at once; 0 = 8 SQLite / 32 PG
    required_followup_fields: str = "customer,summary,next_action,next_date"

    # --- voice (faster-whisper) -------------------------------------------------------
    whisper_model_path: Path | None = None     # a CTranslate2 model dir; default: assembled base
    whisper_model_size: str = "base"
    whisper_cache_dir: Path = Path.home() / ".cache" / "crmbot" / "whisper"
    whisper_device: str = "auto"               # auto | cpu | cuda
    whisper_compute_type: str = "int8"
    whisper_beam_size: int = 4    # see nlp/asr/config.py (CPU time vs accuracy measured)
    whisper_threads: int = 2       # cores for Whisper in all
    whisper_decode_threads: int = 1   # per model replica (nlp/asr/config.py)
    voice_max_seconds: float = 60.0
    voice_timeout_seconds: float = 30.0
    voice_queue_size: int = 8
    voice_second_look: bool = True   # without the rep's likely names, hear a note twice: the
                                     # second time with the names the first heard or may
                                     # have meant (nlp/asr/config.py)
    voice_phone_look: bool = True    # a mobile number heard with a digit lost: hear the
                                     # note again with a number written out in the prompt
    voice_acoustic_check: bool = True  # a stretch that sounds near catalog names: the model
                                       # scores each reading, the audio decides

    # --- WeCom ------------------------------------------------------------------------
    wecom_corp_id: str = ""
    wecom_agent_id: str = ""
    wecom_secret: SecretStr | None = None
    wecom_token: SecretStr | None = None
    wecom_aes_key: SecretStr | None = None
    wecom_api_base: str = "https://qyapi.weixin.qq.com/cgi-bin/"

    # --- Feishu -----------------------------------------------------------------------
    feishu_app_id: str = ""
    feishu_app_secret: SecretStr | None = None
    feishu_verification_token: SecretStr | None = None
    feishu_encrypt_key: SecretStr | None = None
    feishu_api_base: str = "https://open.feishu.cn"
    feishu_long_connection: bool = False

    # --- DingTalk ---------------------------------------------------------------------
    dingtalk_client_id: str = ""
    dingtalk_client_secret: SecretStr | None = None
    dingtalk_api_base: str = "https://api.dingtalk.com"
    dingtalk_oapi_base: str = "https://oapi.dingtalk.com"

    # --- scheduler / delivery ---------------------------------------------------------
    scheduler_enabled: bool = True
    outbox_poll_seconds: float = 1.0
    outbox_max_attempts: int = 8
    outbox_rates: str = ""                 # per platform msgs/s[/burst]: "wecom=20/20,feishu=40"
    daily_report_time: str = "18:00"
    digest_time: str = "08:30"

    # --- backups ----------------------------------------------------------------------
    backup_dir: Path | None = Path("var/backups")   # empty: no daily backup
    backup_keep: int = 7                   # daily backups kept (older ones are deleted)
    backup_time: str = "02:30"

    @field_validator("now", mode="before")
    @classmethod
    def _empty_now(cls, v: object) -> object:
        return None if v in ("", None) else v

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _backup_dir(cls, v: object) -> object:
        return None if v in ("", None) else Path(str(v)).expanduser()

    @field_validator("whisper_model_path", mode="before")
    @classmethod
    def _empty_path(cls, v: object) -> object:
        return None if v in ("", None) else Path(str(v)).expanduser()

    @field_validator("whisper_cache_dir", mode="before")
    @classmethod
    def _expand(cls, v: object) -> object:
        return Path(str(v)).expanduser() if v not in ("", None) else v

    @field_validator("api_token", "wecom_secret", "wecom_token", "wecom_aes_key",
                     "feishu_app_secret", "feishu_verification_token", "feishu_encrypt_key",
                     "dingtalk_client_secret", mode="before")
    @classmethod
    def _empty_secret(cls, v: object) -> object:
        return None if v in ("", None) else v

    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.strip() for f in self.required_followup_fields.split(",") if f.strip())

    def wecom_enabled(self) -> bool:
        return bool(self.wecom_corp_id and self.wecom_secret and self.wecom_token
                    and self.wecom_aes_key)

    def feishu_enabled(self) -> bool:
        return bool(self.feishu_app_id and self.feishu_app_secret)

    def dingtalk_enabled(self) -> bool:
        return bool(self.dingtalk_client_id and self.dingtalk_client_secret)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


__all__ = ["Field", "Settings", "get_settings", "secret"]
