"""The demo as the access and hostile-input tests see it: the six personas and the objects whose
ids the URLs and POST bodies carry.

``load_world`` loads the demo (``load_demo``) and adds what it lacks: an evidence *file* on an
answer of each officer's unit (the demo's evidence is links only), an issued certificate and a
finished certificate batch of 2014 (fake PDF and ZIP bytes: rendering is not what is tested).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from assessments.models import Answer, Evidence, Indicator, Submission
from awards.models import Award, AwardRule, Certificate, CertificateBatch

OPEN_YEAR = 2015
PUBLISHED_YEAR = 2014

# The personas (usernames of the demo); "other_*" act on the first persona's things.
ROLES = ("anonymous", "officer", "other_officer", "reviewer", "other_reviewer", "admin")
USERNAMES = {
    "officer": "canbo-hoankiem",  # Quận Hoàn Kiếm, block quan-thi-xa; 2015 returned
    "other_officer": "canbo-donganh",  # Huyện Đông Anh, block huyen; 2015 approved
    "reviewer": "thamdinh-quan",  # reviews block quan-thi-xa (Hoàn Kiếm's)
    "other_reviewer": "thamdinh-huyen",  # reviews block huyen
    "admin": "admin",
}
OWN_UNIT = "quan-hoan-kiem"
OTHER_UNIT = "huyen-dong-anh"
OWN_BLOCK = "quan-thi-xa"
# 2015 submissions waiting for appraisal: one in the reviewer's block, one in the other's.
REVIEW_UNIT = "quan-cau-giay"
OTHER_REVIEW_UNIT = "huyen-gia-lam"
DRAFT_UNIT = "xa-bat-trang"  # canbo-battrang's draft: every indicator editable
DRAFT_OFFICER = "canbo-battrang"

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
ZIP = b"PK\x05\x06" + bytes(18)  # an empty ZIP archive


@dataclass
class World:
    """Primary keys and codes of what the tests act on (objects are re-read in each test)."""

    user_ids: dict[str, int]
    own_submission: int  # Hoàn Kiếm 2015, returned with I.5 and II.2 to revise
    other_submission: int  # Đông Anh 2015, approved
    own_published_submission: int  # Hoàn Kiếm 2014, approved, published
    review_submission: int  # Cầu Giấy 2015, submitted (the reviewer's block)
    other_review_submission: int  # Gia Lâm 2015, submitted (the other reviewer's block)
    draft_submission: int  # Bát Tràng 2015, draft
    reopened_indicator: int  # 2015 I.5: Hoàn Kiếm may change it
    locked_indicator: int  # 2015 I.1: Hoàn Kiếm may not (not reopened)
    old_indicator: int  # 2014 I.5: another framework
    ward_only_missing_indicator: int  # 2015 I.6: does not apply to communes (Bát Tràng)
    own_evidence: int  # a PDF on Hoàn Kiếm's 2015 I.5
    other_evidence: int  # a PDF on Đông Anh's 2015 I.5
    award: int  # a confirmed 2014 award
    verification_code: str
    award_rule: int  # a 2014 award rule
    certificate: int  # issued for ``award``
    batch: int  # a finished 2014 certificate batch
    sessions: dict[str, str] = field(default_factory=dict)  # role → session key

    def user(self, role: str):
        return get_user_model().objects.get(pk=self.user_ids[role])

    def client(self, role: str, **options: object) -> Client:
        """A test client logged in as ``role`` (or anonymous), through a session made once:
        logging in for every request would cost more than most requests."""
        client = Client(**options)
        if role == "anonymous":
            return client
        if role not in self.sessions:
            self.sessions[role] = _session_of(self.user(role))
        client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


def _session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _submission(unit: str, year: int) -> Submission:
    return Submission.objects.get(unit__code=unit, period__year=year)


def _indicator(code: str, year: int) -> Indicator:
    return Indicator.objects.get(code=code, framework__period__year=year)


def _file_evidence(submission: Submission, indicator: Indicator, name: str) -> Evidence:
    answer = Answer.objects.get(submission=submission, indicator=indicator)
    evidence = Evidence(
        answer=answer,
        title=name,
        original_name=name,
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        content_type="application/pdf",
    )
    evidence.file.save(name, ContentFile(PDF), save=False)
    evidence.save()
    return evidence


def load_world() -> World:
    """Load the demo and the extras; the caller unblocks the database and flushes it after."""
    cache.clear()  # public pages cached from another module's database must not be served
    # Thirteen demo passwords: hashed cheaply, these tests never log in with them.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("load_demo", verbosity=0, stdout=io.StringIO())
    users = get_user_model().objects.in_bulk(USERNAMES.values(), field_name="username")
    own = _submission(OWN_UNIT, OPEN_YEAR)
    other = _submission(OTHER_UNIT, OPEN_YEAR)
    reopened = _indicator("I.5", OPEN_YEAR)
    award = Award.objects.filter(period__year=PUBLISHED_YEAR, status=Award.Status.CONFIRMED)
    award = award.order_by("pk").first()
    assert award is not None, "the demo confirms the 2014 awards"
    certificate = Certificate(
        award=award,
        version=1,
        sha256=hashlib.sha256(PDF).hexdigest(),
        size=len(PDF),
        issued_at=timezone.now(),
    )
    certificate.pdf.save("certificate.pdf", ContentFile(PDF), save=False)
    certificate.save()
    batch = CertificateBatch(
        period=award.period, status=CertificateBatch.Status.DONE, total=1, done=1
    )
    batch.combined_pdf.save("all.pdf", ContentFile(PDF), save=False)
    batch.zip_file.save("all.zip", ContentFile(ZIP), save=False)
    batch.finished_at = timezone.now()
    batch.save()
    world = World(
        user_ids={role: users[name].pk for role, name in USERNAMES.items()},
        own_submission=own.pk,
        other_submission=other.pk,
        own_published_submission=_submission(OWN_UNIT, PUBLISHED_YEAR).pk,
        review_submission=_submission(REVIEW_UNIT, OPEN_YEAR).pk,
        other_review_submission=_submission(OTHER_REVIEW_UNIT, OPEN_YEAR).pk,
        draft_submission=_submission(DRAFT_UNIT, OPEN_YEAR).pk,
        reopened_indicator=reopened.pk,
        locked_indicator=_indicator("I.1", OPEN_YEAR).pk,
        old_indicator=_indicator("I.5", PUBLISHED_YEAR).pk,
        ward_only_missing_indicator=_indicator("I.6", OPEN_YEAR).pk,
        own_evidence=_file_evidence(own, reopened, "bien-ban-kiem-ke.pdf").pk,
        other_evidence=_file_evidence(other, reopened, "bao-cao-dong-anh.pdf").pk,
        award=award.pk,
        verification_code=award.verification_code,
        award_rule=AwardRule.objects.filter(period__year=PUBLISHED_YEAR).order_by("pk")[0].pk,
        certificate=certificate.pk,
        batch=batch.pk,
    )
    # Sessions made now outlive every test's rollback; a test's logout is rolled back with it.
    for role in USERNAMES:
        world.client(role)
    world.user_ids["draft_officer"] = get_user_model().objects.get(username=DRAFT_OFFICER).pk
    world.client("draft_officer")
    return world


def flush() -> None:
    call_command("flush", interactive=False, verbosity=0)
    cache.clear()
