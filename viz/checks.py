"""Checks of what a caller passes in, made before anything is drawn.

Graphviz reads every label as XML text, so a character XML cannot hold (a control character
such as NUL, a lone surrogate, U+FFFE) makes it fail with a syntax error about line 10 of a
file the student never wrote, or makes Python fail with a raw UnicodeEncodeError while
encoding that file. A resolution of 0, a negative one or NaN is passed on by Graphviz
without complaint (a blank picture, or a renderer that never returns). These checks turn
each case into an error that names the argument, the text and the character.
"""

from __future__ import annotations

import math
import unicodedata
from numbers import Real

__all__ = ["MAX_DPI", "check_dpi", "check_text"]

# A PNG of a 10-inch-wide diagram at 1,200 dpi is already 12,000 pixels wide; beyond that
# the renderer runs for minutes and the file is too big to open.
MAX_DPI = 1200.0

_ALLOWED_CONTROLS = "\t\n\r"  # the only characters below U+0020 that XML allows


def _is_xml_char(ch: str) -> bool:
    """True when XML 1.0 (so Graphviz) can hold `ch`: its Char production."""
    code = ord(ch)
    if code < 0x20:
        return ch in _ALLOWED_CONTROLS
    return not (0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF))


def _describe(ch: str) -> str:
    """A character by its code point and name: "U+0000 (NULL)", "U+D800 (a lone surrogate)"."""
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X} (a lone surrogate: half of a UTF-16 pair, not a character)"
    return f"U+{code:04X} ({unicodedata.name(ch, 'a control character')})"


def check_text(text: str, what: str) -> str:
    """Return `text` unchanged if Graphviz can draw it; else raise ValueError naming `what`.

    Args:
        text: a label, a title or a name that will be written into a diagram.
        what: how the caller calls it, for the message, e.g. "draw_dot: title".

    Raises:
        TypeError: `text` is not a str.
        ValueError: `text` holds a character that XML, so Graphviz, cannot hold.
    """
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, got {type(text).__name__}: {text!r}")
    for position, ch in enumerate(text):
        if not _is_xml_char(ch):
            raise ValueError(
                f"{what} {text!r} holds the character {_describe(ch)} at position {position}, "
                "which Graphviz cannot draw (it reads labels as XML text): remove it."
            )
    return text


def check_dpi(dpi: object, what: str = "dpi") -> float:
    """`dpi` as a float if it is a resolution a picture can have: 0 < dpi <= MAX_DPI.

    Raises:
        TypeError: not a number (a bool is not a resolution either).
        ValueError: 0, negative, NaN, infinite, or above MAX_DPI.
    """
    if isinstance(dpi, bool) or not isinstance(dpi, Real):
        raise TypeError(f"{what} must be a number of dots per inch, got {dpi!r}.")
    value = float(dpi)
    if not (math.isfinite(value) and 0 < value <= MAX_DPI):
        raise ValueError(
            f"{what} must be a number of dots per inch above 0 and at most {MAX_DPI:g}, got "
            f"{dpi!r}. Screens use about 100, print 300."
        )
    return value
