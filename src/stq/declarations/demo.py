"""Demo declarations and the generator the benchmarks reuse.

``generate_rows`` yields STQ-layout rows (lists in ``layouts.COLUMNS`` order) for a year of declarations with
seasonality (a dip around Tết, a year-end peak), a realistic HS mix and a few planted anomalies the risk engine
should find:
  * ``ANOMALY_UNDERPRICE`` declares one HS code at ~1/8 of the unit price its peers pay for the same HS + origin;
  * ``ANOMALY_SURGE`` multiplies its volume by 6 in the last two months;
  * ``ANOMALY_ORIGIN`` switches the origin of its main goods from CN to MY half-way through the year
    (origin switch, a classic sign of trade-remedy circumvention).
The seeder imports them through the normal pipeline (so the activity profile is built the same way).
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import itertools
import os
import random
import tempfile

from stq.core.demo import register_seeder

from .layouts import COLUMNS, synthetic_tax_code

# (HS code, description, unit, usual unit price in USD, main origins, import duty %, weight)
HS_MIX = [
    ("85423100", "Mạch tích hợp điện tử", "PCE", 3.5, ["CN", "KR", "TW", "JP"], 0, 12),
    ("85177900", "Linh kiện điện thoại", "PCE", 2.2, ["CN", "KR"], 0, 10),
    ("52051200", "Sợi bông", "KGM", 2.8, ["US", "IN", "CN"], 0, 6),
    ("54075200", "Vải dệt thoi sợi filament polyeste", "MTR", 1.4, ["CN", "KR", "TW"], 12, 9),
    ("62034200", "Quần dài nam bằng bông", "PCE", 6.0, ["VN"], 20, 5),
    ("64039990", "Giày dép", "PR", 9.0, ["VN"], 30, 5),
    ("72085100", "Thép cán nóng dạng cuộn", "TNE", 620.0, ["CN", "JP", "IN"], 0, 6),
    ("39012000", "Polyetylen dạng nguyên sinh", "KGM", 1.1, ["SA", "SG", "TH"], 3, 7),
    ("84713020", "Máy tính xách tay", "PCE", 420.0, ["CN", "TH"], 0, 4),
    ("87032363", "Ô tô con dưới 9 chỗ", "PCE", 21000.0, ["TH", "ID", "JP"], 70, 2),
    ("03061721", "Tôm đông lạnh", "KGM", 8.5, ["VN"], 0, 4),
    ("09011110", "Cà phê chưa rang", "KGM", 2.4, ["VN"], 0, 4),
    ("40011011", "Mủ cao su tự nhiên", "KGM", 1.5, ["VN"], 0, 3),
    ("22030091", "Bia đóng lon", "LTR", 0.9, ["TH", "NL", "DE"], 35, 2),
    ("27101944", "Dầu nhờn động cơ", "LTR", 2.0, ["SG", "KR"], 5, 3),
]
EXPORT_HS = {"62034200", "64039990", "03061721", "09011110", "40011011"}
OFFICES = ["01B1", "01NV", "02CI", "02IK", "03CE", "03TG", "34CE", "43IH", "47NB", "18BC"]
PARTNERS = {"CN": "Shenzhen Trading Co.", "KR": "Seoul Electronics Ltd.", "TW": "Taipei Components Inc.",
            "JP": "Osaka Industries K.K.", "US": "US Cotton LLC", "IN": "Gujarat Textiles Pvt", "SA": "Riyadh Poly",
            "SG": "Singapore Resources Pte", "TH": "Bangkok Auto Co.", "ID": "Jakarta Motors", "MY": "Penang Sdn Bhd",
            "NL": "Amsterdam Brewing BV", "DE": "Hamburg Handels GmbH", "VN": "Global Buyer Inc."}
USD_VND = 25_400
# Relative monthly volume (Jan … Dec): the Tết dip (late Jan/Feb) and the year-end peak.
SEASON = [0.85, 0.55, 1.0, 1.0, 1.05, 1.0, 1.0, 1.05, 1.1, 1.15, 1.2, 1.3]
ANOMALY_UNDERPRICE, ANOMALY_SURGE, ANOMALY_ORIGIN = 0, 1, 2  # indexes into the tax-code list


def demo_tax_codes(n: int) -> list[str]:
    return [synthetic_tax_code(f"stq-demo-enterprise-{i}") for i in range(n)]


def _day(rng: random.Random, year: int, season_cum: list[float]) -> dt.date:
    while True:
        month = bisect.bisect(season_cum, rng.random() * season_cum[-1]) + 1
        day = dt.date(year, month, rng.randint(1, 28))
        if day.weekday() < 6:
            return day


def generate_rows(n_lines: int, *, tax_codes: list[str], year: int = 2025, seed: int = 7, start_number: int = 1):
    """Yield about ``n_lines`` STQ-layout rows (lists), declaration by declaration."""
    rng = random.Random(seed)
    weights = [h[6] for h in HS_MIX]
    brokers = demo_tax_codes(3) if len(tax_codes) > 3 else tax_codes
    # each enterprise trades a few HS codes
    portfolio = {t: rng.choices(HS_MIX, weights=weights, k=3) for t in tax_codes}
    cum = list(itertools.accumulate(rng.paretovariate(1.3) for _ in tax_codes))
    season_cum = list(itertools.accumulate(SEASON))
    channel_cum = [70, 92, 100]
    seq = start_number
    produced = 0
    while produced < n_lines:
        i = bisect.bisect(cum, rng.random() * cum[-1])
        tax = tax_codes[i]
        day = _day(rng, year, season_cum)
        if i == ANOMALY_SURGE and day.month >= 11:
            repeats = 6
        else:
            repeats = 1
        for _ in range(repeats):
            goods = portfolio[tax]
            export = goods[0][0] in EXPORT_HS
            flow = "E" if export else "I"
            number = f"{'30' if export else '10'}{seq:09d}0"
            seq += 1
            channel = "123"[bisect.bisect(channel_cum, rng.random() * 100)]
            n = min(rng.randint(1, 5), max(1, n_lines - produced))
            lines = []
            for line_no in range(1, n + 1):
                hs = goods[(line_no - 1) % len(goods)]
                origin = rng.choice(hs[4])
                if i == ANOMALY_ORIGIN and line_no == 1:
                    origin = "CN" if day.month <= 6 else "MY"
                price = hs[3] * rng.uniform(0.8, 1.25)
                if i == ANOMALY_UNDERPRICE and line_no == 1:
                    price = hs[3] / 8
                qty = max(1, int(rng.lognormvariate(6, 1.2)))
                value = int(price * qty * USD_VND)
                duty_rate = 0 if export else hs[5]
                duty = value * duty_rate // 100
                vat = 0 if export else (value + duty) // 10
                lines.append((line_no, hs, origin, qty, price, value, duty_rate, duty, vat))
            total = sum(x[5] for x in lines)
            partner_country = lines[0][2] if not export else rng.choice(["US", "JP", "DE", "KR", "CN"])
            for line_no, hs, origin, qty, price, value, duty_rate, duty, vat in lines:
                yield [number, day.isoformat(), OFFICES[i % len(OFFICES)], "B11" if export else "A11", flow, channel,
                       brokers[i % len(brokers)], tax, PARTNERS.get(partner_country, "Partner"), partner_country,
                       "1" if hs[3] > 100 else "2", "CIF" if not export else "FOB", "USD", str(USD_VND),
                       f"{total / USD_VND:.2f}", str(total), str(line_no), hs[0], hs[1], origin, str(qty), hs[2],
                       f"{price:.4f}", str(value), str(duty_rate), str(duty), "10" if not export else "0", str(vat),
                       "0", "0", "0", "0", ""]
            produced += n


def write_csv(path, n_lines: int, **kwargs) -> int:
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for row in generate_rows(n_lines, **kwargs):
            writer.writerow(row)
            count += 1
    return count


def _enterprise_tax_codes() -> list[str]:
    try:
        from stq.enterprises.models import Enterprise
    except ImportError:
        return []
    try:
        return list(Enterprise.objects.order_by("tax_code").values_list("tax_code", flat=True)[:60])
    except Exception:  # table not migrated
        return []


@register_seeder(30, "declarations")
def seed_declarations(options: dict) -> str:
    from django.core.files import File

    from .importer import run_import
    from .models import Declaration
    from .services import import_job_create

    if Declaration.objects.exists():
        return "declarations already present"
    codes = _enterprise_tax_codes()
    codes = codes + demo_tax_codes(max(0, 40 - len(codes)))
    year = dt.date.today().year - 1
    fd, path = tempfile.mkstemp(suffix=".csv")
    os.close(fd)
    try:
        n = write_csv(path, int(options.get("declaration_lines") or 20_000), tax_codes=codes, year=year)
        with open(path, "rb") as fh:
            job = import_job_create(actor=None, file=File(fh, name=f"demo-{year}.csv"), enqueue=False)
        job = run_import(job)
    finally:
        os.unlink(path)
    return f"{n} goods lines for {len(codes)} enterprises ({job.status})"
