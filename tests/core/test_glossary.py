"""One glossary (docs/glossary.csv: English, Vietnamese, identifier, wording to avoid) that the Vietnamese catalogues
follow (issue 18 item 4): a message that is exactly a glossary term is translated by the glossary's Vietnamese, no
catalogue uses a wording the glossary rules out, every identifier named exists in the code, and one English message
reads the same in every app's catalogue (Django merges them: a second reading would win by app order, which is how
"Import" showed "Nhập từ tệp" beside the import/export figures)."""

import csv
import gettext
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.csv"
CATALOGUES = sorted((ROOT / "src" / "stq").glob("*/locale/vi/LC_MESSAGES/django.mo"))


def glossary() -> list[dict]:
    with GLOSSARY.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def catalogue(mo: Path) -> dict[str, str]:
    with mo.open("rb") as f:
        entries = gettext.GNUTranslations(f)._catalog
    return {k: v for k, v in entries.items() if isinstance(k, str) and k and "\x04" not in k}


def test_glossary_rows_are_complete():
    rows = glossary()
    assert len(rows) >= 25
    for row in rows:
        assert row["english"] and row["vietnamese"], row


def _term(terms: dict, msgid: str):
    """A lowercase glossary term matches the message in any case; a capitalised one ("Import", the flow) only as it
    is written ("import" is also a file import)."""
    return terms.get(msgid.strip()) or terms.get(msgid.strip().lower())


def test_a_message_that_is_a_glossary_term_reads_as_the_glossary_says():
    terms = {row["english"]: row["vietnamese"].lower() for row in glossary() if row["identifier"] != "LANGUAGES"}
    wrong = []
    for mo in CATALOGUES:
        for msgid, msgstr in catalogue(mo).items():
            expected = _term(terms, msgid)
            if expected and msgstr.strip().lower() != expected:
                wrong.append(f"{mo.parts[-5]}: {msgid!r} → {msgstr!r}, the glossary says {expected!r}")
    assert not wrong, "\n".join(wrong)


def _ruled_out():
    return [(row["english"], re.compile(pattern, re.I)) for row in glossary() for pattern in
            filter(None, row["avoid"].split("|"))]


def test_no_catalogue_uses_a_wording_the_glossary_rules_out():
    avoid = _ruled_out()
    found = []
    for mo in CATALOGUES:
        for msgstr in catalogue(mo).values():
            found += [f"{mo.parts[-5]}: {msgstr!r} ({term})" for term, pattern in avoid if pattern.search(msgstr)]
    assert not found, "\n".join(found)


def test_no_vietnamese_help_page_uses_a_wording_the_glossary_rules_out():
    """The help pages are written in Vietnamese directly (not through the catalogues): the same words apply."""
    avoid = _ruled_out()
    pages = sorted((ROOT / "src" / "stq" / "help" / "templates" / "help" / "pages" / "vi").glob("*.html"))
    assert pages
    found = [f"{page.name}: {match.group(0)!r} ({term})" for page in pages for term, pattern in avoid
             for match in pattern.finditer(page.read_text(encoding="utf-8"))]
    assert not found, "\n".join(found)


def test_the_language_switch_reads_english():
    from django.conf import settings

    assert dict(settings.LANGUAGES)["en"] == next(r["vietnamese"] for r in glossary() if r["identifier"] == "LANGUAGES")


def test_identifiers_named_by_the_glossary_exist_in_the_code():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "stq").rglob("*.py"))
    missing = [row["identifier"] for row in glossary() if row["identifier"]
               and not re.search(rf"\b{re.escape(row['identifier'].split('.')[-1])}\b", source)]
    assert not missing, missing


def test_one_english_message_has_one_vietnamese_reading_across_the_catalogues():
    """Every message, not only the glossary's terms: Django merges the apps' catalogues and the first app's reading
    wins on every page, so two readings of one msgid show the wrong one somewhere (a notification's title read
    "chức danh", the user's job title). One meaning has one reading; two meanings take a message context
    (`pgettext`), as "Imported" (a case event, an enterprise's source) and "title" (a job title) do."""
    readings = defaultdict(dict)
    for mo in CATALOGUES:
        with mo.open("rb") as f:
            entries = gettext.GNUTranslations(f)._catalog
        for key, msgstr in entries.items():
            if key:  # the header
                readings[key][mo.parts[-5]] = msgstr
    split = {str(key).replace("\x04", " | "): apps for key, apps in readings.items() if len(set(apps.values())) > 1}
    assert not split, "\n".join(f"{key}: {apps}" for key, apps in sorted(split.items()))
