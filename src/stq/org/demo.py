"""Demo organisation: the 2025 Customs Department tree and users of every role (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from .models import Role, RoleGrant, Unit, UnitKind, User

DEMO_PASSWORD = "Stq@2026demo"

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X",
         "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX"]
# Seat of each demo regional sub-department (illustrative demo data, not an official list).
REGION_SEATS = ["Hà Nội", "TP. Hồ Chí Minh", "Hải Phòng", "Quảng Ninh", "Lạng Sơn", "Lào Cai", "Bắc Ninh",
                "Thanh Hóa", "Nghệ An", "Quảng Trị", "Đà Nẵng", "Khánh Hòa", "Gia Lai", "Đồng Nai", "Bình Dương",
                "Bà Rịa - Vũng Tàu", "Cần Thơ", "An Giang", "Tây Ninh", "Lâm Đồng"]
PCA_TEAMS = [("KTSTQ-D1", "Đội Kiểm tra sau thông quan khu vực 1", "Miền Bắc"),
             ("KTSTQ-D2", "Đội Kiểm tra sau thông quan khu vực 2", "Miền Trung"),
             ("KTSTQ-D3", "Đội Kiểm tra sau thông quan khu vực 3", "Miền Nam")]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Thu", "Hoàng", "Xuân", "Kim"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh",
         "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Thắng",
         "Trang", "Trung", "Tuấn", "Vân", "Việt", "Yến"]


def vietnamese_name(i: int) -> str:
    return f"{FAMILY[i % len(FAMILY)]} {MIDDLE[(i // 3) % len(MIDDLE)]} {GIVEN[(i * 7) % len(GIVEN)]}"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    unit_code: str
    include_units_below: bool = False
    title: str = ""


# The accounts printed by `manage.py demo_accounts`: at least one per role, in several units.
FEATURED = [
    DemoAccount("quantri.kv01pt", Role.UNIT_ADMIN, "KV01-PT", title="Quản trị đơn vị"),
    DemoAccount("canbo.kv01pt", Role.OFFICER, "KV01-PT", title="Công chức"),
    DemoAccount("canbo2.kv01pt", Role.OFFICER, "KV01-PT", title="Công chức"),
    DemoAccount("doitruong.kv01pt", Role.APPROVER, "KV01-PT", title="Đội trưởng"),
    DemoAccount("lanhdao.kv01", Role.APPROVER, "KV01", include_units_below=True, title="Chi cục trưởng"),
    DemoAccount("canbo.kv02pt", Role.OFFICER, "KV02-PT", title="Công chức"),
    DemoAccount("doitruong.kv02pt", Role.APPROVER, "KV02-PT", title="Đội trưởng"),
    DemoAccount("canbo.ktstqd1", Role.OFFICER, "KTSTQ-D1", title="Công chức"),
    DemoAccount("doitruong.ktstqd1", Role.APPROVER, "KTSTQ-D1", title="Đội trưởng"),
    DemoAccount("lanhdao.ktstq", Role.APPROVER, "KTSTQ", include_units_below=True, title="Chi cục trưởng"),
    DemoAccount("phantich.chq", Role.ANALYST, "CHQ", include_units_below=True, title="Chuyên viên phân tích"),
    DemoAccount("qlrr.chq", Role.RISK_MANAGER, "CHQ", include_units_below=True, title="Chuyên viên QLRR"),
]


def _unit(code, name, level, parent=None, *, short="", region="", department=False, kind=UnitKind.DIVISION,
          offices=(), valid_to=None) -> Unit:
    unit, _created = Unit.objects.update_or_create(
        code=code,
        defaults={"name": name, "short_name": short, "level_label": level, "parent": parent, "region": region,
                  "is_department_scope": department, "kind": kind, "customs_office_codes": list(offices),
                  "valid_to": valid_to},
    )
    return unit


# The 2020 tree ended with the reorganisation of 3/2025 (Decision 382/QĐ-BTC): old cases keep these units.
TREE_2020_END = date(2025, 2, 28)
# Clearing offices (the only units bound by the 60-day desk-audit limit, TT38-39 art 142.1.a): (code, name, parent,
# VNACCS office codes). The office codes are illustrative demo data, not an official table.
CLEARING_OFFICES_2025 = [
    ("KV01-NB", "Hải quan cửa khẩu Sân bay quốc tế Nội Bài", "KV01", ("01B1",)),
    ("KV02-CI", "Hải quan cửa khẩu cảng Sài Gòn khu vực I", "KV02", ("02CI",)),
]


def build_units_2020(root: Unit) -> list[Unit]:
    """A part of the 2020 tree under the same national department (then Tổng cục Hải quan): the central audit unit
    (Cục KTSTQ), two provincial departments, each with a clearing office (Chi cục Hải quan cửa khẩu) and a
    post-clearance audit sub-department (Chi cục KTSTQ) — the latter labelled "Chi cục" but clearing nothing."""
    end = TREE_2020_END
    units = [_unit("CKTSTQ-2020", "Cục Kiểm tra sau thông quan", "Cục", root, short="Cục KTSTQ", department=True,
                   kind=UnitKind.CENTRAL_AUDIT, valid_to=end)]
    for code, name, region, office_code, office_name in [
        ("HQHN-2020", "Cục Hải quan TP. Hà Nội", "Hà Nội", "01B1", "Chi cục Hải quan cửa khẩu Sân bay quốc tế Nội Bài"),
        ("HQHCM-2020", "Cục Hải quan TP. Hồ Chí Minh", "TP. Hồ Chí Minh", "02CI",
         "Chi cục Hải quan cửa khẩu cảng Sài Gòn khu vực I"),
    ]:
        dept = _unit(code, name, "Cục", root, region=region, department=True, kind=UnitKind.DEPARTMENT, valid_to=end)
        units += [
            dept,
            _unit(f"{code[:-5]}-{office_code}-2020", office_name, "Chi cục", dept, region=region,
                  kind=UnitKind.CLEARING_OFFICE, offices=(office_code,), valid_to=end),
            _unit(f"{code[:-5]}-KTSTQ-2020", f"Chi cục Kiểm tra sau thông quan — {name}", "Chi cục", dept,
                  region=region, kind=UnitKind.AUDIT_SUBDEPARTMENT, valid_to=end),
        ]
    return units


def build_units() -> list[Unit]:
    root = _unit("CHQ", "Cục Hải quan", "Cục", short="Cục Hải quan", department=True, kind=UnitKind.NATIONAL)
    pca = _unit("KTSTQ", "Chi cục Kiểm tra sau thông quan", "Chi cục", root, short="Chi cục KTSTQ", department=True,
                kind=UnitKind.CENTRAL_AUDIT)
    units = [root, pca]
    for code, name, region in PCA_TEAMS:
        units.append(_unit(code, name, "Đội", pca, short=name.replace("Đội Kiểm tra sau thông quan", "Đội KTSTQ"),
                           region=region))
    for i, (roman, seat) in enumerate(zip(ROMAN, REGION_SEATS, strict=True), start=1):
        regional = _unit(f"KV{i:02d}", f"Chi cục Hải quan khu vực {roman}", "Chi cục", root,
                         short=f"CCHQ KV {roman}", region=seat, department=True, kind=UnitKind.REGIONAL_SUBDEPARTMENT)
        team = _unit(f"KV{i:02d}-PT", f"Đội Phúc tập và Kiểm tra sau thông quan — Chi cục Hải quan khu vực {roman}",
                     "Đội", regional, short=f"Đội PT&KTSTQ KV {roman}", region=seat)
        units += [regional, team]
    by_code = {u.code: u for u in units}
    for code, name, parent, offices in CLEARING_OFFICES_2025:
        units.append(_unit(code, name, "Hải quan", by_code[parent], region=by_code[parent].region,
                           kind=UnitKind.CLEARING_OFFICE, offices=offices))
    return units + build_units_2020(root)


def _user(username: str, unit: Unit, index: int, title: str = "") -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"full_name": vietnamese_name(index), "unit": unit, "title": title}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _grant(user: User, role: str, unit: Unit, below: bool = False) -> None:
    if not RoleGrant.objects.filter(user=user, role=role, unit=unit, revoked_at__isnull=True).exists():
        if role == Role.UNIT_ADMIN and RoleGrant.objects.filter(unit=unit, role=role, revoked_at__isnull=True).exists():
            return
        RoleGrant.objects.create(user=user, role=role, unit=unit, include_units_below=below)


@transaction.atomic
def seed_organisation() -> None:
    units = build_units()
    by_code = {u.code: u for u in units}
    for i, unit in enumerate(units):
        featured_admin = next((a for a in FEATURED if a.role == Role.UNIT_ADMIN and a.unit_code == unit.code), None)
        username = featured_admin.username if featured_admin else f"quantri.{unit.code.lower().replace('-', '')}"
        _grant(_user(username, unit, 100 + i, "Quản trị đơn vị"), Role.UNIT_ADMIN, unit)
    for i, account in enumerate(FEATURED):
        unit = by_code[account.unit_code]
        _grant(_user(account.username, unit, i, account.title), account.role, unit, account.include_units_below)
    # Every regional team gets an officer and a leader so that demo cases exist across the country.
    for i in range(3, 21):
        team = by_code[f"KV{i:02d}-PT"]
        _grant(_user(f"canbo.kv{i:02d}pt", team, 200 + i, "Công chức"), Role.OFFICER, team)
        _grant(_user(f"doitruong.kv{i:02d}pt", team, 300 + i, "Đội trưởng"), Role.APPROVER, team)


def featured_accounts() -> list[DemoAccount]:
    existing = set(User.objects.filter(username__in=[a.username for a in FEATURED]).values_list("username", flat=True))
    return [a for a in FEATURED if a.username in existing]


from stq.core.demo import register_seeder  # noqa: E402


@register_seeder(10, "organisation")
def _seed(options: dict) -> str:
    seed_organisation()
    return f"{Unit.objects.count()} units, {User.objects.count()} users"
