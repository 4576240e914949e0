"""Seed the drill's database (run with DATABASE_URL set, after the schema is in place):

    python -m benchmarks.ha.seed      # prints JSON: officers, risk manager, unit codes, risk areas, tax codes

The organisation and the officers of the load test (benchmarks/load/fill.py, one officer and one leader per team),
200 enterprises, and one risk manager (`ha.risk`, imports declarations). Password: benchmarks.load.fill.PASSWORD.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stq.settings")


def seed() -> dict:
    import django

    django.setup()
    from django.conf import settings

    # The demo organisation's accounts (one per unit) never sign in during the drill: a fast hash for them, else
    # hashing a hundred passwords takes minutes on a busy machine. The drill's own accounts get the production hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from benchmarks.load import fill
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from stq.core.models import RiskArea
    from stq.core.reference import ensure_risk_areas
    from stq.enterprises.models import Enterprise
    from stq.org.models import Role, RoleGrant, Unit, User

    ensure_risk_areas(RiskArea)  # a migration's reference data: gone when the source test database was flushed
    fill.organisation(1)
    fill.enterprises(200)
    hasher = PBKDF2PasswordHasher()
    chq = Unit.objects.get(code="CHQ")
    risk, _ = User.objects.get_or_create(
        username="ha.risk", defaults={"full_name": "Quản lý rủi ro (diễn tập)", "unit": chq,
                                      "password": hasher.encode(fill.PASSWORD, hasher.salt())})
    RoleGrant.objects.get_or_create(user=risk, role=Role.RISK_MANAGER, unit=chq, include_units_below=True)
    RoleGrant.objects.get_or_create(user=risk, role=Role.ANALYST, unit=chq, include_units_below=True)
    teams = [t for t in fill.TEAMS if t.startswith("KV")]
    return {
        "password": fill.PASSWORD,
        "officers": [{"username": f"load.o.{t.lower()}.0", "unit": t} for t in teams],
        "leaders": [{"username": f"load.l.{t.lower()}", "unit": t} for t in teams],
        "risk_manager": "ha.risk",
        "risk_areas": list(RiskArea.objects.filter(active=True).order_by("code").values_list("code", flat=True)[:3]),
        "tax_codes": list(Enterprise.objects.order_by("tax_code").values_list("tax_code", flat=True)[:100]),
    }


if __name__ == "__main__":
    print(json.dumps(seed()))
