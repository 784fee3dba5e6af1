"""sacrebleu's ``13a`` tokenizer (mteval-v13a), reimplemented to the same output.

In order: ``<skipped>`` removed, ``-\\n`` joined, newlines to spaces, ``&quot; &amp;
&lt; &gt;`` unescaped in that order (so ``&amp;lt;`` becomes ``<``), ASCII punctuation
except ``' , - .`` padded with spaces, ``.`` and ``,`` split off unless between
digits (with 13a's pairwise-regex quirks for runs such as ``a.,1``), ``-`` split after
a digit, whitespace (Unicode, as ``str.split``) collapsed. No lowercasing, no Unicode
normalisation.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["segment_tokens", "tokenize_13a"]

# ASCII punctuation that 13a always pads with spaces: everything printable except
# letters, digits, the apostrophe and ``, - .`` (those have the rules below).
_PUNCT_RE = re.compile(r"([!-&(-+/:-@\[-`{-~])")
# When no two of ``. ,`` touch, "split unless between two digits" is exact; the
# literal first character lets the regex engine jump between candidates.
_DOT_RE = re.compile(r"\.(?!(?<=[0-9]\.)[0-9])")
_COMMA_RE = re.compile(r",(?!(?<=[0-9],)[0-9])")
# When they touch, 13a's two pair rules consume characters, so which of a run of
# ``.``/``,`` gets split depends on parity: replay them literally (rare input).
_NONDIGIT_THEN_MARK_RE = re.compile(r"[^0-9][.,]")
_MARK_THEN_NONDIGIT_RE = re.compile(r"[.,][^0-9]")
_DASH_AFTER_DIGIT_RE = re.compile(r"-(?<=[0-9]-)")
# Same bound as sacrebleu's cache: covers a usual test set, keeps memory bounded.
_TOKEN_CACHE_SIZE = 2**16


def _space_after_pair(match: re.Match[str]) -> str:
    pair = match.group()
    return f"{pair[0]} {pair[1]} "


def _space_before_pair(match: re.Match[str]) -> str:
    pair = match.group()
    return f" {pair[0]} {pair[1]}"


def _split_13a(line: str) -> list[str]:
    """Return the 13a tokens of one line (without sacrebleu's trailing strip)."""
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = (
            line.replace("&quot;", '"')
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
        )
    # The padding spaces matter: they give a mark at either end a non-digit neighbour.
    line = " ".join(_PUNCT_RE.split(f" {line} "))
    has_dot = "." in line
    has_comma = "," in line
    if has_dot or has_comma:
        touching = (
            (has_dot and ".." in line)
            or (has_comma and ",," in line)
            or (has_dot and has_comma and (".," in line or ",." in line))
        )
        if touching:
            line = _NONDIGIT_THEN_MARK_RE.sub(_space_after_pair, line)
            line = _MARK_THEN_NONDIGIT_RE.sub(_space_before_pair, line)
        else:
            if has_dot:
                line = _DOT_RE.sub(" . ", line)
            if has_comma:
                line = _COMMA_RE.sub(" , ", line)
    if "-" in line:
        line = _DASH_AFTER_DIGIT_RE.sub(" - ", line)
    return line.split()


def tokenize_13a(line: str) -> str:
    """Tokenize a line exactly as sacrebleu's ``13a`` tokenizer does.

    Args:
        line: The text to tokenize.

    Returns:
        The tokens joined by single spaces.

    Raises:
        ValueError: If ``line`` is not a string.
    """
    if not isinstance(line, str):
        raise ValueError(f"line={line!r} is not a string")
    return " ".join(_split_13a(line))


@lru_cache(maxsize=_TOKEN_CACHE_SIZE)
def segment_tokens(segment: str) -> tuple[str, ...]:
    """Return the 13a tokens of a segment as sacrebleu's BLEU sees them (cached).

    sacrebleu strips trailing whitespace first, which matters for a final ``-\\n``.
    """
    return tuple(_split_13a(segment.rstrip()))
