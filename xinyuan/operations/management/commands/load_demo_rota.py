"""The demo centre's rota (run by ``load_demo``; development only): service hours 08:00–22:00
with two seats, four people trained, a recurring week of templates, this week's and next week's
shifts made from them, and one open shift next week (a gap the coverage page shows).

Like ``generate_demo_data``, these are synthetic rows written directly: no audit events (the
actions audit real changes by real people; nobody made these)."""

from datetime import date, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from xinyuan.accounts.models import Organisation, Role, User
from xinyuan.hotline.models import Seat
from xinyuan.operations.actions.rota import shift_times
from xinyuan.operations.models import (
    REQUIRED_TOPICS,
    ServiceWindow,
    Shift,
    ShiftTemplate,
    TrainingRecord,
)

DEMO_ORG = "示范心理援助热线"
# Rota-only colleagues (names on the rota; they cannot sign in).
ROTA_ONLY = [("counsellor3", "09号"), ("counsellor4", "10号")]
# seat, from, to, username
WEEK = [
    ("A01", time(8), time(15), "counsellor1"),
    ("A01", time(15), time(22), "counsellor3"),
    ("A02", time(8), time(15), "counsellor4"),
    ("A02", time(15), time(22), "supervisor1"),
]


class Command(BaseCommand):
    help = "Give the demo centre a rota (idempotent; never in production mode)."

    @transaction.atomic
    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The demo rota is never loaded in production mode.")
        org = Organisation.objects.filter(name=DEMO_ORG).first()
        director = User.objects.filter(username="director1", organisation=org).first()
        if org is None or director is None:
            raise CommandError("Run load_demo first.")
        if not director.email:
            # The director hears of coverage gaps by e-mail (the console in `make run`).
            director.email = "director1@example.invalid"
            director.save(update_fields=["email"])
        for username, alias in ROTA_ONLY:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "organisation": org,
                    "role": Role.COUNSELLOR,
                    "alias": alias,
                    # Volunteers of the centre (the work report counts staff by qualification).
                    "qualification": "volunteer",
                    "employment": "part_time",
                    "home_institution": "示范市志愿者协会",
                },
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
        people = {u.username: u for u in User.objects.filter(organisation=org)}
        for name in ("counsellor1", "counsellor3", "counsellor4", "supervisor1"):
            for topic in REQUIRED_TOPICS:
                TrainingRecord.objects.get_or_create(
                    organisation=org,
                    user=people[name],
                    topic=topic,
                    defaults={"hours": 4, "completed_on": date(2026, 1, 10)},
                )
        if not ServiceWindow.objects.filter(organisation=org).exists():
            ServiceWindow.objects.bulk_create(
                ServiceWindow(
                    organisation=org, weekday=day, starts_at=time(8), ends_at=time(22), min_seats=2
                )
                for day in range(7)
            )
        if not ShiftTemplate.objects.filter(organisation=org).exists():
            seats = {s.code: s for s in Seat.objects.filter(organisation=org)}
            ShiftTemplate.objects.bulk_create(
                ShiftTemplate(
                    organisation=org,
                    weekday=day,
                    starts_at=start,
                    ends_at=end,
                    seat=seats[code],
                    default_user=people[username],
                )
                for day in range(7)
                for code, start, end, username in WEEK
            )
        # This week's (from today, the shift in progress included) and next week's shifts.
        today = timezone.localdate()
        now = timezone.now()
        # One visible gap: next Wednesday's late shift on A02 is left open.
        gap_day = today - timedelta(days=today.weekday()) + timedelta(days=9)
        made = 0
        templates = list(ShiftTemplate.objects.filter(organisation=org).select_related("seat"))
        for offset in range(14 - today.weekday()):
            day = today + timedelta(days=offset)
            for template in (t for t in templates if t.weekday == day.weekday()):
                starts_at, ends_at = shift_times(day, template.starts_at, template.ends_at)
                if ends_at <= now:
                    continue
                is_gap = day == gap_day and template.seat.code == "A02" and starts_at.hour == 15
                _shift, created = Shift.objects.get_or_create(
                    organisation=org,
                    seat=template.seat,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    defaults={"user": None if is_gap else template.default_user},
                )
                made += created
        self.stdout.write(f"Demo rota: {made} shifts made.")
