"""The demo centre's care team (run by ``load_demo``; development only). Idempotent: a team
already there by name is left as it is. Synthetic rows written directly, like the demo
directory: no audit events (nobody made these)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from xinyuan.accounts.models import Organisation
from xinyuan.cases.models import CareTeam

DEMO_ORG = "示范心理援助热线"


class Command(BaseCommand):
    help = "Give the demo centre a care team (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The demo team is never loaded in production mode.")
        org = Organisation.objects.filter(name=DEMO_ORG).first()
        if org is None:
            return
        users = {
            u.username: u
            for u in get_user_model().objects.filter(
                organisation=org, username__in=["counsellor1", "supervisor1"]
            )
        }
        team, created = CareTeam.objects.get_or_create(
            organisation=org,
            name="危机干预小组",
            defaults={
                "purpose": "高危来电者的个案管理与随访",
                "leader": users.get("supervisor1"),
            },
        )
        if created:
            team.members.set(users.values())
