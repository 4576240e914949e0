"""Every message the code and templates can show has its Vietnamese reading.

The catalogue test (`test_glossary.py`) checks that one English message reads one way across the apps; it cannot see a
message that was never extracted (new text added without `make messages`), which Django then shows in English on the
Vietnamese screens. This test extracts the messages again, from a copy of the source tree, exactly as `make messages`
does, and fails on any message left untranslated or fuzzy, naming it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def _untranslated(po: Path) -> list[str]:
    """The msgids of `po` whose msgstr is empty or which are marked fuzzy (the header excepted)."""
    entries = po.read_text(encoding="utf-8").split("\n\n")
    missing = []
    for entry in entries[1:]:
        lines = [line for line in entry.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        text = "\n".join(line for line in lines if not line.startswith("#"))
        msgid = "".join(re.findall(r'"(.*)"', text.split("msgid_plural")[0].split("msgstr")[0].split("msgid", 1)[1]))
        strings = re.split(r"msgstr(?:\[\d+\])? ", text)[1:]
        empty = any("".join(re.findall(r'"(.*)"', s)) == "" for s in strings)
        if fuzzy or empty:
            missing.append(msgid)
    return missing


def test_every_message_shown_has_its_vietnamese_reading(tmp_path):
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        pytest.skip("GNU gettext is not installed (.ci/run installs it)")
    tree = tmp_path / "stq"
    shutil.copytree(SRC / "stq", tree, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    env = {**os.environ, "PYTHONPATH": str(SRC), "DJANGO_SETTINGS_MODULE": "stq.settings"}
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "vi", "--no-obsolete"], cwd=tree, env=env,
                   check=True, capture_output=True, text=True)
    found = {str(po.relative_to(tree)): _untranslated(po) for po in sorted(tree.glob("*/locale/vi/LC_MESSAGES/*.po"))}
    found = {po: msgids for po, msgids in found.items() if msgids}
    assert found == {}, "messages without a Vietnamese reading (run `make messages` and translate them): " + repr(found)
