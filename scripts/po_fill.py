"""Fill empty msgstr entries of a .po file from a JSON dict {msgid: msgstr} (plural: {msgid: [s0, s1]}).

    python scripts/po_fill.py src/stq/org/locale/vi/LC_MESSAGES/django.po translations.json
"""

import json
import re
import sys


def unquote(block: str) -> str:
    return "".join(json.loads(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', block))


def quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def main(po_path: str, json_path: str) -> None:
    table = json.load(open(json_path, encoding="utf-8"))
    text = open(po_path, encoding="utf-8").read()
    text = text.replace('#, fuzzy\nmsgid ""\nmsgstr ""', 'msgid ""\nmsgstr ""', 1)
    text = text.replace('"Language: \\n"', '"Language: vi\\n"', 1)
    entries = text.split("\n\n")
    missing = []
    for i, entry in enumerate(entries):
        m = re.search(r'^msgid ((?:"(?:[^"\\]|\\.)*"\n?)+)', entry, re.M)
        if not m:
            continue
        msgid = unquote(m.group(1))
        if not msgid:
            continue
        if re.search(r"^msgid_plural ", entry, re.M):
            if re.search(r'^msgstr\[0\] ""\s*$', entry, re.M) and msgid in table:
                forms = table[msgid] if isinstance(table[msgid], list) else [table[msgid]]
                entry = re.sub(r'^msgstr\[0\] "".*', "msgstr[0] " + quote(forms[0]), entry, flags=re.M | re.S)
                entries[i] = entry
            continue
        fuzzy = re.search(r"^#,.*\bfuzzy\b", entry, re.M) is not None
        if fuzzy:  # a guessed translation is as good as none: drop the guess and its "#|" lines
            entry = "\n".join(line for line in entry.split("\n") if not line.startswith("#|"))
            entry = re.sub(r"^#, fuzzy\n", "", entry, flags=re.M).replace("fuzzy, ", "")
            entries[i] = entry
        sm = re.search(r'^msgstr ((?:"(?:[^"\\]|\\.)*"\n?)+)', entry, re.M)
        if sm and (fuzzy or unquote(sm.group(1)) == ""):
            if msgid in table:
                entries[i] = entry[: sm.start()] + "msgstr " + quote(table[msgid])
                entries[i] = entries[i].replace("#, fuzzy\n", "")
            else:  # never keep a guess without its fuzzy flag: it would be shown as the translation
                entries[i] = entry[: sm.start()] + 'msgstr ""'
                missing.append(msgid)
    open(po_path, "w", encoding="utf-8").write("\n\n".join(entries))
    for msgid in missing:
        print("untranslated:", msgid)


if __name__ == "__main__":
    main(*sys.argv[1:])
