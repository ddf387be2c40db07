"""Personas used across the suite: the same roles in the demo centre and another one."""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client, TransactionTestCase

from xinyuan.accounts.models import Organisation, Region, Role, User
from xinyuan.hotline.models import Seat

PASSWORD = "correct-horse-battery-7"  # noqa: S105 - test personas only


@dataclass
class Personas:
    org: Organisation
    other_org: Organisation
    counsellor: User
    counsellor_b: User
    supervisor: User
    director: User
    auditor: User
    admin: User
    outsider: User  # a counsellor of the other organisation
    outsider_supervisor: User
    seat: Seat
    region: Region
    officer: User  # health-commission officer of the region of both organisations


def make_user(username: str, org: Organisation | None, role: str, **extra) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, organisation=org, role=role, **extra
    )
    return user


def make_personas() -> Personas:
    region = Region.objects.create(name="测试市卫生健康委员会")
    org = Organisation.objects.create(
        name="测试热线", hotline_name="测试心理援助热线", region=region
    )
    other = Organisation.objects.create(
        name="其他热线", hotline_name="其他心理援助热线", region=region
    )
    return Personas(
        org=org,
        other_org=other,
        counsellor=make_user("counsellor", org, Role.COUNSELLOR, alias="07号"),
        counsellor_b=make_user("counsellor_b", org, Role.COUNSELLOR, alias="08号"),
        supervisor=make_user("supervisor", org, Role.SUPERVISOR, alias="督导", is_on_duty=True),
        director=make_user("director", org, Role.DIRECTOR),
        auditor=make_user("auditor", org, Role.AUDITOR),
        admin=make_user("admin", org, Role.ADMIN),
        outsider=make_user("outsider", other, Role.COUNSELLOR, alias="99号"),
        outsider_supervisor=make_user(
            "outsider_supervisor", other, Role.SUPERVISOR, is_on_duty=True
        ),
        seat=Seat.objects.create(organisation=org, code="A01"),
        region=region,
        officer=make_user("officer", None, Role.REGION_OFFICER, region=region),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


class PersonaMixin:
    """For django TestCase classes: ``self.p`` holds the personas (built once per class)."""

    p: Personas

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()  # type: ignore[misc]
        cls.p = make_personas()


class ProductionTransactionTestCase(TransactionTestCase):
    """Runs as gunicorn runs the app: no transaction wraps the test, so each action opens its
    own (a missing ``atomic`` fails here as it does in production). The database is flushed
    between tests; the audit trail's append-only triggers are lifted for the flush only."""

    def _fixture_teardown(self):
        from xinyuan.audit.triggers import lifted

        with lifted():
            super()._fixture_teardown()
