"""Security and audit events: JSON lines with UTC timestamps: who, what, when, from where."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client

from assessments.models import Participation, Period
from assessments.services import submissions as workflow
from awards import services as award_services
from awards.models import Award, Category
from hanoi_ict.logging import JsonFormatter
from tests import factories
from tests.security.conftest import LOGIN_URL, PASSWORD

UTC_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def assert_utc_now(line: dict) -> None:
    assert UTC_TIMESTAMP.match(line["time"]), line["time"]
    logged = dt.datetime.fromisoformat(line["time"])
    assert abs(logged - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


@pytest.fixture
def officer(db):
    return factories.make_user("officer")


# --- the format -----------------------------------------------------------------------------


def test_a_record_becomes_one_json_line_with_a_utc_timestamp_and_its_fields():
    record = logging.LogRecord(
        "hanoi_ict.security", logging.WARNING, __file__, 1, "Hỏng %s", ("x",), None
    )
    record.event = "login_failed"
    record.username = "canbo-sotttt"

    line = JsonFormatter().format(record)

    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["time"].endswith("Z") and UTC_TIMESTAMP.match(parsed["time"])
    assert parsed["level"] == "WARNING"
    assert parsed["logger"] == "hanoi_ict.security"
    assert parsed["message"] == "Hỏng x"
    assert parsed["event"] == "login_failed"
    assert parsed["username"] == "canbo-sotttt"


def test_an_exception_is_written_inside_the_line(log_lines):
    try:
        raise ValueError("sai")
    except ValueError:
        logging.getLogger("hanoi_ict.test").exception("failed")

    (line,) = [line for line in log_lines.lines if line["logger"] == "hanoi_ict.test"]
    assert "ValueError: sai" in line["exception"]


# --- logins ---------------------------------------------------------------------------------


def test_a_successful_login_is_logged_with_username_address_and_user_agent(
    officer, log_in, log_lines
):
    log_in("officer", PASSWORD, address="203.0.113.5")

    (line,) = log_lines.events("login_succeeded")
    assert_utc_now(line)
    assert line["username"] == "officer"
    assert line["address"] == "203.0.113.5"
    assert line["user_agent"] == "Mozilla/5.0 (test)"
    assert line["path"] == LOGIN_URL


def test_a_failed_login_is_logged_as_a_warning_without_the_password(officer, log_in, log_lines):
    log_in("officer", "Sai-Mat-Khau-123", address="203.0.113.6")

    (line,) = log_lines.events("login_failed")
    assert_utc_now(line)
    assert line["level"] == "WARNING"
    assert (line["username"], line["address"], line["blocked"]) == ("officer", "203.0.113.6", False)
    assert "Sai-Mat-Khau-123" not in json.dumps(log_lines.lines)


def test_the_block_and_every_refused_attempt_while_blocked_are_logged(officer, log_in, log_lines):
    for n in range(10):
        log_in("officer", f"wrong-{n}", address=f"198.51.100.{n}")
    log_in("officer", PASSWORD, address="192.0.2.1")

    blocks = log_lines.events("login_blocked")
    assert [line["address"] for line in blocks] == ["198.51.100.9", "192.0.2.1"]
    assert all(line["username"] == "officer" for line in blocks)
    assert log_lines.events("login_failed")[-1]["blocked"] is True
    assert not log_lines.events("login_succeeded")


def test_a_logout_is_logged(officer, client, log_lines):
    client.force_login(officer)

    client.post("/accounts/logout/")

    (line,) = log_lines.events("logout")
    assert line["username"] == "officer"


# --- refused access -------------------------------------------------------------------------


def test_a_staff_member_refused_an_admin_page_is_logged_with_who_what_and_where(
    db, client, log_lines
):
    clerk = factories.make_user("clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_unit"))
    client.force_login(clerk)

    response = client.get("/admin/assessments/auditentry/", REMOTE_ADDR="203.0.113.8")

    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()
    (line,) = log_lines.events("access_refused")
    assert_utc_now(line)
    assert line["username"] == "clerk"
    assert (line["method"], line["path"], line["status"]) == (
        "GET",
        "/admin/assessments/auditentry/",
        403,
    )
    assert line["address"] == "203.0.113.8"


def test_a_csrf_failure_is_refused_with_a_vietnamese_page_and_logged(officer, log_lines):
    client = Client(enforce_csrf_checks=True)

    response = client.post(LOGIN_URL, {"username": "officer", "password": PASSWORD})

    assert response.status_code == 403
    assert "Biểu mẫu đã hết hiệu lực" in response.content.decode()
    (refused,) = log_lines.events("access_refused")
    assert (refused["path"], refused["username"]) == (LOGIN_URL, None)
    (csrf,) = [line for line in log_lines.lines if line["logger"] == "django.security.csrf"]
    assert "CSRF" in csrf["message"] and csrf["path"] == LOGIN_URL and csrf["address"]


def test_an_api_request_with_a_wrong_token_is_refused_and_logged(db, client, log_lines):
    response = client.get("/api/v1/schema/", headers={"authorization": "Token not-a-real-token"})

    assert response.status_code in (401, 403)  # 403 while session authentication comes first
    (line,) = log_lines.events("access_refused")
    assert (line["path"], line["status"]) == ("/api/v1/schema/", response.status_code)


def test_a_logged_in_user_refused_another_units_page_with_404_is_logged_as_not_found(
    officer, client, log_lines
):
    client.force_login(officer)

    response = client.get("/my/another-unit/2014/")

    assert response.status_code == 404
    (line,) = log_lines.events("not_found")
    assert (line["username"], line["path"]) == ("officer", "/my/another-unit/2014/")


def test_an_anonymous_not_found_page_is_not_a_security_event(db, client, log_lines):
    client.get("/no-such-page/")

    assert not log_lines.events("not_found")


# --- audit ----------------------------------------------------------------------------------


def test_every_audit_entry_written_is_logged_once_committed(
    officer, log_lines, django_capture_on_commit_callbacks
):
    period = factories.make_period(2015, state=Period.State.OPEN)
    unit = factories.make_unit(code="so-noi-vu")
    Participation.objects.create(period=period, unit=unit, block=unit.block)

    with django_capture_on_commit_callbacks(execute=True):
        submission = workflow.start_submission(unit=unit, period=period, actor=officer)

    (line,) = [line for line in log_lines.lines if line["logger"] == "hanoi_ict.audit"]
    assert_utc_now(line)
    assert line["event"] == "submission_changed"
    assert line["submission"] == submission.pk
    assert line["action"] == "status_changed"
    assert line["actor"] == "officer"
    assert line["after"] == {"status": "draft"}
    assert line["at"].endswith("+00:00")


def test_an_audit_entry_rolled_back_is_not_logged(
    officer, log_lines, django_capture_on_commit_callbacks
):
    period = factories.make_period(2015, state=Period.State.OPEN)
    unit = factories.make_unit(code="so-noi-vu")
    Participation.objects.create(period=period, unit=unit, block=unit.block)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        workflow.start_submission(unit=unit, period=period, actor=officer)
        raise RuntimeError

    assert not [line for line in log_lines.lines if line["logger"] == "hanoi_ict.audit"]


def test_every_award_event_written_is_logged(db, log_lines, django_capture_on_commit_callbacks):
    admin = factories.make_user("chairman", is_staff=True)
    award = Award.objects.create(
        period=factories.make_period(2014),
        unit=factories.make_unit(),
        category=Category.BANG_KHEN,
    )

    with django_capture_on_commit_callbacks(execute=True):
        award_services.reject_award(award=award, actor=admin, reason="Trùng đề xuất.")

    (line,) = [line for line in log_lines.lines if line["logger"] == "hanoi_ict.audit"]
    assert (line["event"], line["award"], line["action"]) == ("award_changed", award.pk, "rejected")
    assert (line["actor"], line["reason"]) == ("chairman", "Trùng đề xuất.")
    assert line["after"] == {"status": "rejected"}
