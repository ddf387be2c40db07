"""Load the demo centre idempotently (development only; refused in production mode)."""

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from xinyuan.accounts.models import Employment, Organisation, Qualification, Region, Role, User
from xinyuan.hotline.models import Seat

DEMO_REGION = "示范市卫生健康委员会"
DEMO_ORG = "示范心理援助热线"
SECOND_ORG = "第二心理援助热线"
DEMO_USERS = [
    # username, organisation, role, alias, on duty
    ("counsellor1", DEMO_ORG, Role.COUNSELLOR, "07号", False),
    ("supervisor1", DEMO_ORG, Role.SUPERVISOR, "督导01", True),
    ("director1", DEMO_ORG, Role.DIRECTOR, "主任", False),
    ("auditor1", DEMO_ORG, Role.AUDITOR, "审计01", False),
    ("admin1", DEMO_ORG, Role.ADMIN, "管理员", False),
    ("counsellor2", SECOND_ORG, Role.COUNSELLOR, "12号", False),
    ("supervisor2", SECOND_ORG, Role.SUPERVISOR, "督导02", True),
    ("director2", SECOND_ORG, Role.DIRECTOR, "主任02", False),
    # A health-commission officer of the region both centres belong to: statistics only.
    ("officer1", None, Role.REGION_OFFICER, "卫健委", False),
]
# The work report's staff table counts these: qualification, employment, home institution.
DEMO_STAFF_PROFILES = {
    "counsellor1": (Qualification.COUNSELLOR, Employment.PART_TIME, "示范市第一人民医院"),
    "supervisor1": (Qualification.PSYCHOTHERAPIST, Employment.FULL_TIME, ""),
    "director1": (Qualification.PSYCHIATRIST, Employment.FULL_TIME, ""),
    "counsellor2": (Qualification.SOCIAL_WORKER, Employment.PART_TIME, "示范市社会工作服务中心"),
    "supervisor2": (Qualification.PSYCHIATRIC_NURSE, Employment.FULL_TIME, ""),
    "director2": (Qualification.PSYCHOLOGY_TEACHER, Employment.PART_TIME, "示范师范大学"),
}


class Command(BaseCommand):
    help = "Create the demo centre and its users (idempotent; never in production mode)."

    @transaction.atomic
    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "Demo users are never created in production mode (XINYUAN_ENV=production)."
            )
        region, _ = Region.objects.get_or_create(name=DEMO_REGION)
        orgs = {}
        for name, hotline, number in (
            (DEMO_ORG, "示范心理援助热线", "12356"),
            (SECOND_ORG, "第二心理援助热线", "12356"),
        ):
            orgs[name], _ = Organisation.objects.get_or_create(
                name=name,
                defaults={
                    "hotline_name": hotline,
                    "hotline_number": number,
                    "hotline_hours": "24小时",
                    "local_area_code": "010",  # 本地/外地来电 of the switch's call events
                    "clinic": "心理咨询门诊：示范市精神卫生中心门诊楼3层，工作日 8:00–17:00",
                },
            )
            if orgs[name].region_id is None:
                Organisation.objects.filter(pk=orgs[name].pk).update(region=region)
            for code in ("A01", "A02", "A03", "A04"):
                Seat.objects.get_or_create(organisation=orgs[name], code=code)
        for username, org, role, alias, on_duty in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "organisation": orgs[org] if org else None,
                    "region": region if role == Role.REGION_OFFICER else None,
                    "role": role,
                    "alias": alias,
                    "is_on_duty": on_duty,
                },
            )
            if username in DEMO_STAFF_PROFILES and not user.qualification:
                qualification, employment, institution = DEMO_STAFF_PROFILES[username]
                User.objects.filter(pk=user.pk).update(
                    qualification=qualification,
                    employment=employment,
                    home_institution=institution,
                )
            if created or not user.check_password(settings.DEMO_PASSWORD):
                user.set_password(settings.DEMO_PASSWORD)
                user.save(update_fields=["password"])
        # Apps above hotline add their part of the demo as ``load_demo_<part>`` commands (the
        # rota: operations' load_demo_rota); hotline names none of them.
        for name in sorted(n for n in get_commands() if n.startswith("load_demo_")):
            call_command(name, stdout=self.stdout)
        self.stdout.write(
            "Demo centre ready: log in as counsellor1, supervisor1, director1, auditor1, admin1 "
            "(second centre: counsellor2, supervisor2, director2; health commission: officer1)."
        )
