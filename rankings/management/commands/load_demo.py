"""Load everything a newcomer needs to try the portal: reference data, demo logins, 2013–2014.

Idempotent: a second run changes nothing. The demo passwords live here and in README.md only.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from assessments import demo, services
from assessments.models import Block, OfficerMembership, Period, ReviewerAssignment, Unit
from rankings.services import score_period

DEMO_PASSWORD = "Demo@2014"
DEMO_YEARS = (2013, 2014)
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
    help = "Load the reference data, the demo logins and the appraised 2013 and 2014 rounds."

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
        self.stdout.write(
            self.style.SUCCESS("Demo logins (password for all: " + DEMO_PASSWORD + "):")
        )
        self.stdout.write(f"  {ADMIN[0]:<20} steering admin")
        for username, block in REVIEWERS.items():
            self.stdout.write(f"  {username:<20} reviewer of {block}")
        for username, unit in OFFICERS.items():
            self.stdout.write(f"  {username:<20} officer of {unit}")

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
                period=period, answers_by_unit=answers_by_unit, approved_at=approved_at
            )
        return created
