"""Browser, issue 18 item 6: a risk manager writes a criterion in typed, labelled fields (the selected kind's only),
reads its parameters and previews its hits with headers; starts a training from the models page; the team's leader
(Đội trưởng KV01-PT) finds the enterprises its department (KV01) manages in the team's target list, and the team's
officer reads it."""

import datetime as dt

import pytest

from stq.risk import scoring
from stq.risk.models import Criterion, TargetList, TrainingRun
from stq.risk.runner import run_criteria
from tests.collection.factories import areas
from tests.e2e.conftest import screenshot, sign_in, switch_user
from tests.risk import helpers as h

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_risk_pages_for_the_risk_manager_and_the_team(page, live_server, org):
    areas()
    h.load_fixture(org.kv01)  # the department manages the enterprises; KV01-PT is its team
    h.all_criteria(org.risk_manager, org.chq)
    run_criteria(as_of=h.AS_OF)
    scoring.assess(dt.date(2025, 12, 1))

    sign_in(page, live_server, "risk_manager")
    page.goto(f"{live_server.url}/risk/criteria/new/")
    assert page.locator("textarea[name=params]").count() == 0
    price = page.locator("fieldset[data-kind=price_below_peer_median]")
    origin = page.locator("fieldset[data-kind=origin_switch_after_measure]")
    assert price.is_visible() and not origin.is_visible()
    page.select_option("#id_kind", "origin_switch_after_measure")
    assert origin.is_visible() and not price.is_visible()
    assert "ngày" in origin.inner_text() and "ISO 3166" in origin.inner_text()  # units and help
    page.fill("#id_code", "ORG2")
    page.fill("#id_name", "Chuyển xuất xứ thép")
    page.select_option("#id_risk_area", index=1)
    page.fill("#id_rationale", "Lẩn tránh thuế chống bán phá giá")
    page.fill("#id_valid_from", "2025-01-01")
    page.select_option("#id_owner_unit", label=str(org.chq))
    page.fill("#id_origin_switch_after_measure__hs_prefixes", "7208")
    page.fill("#id_origin_switch_after_measure__previous_origins", "CN")
    page.fill("#id_origin_switch_after_measure__measure_date", "2025-07-01")
    screenshot(page, "risk_criterion_form")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_selector("[data-testid=params]")
    params = page.get_by_test_id("params").inner_text()
    assert "7208" in params and "01/07/2025" in params and "365 ngày" in params
    assert Criterion.objects.get(code="ORG2").params["previous_origins"] == ["CN"]
    page.get_by_role("button", name="Xem trước kết quả khớp").click()
    preview = page.get_by_test_id("preview")
    preview.wait_for()
    assert "Số dòng hàng từ xuất xứ khác" in preview.inner_text() and "/2025" in preview.inner_text()
    screenshot(page, "risk_criterion_preview")

    page.goto(f"{live_server.url}/risk/models/")
    page.get_by_test_id("train").click()
    page.wait_for_selector("[data-testid=training]")
    assert "Không đủ kết quả kiểm tra để học" in page.get_by_test_id("training").inner_text()
    assert TrainingRun.objects.get().state == "failed"
    screenshot(page, "risk_models_training")

    switch_user(page, live_server, "approver1")  # Đội trưởng KV01-PT
    page.goto(f"{live_server.url}/risk/target-lists/")
    page.select_option("#id_unit", label=str(org.kv01pt))
    page.fill("#id_period", "2026")
    page.fill("#id_capacity", "5")
    page.fill("#id_exploration_share", "0")
    page.get_by_role("button", name="Lập danh sách").click()
    page.wait_for_selector("[data-testid=picks]")
    team_list = TargetList.objects.get(unit=org.kv01pt)
    names = list(team_list.picks.values_list("enterprise__name", flat=True))
    assert len(names) == 5 and names[0] in page.get_by_test_id("picks").inner_text()  # found 0 before
    switch_user(page, live_server, "officer1")
    page.goto(f"{live_server.url}/risk/target-lists/{team_list.pk}/")
    assert names[0] in page.get_by_test_id("picks").inner_text()
    screenshot(page, "risk_target_list_team")
