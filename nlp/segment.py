"""Per-catalog jieba tokenizers over a shared, lazily loaded main dictionary.

`new_tokenizer(words)` returns a fresh `jieba.Tokenizer()` (never jieba's global default
one) with `words` in its own user dictionary. Loading jieba's main dictionary the usual way
(`Tokenizer.initialize()`: unmarshal ~500 000 entries from jieba's cache) takes 0.6-0.9 s,
too much for the cold-start budget. jieba only ever looks words up by their prefix
characters (`frag in FREQ`, `FREQ[frag]`, `FREQ.get(w)`), and every word looked up while
cutting starts with a character of the text, so the dictionary is stored in shards by
first character: one cache file (built once per machine from jieba's own dictionary,
beside jieba's cache), read as opaque blobs (~10 ms), each shard unmarshalled on first
use. A tokenizer's `FREQ` is a `ShardedFreq`: its user words first, then the shared read-only
shards, then the prefixes of its user words (frequency 0, as `add_word` would add them).
Cutting gives the same tokens as a tokenizer with the whole dictionary in a `dict`.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile
import threading
from collections.abc import Iterable
from typing import Any

__all__ = ["USER_WORD_FREQ", "ShardedFreq", "base_word_freq", "new_tokenizer", "plain_words"]

log = logging.getLogger(__name__)

USER_WORD_FREQ = 200_000          # catalog words beat the main dictionary's splits
_FORMAT = 1


class _Shards:
    """jieba's main dictionary by first character: marshalled blobs, decoded on demand."""

    def __init__(self, total: int, blobs: dict[str, bytes]) -> None:
        self.total = total
        self._blobs = blobs
        self._loaded: dict[str, dict[str, int]] = {}

    def shard(self, ch: str) -> dict[str, int]:
        d = self._loaded.get(ch)
        if d is None:
            blob = self._blobs.get(ch)
            d = marshal.loads(blob) if blob is not None else {}
            self._loaded[ch] = d          # a race decodes twice; both results are equal
        return d


class ShardedFreq:
    """The `FREQ` mapping jieba's `Tokenizer` reads: user words, then the shared shards,
    then user-word prefixes (0). Writes (`add_word`) go to the user layer only."""

    __slots__ = ("_base", "_prefix", "_user")

    def __init__(self, base: _Shards, user: dict[str, int], prefix: set[str]) -> None:
        self._base = base
        self._user = user
        self._prefix = prefix

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str) or not key:
            return False
        return key in self._user or key in self._base.shard(key[0]) or key in self._prefix

    def __getitem__(self, key: str) -> int:
        v = self._user.get(key)
        if v is not None:
            return v
        if key:
            v = self._base.shard(key[0]).get(key)
            if v is not None:
                return v
        if key in self._prefix:
            return 0
        raise KeyError(key)

    def get(self, key: str, default: int | None = None) -> int | None:
        try:
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key: str, value: int) -> None:
        self._user[key] = value


_LOCK = threading.Lock()
_BASE: _Shards | None = None


def _cache_path(dict_path: str) -> str:
    st = os.stat(dict_path)
    key = f"{_FORMAT}:{dict_path}:{st.st_size}:{st.st_mtime_ns}".encode()
    digest = hashlib.md5(key, usedforsecurity=False).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"nlp-jieba-{digest}.shards")


def _build_shards(jieba: Any) -> tuple[int, dict[str, bytes]]:
    """Once per machine: jieba's main dictionary (from jieba's own cache) cut into shards."""
    tk = jieba.Tokenizer()
    tk.initialize()
    groups: dict[str, dict[str, int]] = {}
    for w, f in tk.FREQ.items():
        if w:
            groups.setdefault(w[0], {})[w] = f
    return tk.total, {ch: marshal.dumps(d) for ch, d in groups.items()}


def _load_base() -> _Shards:
    global _BASE
    if _BASE is not None:
        return _BASE
    with _LOCK:
        if _BASE is not None:
            return _BASE
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)   # no "Building prefix dict"
        path = _cache_path(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"))
        data: Any = None
        try:
            with open(path, "rb") as fh:
                data = marshal.load(fh)
        except (OSError, EOFError, ValueError, TypeError):
            data = None
        if not (isinstance(data, tuple) and len(data) == 2 and isinstance(data[1], dict)):
            data = _build_shards(jieba)
            try:
                fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
                with os.fdopen(fd, "wb") as fh:
                    marshal.dump(data, fh)
                os.replace(tmp, path)
            except OSError:                  # read-only temp dir: keep it in memory only
                log.warning("could not write the jieba shard cache %s", path)
        _BASE = _Shards(int(data[0]), data[1])
        return _BASE


def new_tokenizer(words: Iterable[str] = ()) -> Any:
    """A fresh `jieba.Tokenizer` whose user dictionary is `words` (frequency
    `USER_WORD_FREQ`); it shares only the read-only main dictionary with other tokenizers."""
    import jieba

    base = _load_base()
    user: dict[str, int] = {}
    for w in words:
        if w and any("\u4e00" <= c <= "\u9fff" for c in w):
            user[w] = USER_WORD_FREQ
    prefix = {w[:i] for w in user for i in range(1, len(w))}
    prefix.difference_update(user)
    tk = jieba.Tokenizer()
    tk.FREQ = ShardedFreq(base, user, prefix)
    tk.total = base.total + USER_WORD_FREQ * len(user)
    tk.initialized = True
    return tk


def base_word_freq(word: str) -> int:
    """Frequency of `word` in jieba's main dictionary (0 when absent)."""
    if not word:
        return 0
    return _load_base().shard(word[0]).get(word) or 0


_PLAIN: Any = None


def plain_words(text: str) -> list[str]:
    """jieba words of `text` by the main dictionary alone (for short catalog strings such as
    preset names; never the message path, which uses the catalog's own tokenizer)."""
    global _PLAIN
    if _PLAIN is None:
        _PLAIN = new_tokenizer(())
    try:
        return list(_PLAIN.cut(text, HMM=False))
    except Exception:          # no jieba: whole string only
        log.exception("jieba unavailable")
        return [text]


if __name__ == "__main__":      # warm the shard cache at deploy time: python -m nlp.segment
    import sys
    import time

    t0 = time.perf_counter()
    _load_base()
    sys.stdout.write(f"jieba shard cache ready in {time.perf_counter() - t0:.2f} s\n")
