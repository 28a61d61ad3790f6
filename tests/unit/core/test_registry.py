"""The command registry: unique names, help lines, prefix matching, argument binding."""

import pytest

from bot.commands import registry
from bot.core import load_plugins

load_plugins()


def test_every_command_has_unique_names_and_a_help_line() -> None:
    seen: set[str] = set()
    for spec in registry.all_commands():
        assert spec.help, spec.name
        assert any(a.isascii() and a.replace("_", "").isalpha() for a in spec.aliases), (
            f"{spec.name} needs an English alias")
        for n in spec.names:
            assert n.lower() not in seen, n
            seen.add(n.lower())


@pytest.mark.parametrize(("text", "name", "rest"), [
    ("客户鼓楼医院", "客户", "鼓楼医院"),           # no space after the command word
    ("客户 鼓楼医院", "客户", "鼓楼医院"),
    ("customer 鼓楼医院", "客户", "鼓楼医院"),
    ("认领42", "认领", "42"),
    ("CLAIM 42", "认领", "42"),
    ("help", "帮助", ""),
])
def test_match_by_prefix(text: str, name: str, rest: str) -> None:
    found = registry.match(text)
    assert found is not None
    assert found[0].name == name
    assert found[1] == rest


def test_ascii_alias_needs_a_word_boundary() -> None:
    assert registry.match("helpme") is None


def test_parse_args_binds_typed_int_and_reports_usage() -> None:
    spec = registry.by_name("认领")
    assert spec is not None
    assert registry.parse_args(spec, "#42") == {"lead_id": 42}
    with pytest.raises(registry.UsageError):
        registry.parse_args(spec, "")
    with pytest.raises(registry.UsageError):
        registry.parse_args(spec, "四十二")
    assert registry.parse_args(spec, "", {"lead_id": "7"}) == {"lead_id": 7}


def test_rest_parameter_takes_the_whole_line() -> None:
    spec = registry.by_name("客户")
    assert spec is not None
    assert registry.parse_args(spec, "苏州 精越 精密") == {"name": "苏州 精越 精密"}


def test_suggestions_for_typos() -> None:
    assert "帮助" in registry.suggest("hepl")
    assert "线索" in registry.suggest("leds")


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ValueError, match="used twice"):
        @registry.command("重复测试", aliases=("help",))
        async def dup(ctx: object) -> None:
            """重复"""
