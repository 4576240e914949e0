"""A note or a comment longer than its column (NOTE_MAX) is a 400 naming the field, not a 500 from the database's
CHECK (issue #17, item 6)."""

import pytest
from rest_framework.test import APIClient

from stq.core.limits import NOTE_MAX

pytestmark = pytest.mark.django_db


def test_a_note_or_comment_past_its_column_is_a_400_naming_it(central):
    client = APIClient()
    client.force_authenticate(central.officer1)
    r = client.post("/api/v1/change-requests/", {
        "unit": "KV01-PT", "function_name": "Báo cáo", "proposed_change": "Thêm cột.", "reason": "Cần thiết."},
        format="json")
    pk = r.json()["id"]
    client.force_authenticate(central.central_officer)
    r = client.post(f"/api/v1/change-requests/{pk}/status/", {"status": "declined", "note": "x" * (NOTE_MAX + 1)},
                    format="json")
    assert r.status_code == 400 and "note" in r.json()["fields"], r.content[:300]
    r = client.post(f"/api/v1/change-requests/{pk}/comments/", {"text": "x" * (NOTE_MAX + 1)}, format="json")
    assert r.status_code == 400 and "text" in r.json()["fields"], r.content[:300]
    r = client.post(f"/api/v1/change-requests/{pk}/status/", {"status": "declined", "note": "x" * NOTE_MAX},
                    format="json")
    assert r.status_code == 200, r.content[:300]
