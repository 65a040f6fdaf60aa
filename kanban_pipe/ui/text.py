"""User text is data: make it safe to show (no markup, no terminal control)."""

from __future__ import annotations

from textual.content import Content

# Bidirectional overrides can make a title display as something else ("Trojan Source").
_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def _safe_char(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # control pictures: ESC shows as ␛, newline as ␊
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code < 0xA0 or code in _BIDI:
        return "\ufffd"
    return char


def safe_text(value: str | None) -> str:
    """The text with every control character replaced by a visible stand-in."""
    if not value:
        return ""
    if value.isprintable():
        return value
    return "".join(_safe_char(char) for char in value)


def plain(value: str | None) -> Content:
    """User text as Textual Content: never parsed as markup, control characters shown."""
    return Content(safe_text(value))
