#!/usr/bin/env bash
# Refresh every app's Vietnamese catalogue (src/stq/<app>/locale/vi) and compile all of them.
# Usage: scripts/messages.sh [app ...]   (default: every app under src/stq that has a locale/ folder)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$(pwd)/.venv/bin/python}
export STQ_DEBUG=1
apps=("$@")
if [ ${#apps[@]} -eq 0 ]; then
  for d in src/stq/*/locale; do apps+=("$(basename "$(dirname "$d")")"); done
fi
for app in "${apps[@]}"; do
  mkdir -p "src/stq/$app/locale"
  (cd "src/stq/$app" && "$PY" ../../../manage.py makemessages -l vi --no-obsolete --no-location >/dev/null)
done
"$PY" manage.py compilemessages --ignore=.venv >/dev/null
# Report untranslated and fuzzy (guessed, not used) entries so they are not forgotten; fill them with
# scripts/po_fill.py, which also replaces fuzzy guesses.
for po in src/stq/*/locale/vi/LC_MESSAGES/django.po; do
  n=$(msgattrib --untranslated --no-obsolete "$po" 2>/dev/null | grep -c '^msgid ' || true)
  [ "${n:-0}" -gt 1 ] && echo "$po: $((n - 1)) untranslated"
  f=$(msgattrib --only-fuzzy --no-obsolete "$po" 2>/dev/null | grep -c '^msgid ' || true)
  [ "${f:-0}" -gt 1 ] && echo "$po: $((f - 1)) fuzzy"
done
exit 0
