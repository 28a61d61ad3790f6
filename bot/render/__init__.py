"""Renderers: domain values and outbox payloads → `Reply` values (Text / Card / Image).

Outbox rows are rendered at delivery time by `render_notification(kind, payload)`; each
notification kind registers one function with `@notification("kind")` in a module of this
package (auto-imported), so a new kind of push is a one-file change.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any

from bot.messages import Reply, Text
from bot.render.examples import EXAMPLES
from bot.render.format import clip, money, short_dt, when_text

log = logging.getLogger(__name__)
__all__ = ["clip", "example_for", "known_kinds", "money", "notification", "render_notification",
           "short_dt", "when_text"]

NotificationRenderer = Callable[[Mapping[str, Any]], Reply | list[Reply]]
_RENDERERS: dict[str, NotificationRenderer] = {}
_EXAMPLES: dict[str, Mapping[str, Any]] = {}
_loaded = False


def notification(kind: str, *, example: Mapping[str, Any] | None = None
                 ) -> Callable[[NotificationRenderer], NotificationRenderer]:
    """Register the renderer of one outbox kind; `example`: a realistic payload (the test
    that renders every kind in Chinese uses it; else `bot.render.examples`)."""
    def deco(fn: NotificationRenderer) -> NotificationRenderer:
        if kind in _RENDERERS and _RENDERERS[kind] is not fn:
            raise ValueError(f"duplicate renderer for notification kind {kind!r}")
        _RENDERERS[kind] = fn
        if example is not None:
            _EXAMPLES[kind] = example
        return fn

    return deco


def example_for(kind: str) -> Mapping[str, Any] | None:
    """The example payload of a kind (its decorator's, else `bot.render.examples`)."""
    _load_all()
    return _EXAMPLES.get(kind) or EXAMPLES.get(kind)


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    _loaded = True


def known_kinds() -> tuple[str, ...]:
    _load_all()
    return tuple(sorted(_RENDERERS))


def render_notification(kind: str, payload: Mapping[str, Any]) -> list[Reply]:
    """Render one outbox payload. An unknown kind still reaches the user as its text."""
    _load_all()
    fn = _RENDERERS.get(kind)
    if fn is None:
        log.warning("no renderer for notification kind %s; sending its text", kind)
        return [Text(str(payload.get("text") or kind))]
    out = fn(payload)
    return out if isinstance(out, list) else [out]
