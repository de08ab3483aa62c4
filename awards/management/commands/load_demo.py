"""Load everything a newcomer needs to try the portal: reference data, demo logins, 2013–2014
appraised, scored and published (so the first page is the 2014 announcement), 2015 open.

Idempotent: a second run changes nothing. The demo passwords live here and in README.md only.
"""

import datetime as dt
import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from assessments import demo, services
from assessments.models import (
    Answer,
    Block,
    OfficerMembership,
    Period,
    ReviewerAssignment,
    Unit,
)
from assessments.services import submissions as workflow
from awards.services import load_demo_awards
from rankings.services import publish_period, score_period

DEMO_PASSWORD = "Demo@2014"
DEMO_YEARS = (2013, 2014)
DUMMY_MAILER = "django.core.mail.backends.dummy.EmailBackend"
OPEN_YEAR = 2015  # opened from 2014 for self-assessment, with work in every state
# 2015 demo: unit → what its self-assessment shows (the officers' units, then a few per block
# submitted so every reviewer has a queue).
OPEN_PERIOD_STATES = {
    "so-thong-tin-va-truyen-thong": "half_draft",
    "cuc-thue-thanh-pho-ha-noi": "submitted",
    "quan-hoan-kiem": "returned",
    "huyen-dong-anh": "approved",
    "xa-bat-trang": "draft_started",
    "so-tu-phap": "submitted",
    "so-y-te": "submitted",
    "kho-bac-nha-nuoc-ha-noi": "submitted",
    "quan-cau-giay": "submitted",
    "huyen-gia-lam": "submitted",
    "phuong-dich-vong-hau": "submitted",
    "xa-co-loa": "submitted",
}
REOPENED = {  # returned demo: indicator → reviewer's comment
    "I.5": "Số máy tính có phần mềm diệt virus chưa khớp với biên bản kiểm kê; đề nghị rà soát.",
    "II.2": "Đề nghị bổ sung báo cáo thống kê văn bản đi từ hệ thống quản lý văn bản.",
}
ADMIN = ("admin", "Quản trị", "Ban Chỉ đạo")
REVIEWERS = {  # username → block reviewed
    "thamdinh-so-nganh": "so-nganh",
    "thamdinh-hiep-quan": "hiep-quan",
    "thamdinh-quan": "quan-thi-xa",
    "thamdinh-huyen": "huyen",
    "thamdinh-phuong": "phuong-thi-tran",
    "thamdinh-xa": "xa",
}
OFFICERS = {  # username → unit entered for
    "canbo-sotttt": "so-thong-tin-va-truyen-thong",
    "canbo-cucthue": "cuc-thue-thanh-pho-ha-noi",
    "canbo-hoankiem": "quan-hoan-kiem",
    "canbo-donganh": "huyen-dong-anh",
    "canbo-hangtrong": "phuong-hang-trong",
    "canbo-battrang": "xa-bat-trang",
}


class Command(BaseCommand):
    help = (
        "Load the reference data, the demo logins, the appraised and published 2013 and 2014 "
        "rounds, and 2015 open for self-assessment."
    )

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            counts = services.load_reference_data()
            created_users = self._load_users()
            created_submissions = self._load_submissions()
        self.stdout.write(
            f"Reference data: {counts.blocks} blocks, {counts.units} units, "
            f"{counts.periods} periods, {counts.indicators} indicators."
        )
        self.stdout.write(
            f"Created {created_users} demo users and {created_submissions} approved submissions."
        )
        for year in sorted(DEMO_YEARS):
            period = Period.objects.get(year=year)
            if not period.results.exists():  # scored already: a second run changes nothing
                run = score_period(period=period)
                self.stdout.write(
                    f"Scored {year}: {run.ranked_count} units ranked, "
                    f"{run.changed_count} results changed."
                )
        self._publish_demo_years()
        awarded = load_demo_awards(year=2014)
        if awarded:
            self.stdout.write(f"Proposed and confirmed {awarded} awards of 2014.")
        # The demo's notifications appear in the portal; their e-mails go nowhere.
        with override_settings(MAILERS={"default": {"BACKEND": DUMMY_MAILER}}):
            opened = self._load_open_period()
        if opened:
            self.stdout.write(
                f"Opened {OPEN_YEAR} for self-assessment with {opened} demo submissions."
            )
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        self.stdout.write(f"  {ADMIN[0]:<20} steering admin")
        for username, block in REVIEWERS.items():
            self.stdout.write(f"  {username:<20} reviewer of {block}")
        for username, unit in OFFICERS.items():
            self.stdout.write(f"  {username:<20} officer of {unit}")

    def _publish_demo_years(self) -> None:
        """Publish 2013 and 2014 as they were announced (on the fixtures' dates), once."""
        announced = {
            row["year"]: row.get("published_at")
            for row in json.loads((services.FIXTURES_DIR / "periods.json").read_text())["periods"]
        }
        admin = get_user_model().objects.get(username=ADMIN[0])
        for year in sorted(DEMO_YEARS):
            period = Period.objects.get(year=year)
            if period.publications.exists():
                continue
            day = announced.get(year)
            publication = publish_period(
                period=period,
                actor=admin,
                published_at=timezone.make_aware(dt.datetime.fromisoformat(f"{day}T09:00"))
                if day
                else None,
            )
            self.stdout.write(f"Published {year} (version {publication.version}).")

    def _user(self, username: str, *, first_name: str, last_name: str = "", staff: bool = False):
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@demo.hanoi-ict.invalid",
                "is_staff": staff,
                "is_superuser": staff,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user, created

    def _load_users(self) -> int:
        created_count = 0
        _admin, created = self._user(ADMIN[0], first_name=ADMIN[1], last_name=ADMIN[2], staff=True)
        created_count += created
        periods = list(Period.objects.filter(year__in=DEMO_YEARS))
        for username, block_code in REVIEWERS.items():
            block = Block.objects.get(code=block_code)
            reviewer, created = self._user(
                username, first_name="Thẩm định", last_name=block.name_vi
            )
            created_count += created
            for period in periods:
                ReviewerAssignment.objects.get_or_create(user=reviewer, period=period, block=block)
        for username, unit_code in OFFICERS.items():
            unit = Unit.objects.get(code=unit_code)
            officer, created = self._user(username, first_name="Cán bộ", last_name=unit.name)
            created_count += created
            OfficerMembership.objects.get_or_create(user=officer, unit=unit)
        return created_count

    def _load_submissions(self) -> int:
        units, indicators = demo.read_fixture_inputs(services.FIXTURES_DIR)
        answers_by_year = demo.generate_demo_answers(units, indicators)
        created = 0
        for year, answers_by_unit in sorted(answers_by_year.items()):
            period = Period.objects.get(year=year)
            approved_at = timezone.make_aware(dt.datetime(year + 1, 2, 15, 9, 0))
            created += services.record_approved_submissions(
                period=period,
                answers_by_unit=answers_by_unit,
                approved_at=approved_at,
                reason="Dữ liệu minh họa: kỳ đánh giá đã thẩm định xong",
            )
        return created

    @transaction.atomic
    def _load_open_period(self) -> int:
        """Open 2015 from 2014 and put the demo units' self-assessments in every state."""
        if Period.objects.filter(year=OPEN_YEAR).exists():
            return 0
        period = services.open_period(year=OPEN_YEAR, copy_from=OPEN_YEAR - 1)
        period.state = Period.State.OPEN
        period.save(update_fields=["state"])
        # The demo runs long after 2015: the units in play get an extension to a month ahead.
        extension = timezone.localdate() + dt.timedelta(days=30)
        period.participations.filter(unit__code__in=OPEN_PERIOD_STATES).update(
            deadline_extension=extension
        )
        for username, block_code in REVIEWERS.items():
            ReviewerAssignment.objects.get_or_create(
                user=get_user_model().objects.get(username=username),
                period=period,
                block=Block.objects.get(code=block_code),
            )
        officers = {unit: get_user_model().objects.get(username=u) for u, unit in OFFICERS.items()}
        admin = get_user_model().objects.get(username=ADMIN[0])
        for unit_code, state in OPEN_PERIOD_STATES.items():
            unit = Unit.objects.get(code=unit_code)
            actor = officers.get(unit_code)
            reviewer = get_user_model().objects.get(
                username=next(u for u, b in REVIEWERS.items() if b == unit.block.code)
            )
            self._demo_submission(unit, period, state, actor, reviewer, admin)
        return len(OPEN_PERIOD_STATES)

    def _demo_submission(self, unit, period, state, actor, reviewer, admin) -> None:
        submission = workflow.start_submission(unit=unit, period=period, actor=actor or admin)
        previous = {
            a.indicator.code: a
            for a in Answer.objects.filter(
                submission__unit=unit, submission__period__year=period.year - 1
            ).select_related("indicator")
        }
        indicators = workflow.applicable_indicators(submission)
        if state == "draft_started":
            indicators = indicators[:3]
        elif state == "half_draft":
            indicators = [i for i in indicators if i.group.code in ("I", "II")]
        values = {}
        for indicator in indicators:
            old = previous.get(indicator.code)
            if old is not None:
                values[indicator] = workflow.answer_values(old)
        workflow.save_answers(submission=submission, actor=actor or admin, values=values)
        for index, indicator in enumerate(indicators):
            if state == "half_draft" and index % 4 == 3:
                continue  # a few still lack their evidence
            workflow.add_evidence(
                submission=submission,
                indicator=indicator,
                actor=actor or admin,
                link=f"https://demo.hanoi-ict.invalid/{period.year}/{unit.code}/{indicator.code}",
                max_bytes=0,
            )
        if state in ("draft_started", "half_draft"):
            return
        submission = workflow.submit_submission(
            submission=submission, actor=actor or admin, expected_version=submission.version
        )
        if state == "returned":
            reopen = {i: REOPENED[i.code] for i in indicators if i.code in REOPENED}
            workflow.return_submission(
                submission=submission,
                actor=reviewer,
                expected_version=submission.version,
                reason="Một số số liệu chưa khớp với tài liệu kiểm chứng.",
                reopen=reopen,
            )
        elif state == "approved":
            workflow.approve_submission(
                submission=submission, actor=reviewer, expected_version=submission.version
            )
