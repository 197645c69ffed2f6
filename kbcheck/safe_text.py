"""Text from articles made safe to print and to serialise: one line, no control characters.

Articles, file names and YAML keys come from strangers. A newline in them could start a GitHub
workflow command (`::error ...`) in CI's log, an ESC or OSC sequence could rewrite the
terminal, and XML 1.0 cannot hold most control characters at all (one BEL makes junit.xml
unparsable).
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional overrides that
# can make a line read differently from what it holds.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}
# What XML 1.0 allows (https://www.w3.org/TR/xml/#charsets); everything else is removed.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape(m: re.Match) -> str:
    ch = m.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def printable(text: object) -> str:
    """`text` on one line with every control character written out (`\\n`, `\\e`, `\\x07`)."""
    return _UNPRINTABLE.sub(_escape, str(text))


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)
