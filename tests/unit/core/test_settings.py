"""`.env.example` documents every setting, and loads as a .env file with safe defaults."""

import re
from pathlib import Path

from crm_core.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[3] / ".env.example"


def test_env_example_documents_every_setting_and_nothing_else() -> None:
    documented = set(re.findall(r"^(CRMBOT_[A-Z0-9_]+)=", EXAMPLE.read_text("utf-8"), re.M))
    fields = {f"CRMBOT_{name.upper()}" for name in Settings.model_fields}
    assert documented == fields


def test_env_example_loads_with_platforms_disabled(tmp_path: Path) -> None:
    s = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert s.now is None and s.whisper_model_path is None
    assert "~" not in str(s.whisper_cache_dir)
    assert not (s.wecom_enabled() or s.feishu_enabled() or s.dingtalk_enabled())
    assert s.database_url.startswith("sqlite:///")


def test_secrets_are_not_in_the_repr() -> None:
    s = Settings(_env_file=None, wecom_secret="top-secret-value")  # type: ignore[call-arg]
    assert "top-secret-value" not in repr(s) and "top-secret-value" not in str(s.model_dump())
