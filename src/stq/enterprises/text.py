"""Text normalisation for accent-insensitive search: the ONE function used when saving and when searching."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize_name(value) -> str:
    """Strip Vietnamese diacritics (đ/Đ → d), lower-case, collapse whitespace.

    >>> normalize_name("  Công ty TNHH   Hải Dương ")
    'cong ty tnhh hai duong'
    """
    text = str(value or "").replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", text.lower()).strip()
