"""Load test of issue #10: officers, leaders and one analyst against a running STQ server (see run.sh).

    locust -f benchmarks/load/locustfile.py --host http://127.0.0.1:8000 --headless -u 200 -r 2 -t 5m

Accounts are the ones `fill.py` creates (`load.o.<team>.<k>`, `load.l.<team>`, `load.analyst`, password
`fill.PASSWORD`). Each simulated user signs in once through the login form (CSRF) for the pages and once through
`POST /api/v1/auth/token/` for the API, then loops over its tasks with think time:
  * officers (all users but the fixed ones) search enterprises (page and API), open enterprise pages, open case,
    proposal and collection lists and details, search declarations (page and API), and take the next workflow
    step of a case (`POST /api/v1/audit-cases/{id}/actions/` with the dates the step needs, taken from the case),
    submit draft proposals and draft information collections;
  * leaders (`LEADERS`, one per team) approve submitted proposals and information collections, close reported
    collections, approve recorded conclusions and close handled cases;
  * the analyst (one) opens forms 19 and 20 for the whole country and downloads them as Excel.
Objects are shared out so that two simulated users never act on the same record (a team's k-th officer takes the
records whose id ≡ k mod OFFICERS_PER_TEAM; each team has one leader): every refused action is a real error.
Requests are named by endpoint pattern ("/audits/[id]/"). Successful workflow actions are counted per case type
and action and written as JSON to $LOAD_WRITES_FILE when the test stops (run.sh compares them with the database).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
from collections import Counter

import gevent
from locust import HttpUser, between, events, task

TEAMS = [f"KV{i:02d}-PT" for i in range(1, 21)] + ["KTSTQ-D1", "KTSTQ-D2", "KTSTQ-D3"]
PASSWORD = os.environ.get("LOAD_PASSWORD", "Stq@2026load")
OFFICERS_PER_TEAM = int(os.environ.get("LOAD_OFFICERS_PER_TEAM", "8"))
LEADERS = int(os.environ.get("LOAD_LEADERS", str(len(TEAMS))))
YEAR = os.environ.get("LOAD_REPORT_YEAR", "2026")
THINK = float(os.environ.get("LOAD_THINK", "1"))  # think-time scale (the test shortens it)
SETTLE = float(os.environ.get("LOAD_SETTLE", "30"))  # seconds between the last sign-in and the steady state
# name fragments and tax-code prefixes the officers type (the demo generator's words and province prefixes)
NAME_WORDS = ["Minh Phát", "Thành Công", "an phu", "HOA BINH", "Việt Tiến", "dong a", "Sao Mai", "Hưng Thịnh",
              "tan long", "Đại Việt", "Kim Long", "thang long", "Hoàng Gia", "Quang Minh", "Cửu Long", "Samsung",
              "Foxconn", "det may", "Điện tử", "Thủy sản", "logistics", "Nhựa", "go", "co khi", "Dược phẩm"]
PREFIXES = ["0100", "0101", "0300", "0301", "0200", "0400", "5700", "2300", "3600", "3700", "0800", "1800", "0310"]
# the next step an officer records, and the date it needs (taken from the case itself, so that it is valid)
CASE_STEPS = {
    "decision_signed": ("deliver", lambda c: {"delivered_on": c["decision_signed_on"], "delivery_method": "direct"}),
    "delivered": ("start", lambda c: {"started_on": c["planned_start_on"]}),
    "fieldwork": ("end", lambda c: {"ended_on": c["started_on"]}),
    "fieldwork_ended": ("sign_minutes", lambda c: {"minutes_signed_on": c["ended_on"]}),
    "minutes_signed": ("send_draft", lambda c: {"draft_sent_on": c["minutes_signed_on"]}),
    "draft_sent": ("receive_explanation", lambda c: {"explanation_on": c["draft_sent_on"]}),
}

WRITES: Counter = Counter()  # "audit_case.deliver" -> successful requests
_lock = threading.Lock()
_officer_seq = itertools.count()
_leader_seq = itertools.count()


def count_write(kind: str, action: str) -> None:
    with _lock:
        WRITES[f"{kind}.{action}"] += 1


def _start_steady_state(environment):
    """SETTLE seconds after the last sign-in: save the ramp-up's figures (every sign-in happens there) to
    $LOAD_RAMP_FILE, then reset the statistics: what locust reports at the end is the steady state only."""
    path = os.environ.get("LOAD_RAMP_FILE")
    if path:
        rows = [{"type": e.method, "name": e.name, "requests": e.num_requests, "failures": e.num_failures,
                 "median": e.median_response_time or 0, "p95": e.get_response_time_percentile(0.95) or 0,
                 "max": e.max_response_time or 0, "rps": e.total_rps}
                for e in [*environment.stats.entries.values(), environment.stats.total]]
        errors = [{"method": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
                  for e in environment.stats.errors.values()]  # what failed, not only how many
        with open(path, "w") as fh:
            json.dump({"signed_in": _signed_in_count[0], "rows": rows, "errors": errors}, fh, indent=1)
    environment.stats.reset_all()


_signed_in_count = [0]


@events.test_stop.add_listener
def _write_counts(environment, **_kw):
    path = os.environ.get("LOAD_WRITES_FILE")
    if path:
        with open(path, "w") as fh:
            json.dump(dict(sorted(WRITES.items())), fh, indent=1)


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class StqUser(HttpUser):
    abstract = True
    username = ""

    def on_start(self):
        # One connection per request, as nginx's proxy would hand them over without its upstream keep-alive: a
        # client that reuses an idle keep-alive connection straight to gunicorn races gunicorn closing it after
        # its keepalive (5 s) and gets "connection reset" (14 of 8,162 requests in the first run, LOAD.md).
        self.client.headers["Connection"] = "close"
        self.username = self.account()
        page = self.client.get("/login/", name="/login/")
        match = CSRF.search(page.text)
        with self.client.post("/login/", name="/login/ [POST]", catch_response=True, allow_redirects=False, data={
            "csrfmiddlewaretoken": match.group(1) if match else "", "username": self.username,
            "password": PASSWORD, "next": "/"}, headers={"Referer": self.host + "/login/"}) as r:
            if r.status_code != 302:
                r.failure(f"sign-in of {self.username} failed ({r.status_code})")
        r = self.client.post("/api/v1/auth/token/", name="/api/v1/auth/token/",
                             json={"username": self.username, "password": PASSWORD})
        self.api_headers = {"Authorization": f"Token {r.json().get('token', '')}"} if r.ok else {}
        with _lock:
            _signed_in_count[0] += 1
            last = _signed_in_count[0] == getattr(self.environment.runner, "target_user_count", -1)
        if last:
            gevent.spawn_later(SETTLE, _start_steady_state, self.environment)

    def account(self) -> str:
        raise NotImplementedError

    # --- helpers ---
    def page(self, url: str, name: str):
        return self.client.get(url, name=name)

    def api(self, url: str, name: str, params=None):
        r = self.client.get(url, name=name, params=params, headers=self.api_headers)
        return r.json() if r.ok else {}

    def act(self, kind: str, path: str, pk: int, action: str, *, note: str = "", data=None, version=None) -> bool:
        body = {"action": action, "note": note}
        if data is not None:
            body["data"] = data
        if version is not None:
            body["version"] = version
        with self.client.post(f"/api/v1/{path}/{pk}/actions/", name=f"/api/v1/{path}/[id]/actions/ [POST]",
                              json=body, headers=self.api_headers, catch_response=True) as r:
            if r.status_code in (200, 201):
                count_write(kind, action)
                return True
            r.failure(f"{action} on {path} {pk}: {r.status_code} {r.text[:200]}")
            return False

    def waiting(self, path: str, state: str) -> list[dict]:
        """The team's records of an API list (``path``) waiting in ``state``."""
        body = self.api(f"/api/v1/{path}/", f"/api/v1/{path}/?unit=&state=", params={"unit": self.team, "state": state})
        return body.get("results") or []

    def take(self, kind: str, path: str, rows: list[dict], action: str, *, page: str = "", note: str = ""):
        """Take ``action`` on one of ``rows``, after opening its page when ``page`` (with ``{id}``) is given."""
        if not rows:
            return
        row = random.choice(rows)
        if page:
            self.page(page.format(id=row["id"]), page.replace("{id}", "[id]"))
        self.act(kind, path, row["id"], action, version=row["version"], note=note)


class Officer(StqUser):
    """Most users: an officer of one team."""

    weight = 1
    wait_time = between(10 * THINK, 50 * THINK)  # reading a page, typing a search: 30 s on average

    def account(self) -> str:
        n = next(_officer_seq) % (len(TEAMS) * OFFICERS_PER_TEAM)
        self.team, self.k = TEAMS[n % len(TEAMS)], n // len(TEAMS)
        return f"load.o.{self.team.lower()}.{self.k}"

    def mine(self, rows):
        return [r for r in rows if r["id"] % OFFICERS_PER_TEAM == self.k]

    # reads
    @task(4)
    def search_enterprises_page(self):
        q = random.choice(NAME_WORDS + PREFIXES)
        self.page(f"/enterprises/?q={q}", "/enterprises/?q=")

    @task(3)
    def search_and_open_enterprise(self):
        body = self.api("/api/v1/enterprises/", "/api/v1/enterprises/?q=",
                        params={"q": random.choice(NAME_WORDS + PREFIXES)})
        rows = body.get("results") or []
        if rows:
            code = random.choice(rows)["tax_code"]
            self.page(f"/enterprises/{code}/", "/enterprises/[tax_code]/")
            if random.random() < 0.3:
                self.api(f"/api/v1/enterprises/{code}/", "/api/v1/enterprises/[tax_code]/")
            self.last_tax_code = code

    @task(2)
    def search_declarations(self):
        code = getattr(self, "last_tax_code", None)
        if not code:
            return
        month = random.randint(1, 10)
        if random.random() < 0.6:
            self.page(f"/declarations/?tax_code={code}&date_from=2026-{month:02d}-01&date_to=2026-{month + 2:02d}-28",
                      "/declarations/?tax_code=&date_from=&date_to=")
        else:
            self.api("/api/v1/declarations/", "/api/v1/declarations/?tax_code=&from=&to=",
                     params={"tax_code": code, "from": f"2026-{month:02d}-01", "to": f"2026-{month + 2:02d}-28"})

    @task(2)
    def cases(self):
        if random.random() < 0.3:
            self.page("/", "/ (my work)")
        self.page(f"/audits/?unit={self.team}", "/audits/?unit=")
        body = self.api("/api/v1/audit-cases/", "/api/v1/audit-cases/?unit=", params={"unit": self.team})
        rows = body.get("results") or []
        if rows:
            self.page(f"/audits/{random.choice(rows)['id']}/", "/audits/[id]/")

    @task(1)
    def collections_and_proposals(self):
        r = random.random()
        if r < 0.5:
            self.page(f"/collection/?unit={self.team}", "/collection/?unit=")
            body = self.api("/api/v1/info-collections/", "/api/v1/info-collections/?unit=",
                            params={"unit": self.team})
            rows = body.get("results") or []
            if rows:
                self.page(f"/collection/{random.choice(rows)['id']}/", "/collection/[id]/")
        else:
            self.page(f"/audits/proposals/?unit={self.team}", "/audits/proposals/?unit=")
            body = self.api("/api/v1/audit-proposals/", "/api/v1/audit-proposals/?unit=", params={"unit": self.team})
            rows = body.get("results") or []
            if rows:
                self.page(f"/audits/proposals/{random.choice(rows)['id']}/", "/audits/proposals/[id]/")

    # writes
    @task(3)
    def next_case_step(self):
        state = random.choice(list(CASE_STEPS))
        params = {"unit": self.team, "state": state}
        if state == "fieldwork_ended":
            params["mode"] = "field"  # a desk audit goes on with its conclusion (a document, not a step)
        body = self.api("/api/v1/audit-cases/", "/api/v1/audit-cases/?unit=&state=", params=params)
        rows = self.mine(body.get("results") or [])
        if not rows:
            return
        case = self.api(f"/api/v1/audit-cases/{random.choice(rows)['id']}/", "/api/v1/audit-cases/[id]/")
        if case.get("state") in CASE_STEPS:
            action, data = CASE_STEPS[case["state"]]
            self.act("audit_case", "audit-cases", case["id"], action, data=data(case), version=case["version"])

    @task(1)
    def submit_proposal(self):
        self.take("audit_proposal", "audit-proposals", self.mine(self.waiting("audit-proposals", "draft")), "submit",
                  page="/audits/proposals/{id}/")

    @task(1)
    def submit_collection(self):
        self.take("info_collection", "info-collections", self.mine(self.waiting("info-collections", "draft")),
                  "submit", page="/collection/{id}/")


class Leader(StqUser):
    """A team leader (approver): one per team."""

    fixed_count = LEADERS
    wait_time = between(10 * THINK, 40 * THINK)

    def account(self) -> str:
        self.team = TEAMS[next(_leader_seq) % len(TEAMS)]
        return f"load.l.{self.team.lower()}"

    @task(2)
    def my_work(self):
        self.page("/", "/ (my work)")
        self.page(f"/audits/proposals/?unit={self.team}&state=submitted", "/audits/proposals/?unit=")

    @task(3)
    def approve_proposal(self):
        self.take("audit_proposal", "audit-proposals", self.waiting("audit-proposals", "submitted"), "approve",
                  page="/audits/proposals/{id}/", note="Đồng ý đề xuất (thử tải).")

    @task(2)
    def approve_collection(self):
        self.take("info_collection", "info-collections", self.waiting("info-collections", "submitted"), "approve",
                  page="/collection/{id}/", note="Đồng ý thu thập thông tin (thử tải).")

    @task(1)
    def close_collection(self):
        self.take("info_collection", "info-collections", self.waiting("info-collections", "report_submitted"),
                  "close", note="Đồng ý với kết quả (thử tải).")

    @task(2)
    def approve_conclusion(self):
        self.take("audit_case", "audit-cases", self.waiting("audit-cases", "concluded"), "approve_conclusion",
                  page="/audits/{id}/")

    @task(1)
    def close_case(self):
        self.take("audit_case", "audit-cases", self.waiting("audit-cases", "handling"), "close",
                  note="Đã xử lý xong kết quả kiểm tra (thử tải).")


class Analyst(StqUser):
    """One analyst: the national forms 19 and 20, on screen and as Excel."""

    fixed_count = 1
    wait_time = between(30 * THINK, 90 * THINK)

    def account(self) -> str:
        return "load.analyst"

    @task
    def reports(self):
        form = random.choice(["19", "20"])
        self.page(f"/reports/form-{form}/?unit=CHQ&period={YEAR}", "/reports/form-[n]/?unit=&period=")
        with self.client.get(f"/api/v1/reports/form-{form}/", name="/api/v1/reports/form-[n]/?format=xlsx",
                             params={"unit": "CHQ", "period": YEAR, "format": "xlsx"}, headers=self.api_headers,
                             catch_response=True) as r:
            if r.ok and not r.content.startswith(b"PK"):
                r.failure("not an Excel file")
