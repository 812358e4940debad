"""Smithy `pattern` traits (Java regular expressions) as Python regular expressions.

Smithy patterns are not implicitly anchored, so callers use `re.search`. Python's `re` lacks
Java's `\\p{...}` classes; ASCII and the major Unicode categories (L, N, Z, ...) are expanded
into explicit ranges.
"""

import functools
import re
import sys
import unicodedata

# Java's \d and \w are ASCII unless asked otherwise; Python's are Unicode unless re.ASCII.
_FLAGS = re.ASCII


@functools.cache
def compiled(pattern: str) -> re.Pattern:
    return re.compile(_translate(pattern), _FLAGS)


def _translate(pattern: str) -> str:
    translated = []
    in_class = False
    position = 0
    while position < len(pattern):
        character = pattern[position]
        if character == "\\" and pattern.startswith("\\p{", position):
            end = pattern.index("}", position)
            ranges = _property_ranges(pattern[position + 3 : end])
            translated.append(ranges if in_class else f"[{ranges}]")
            position = end + 1
            continue
        if character == "\\":
            translated.append(pattern[position : position + 2])
            position += 2
            continue
        if character == "[" and not in_class:
            in_class = True
        elif character == "]" and in_class:
            in_class = False
        translated.append(character)
        position += 1
    return "".join(translated)


def _property_ranges(name: str) -> str:
    """The body of a character class matching Java's \\p{name}."""
    if name == "ASCII":
        return "\\x00-\\x7f"
    ranges = _general_category_ranges()
    if name not in ranges:
        raise ValueError(f"the emulator cannot translate \\p{{{name}}} from a Smithy pattern")
    return ranges[name]


@functools.cache
def _general_category_ranges() -> dict[str, str]:
    """Character-class ranges per major Unicode category (L, N, Z, ...), from one pass over Unicode."""
    ranges: dict[str, list[str]] = {}
    start, current = 0, unicodedata.category(chr(0))[0]
    for code_point in range(1, sys.maxunicode + 2):
        category = unicodedata.category(chr(code_point))[0] if code_point <= sys.maxunicode else None
        if category != current:
            ranges.setdefault(current, []).append(f"\\U{start:08x}-\\U{code_point - 1:08x}")
            start, current = code_point, category
    return {category: "".join(parts) for category, parts in ranges.items()}
