"""The demo centre's rota (run by ``load_demo``; development only): service hours 08:00–22:00
with two seats, four people trained, a recurring week of templates, this week's and next week's
shifts made from them, and one open shift next week (a gap the coverage page shows)."""

from datetime import date, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from xinyuan.accounts.models import Organisation, Role, User
from xinyuan.hotline.models import Seat
from xinyuan.operations.actions import rota
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
                defaults={"organisation": org, "role": Role.COUNSELLOR, "alias": alias},
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
            for day in range(7):
                rota.do_add_service_window(
                    actor=director, weekday=day, starts_at=time(8), ends_at=time(22), min_seats=2
                )
        if not ShiftTemplate.objects.filter(organisation=org).exists():
            seats = {s.code: s for s in Seat.objects.filter(organisation=org)}
            supervisor = User.objects.get(username="supervisor1")
            for day in range(7):
                for code, start, end, username in WEEK:
                    rota.do_add_shift_template(
                        actor=supervisor,
                        weekday=day,
                        starts_at=start,
                        ends_at=end,
                        seat=seats[code],
                        default_user=people[username],
                    )
        supervisor = people["supervisor1"]
        today = timezone.localdate()
        made = 0
        for week_of in (today, today + timedelta(days=7)):
            shifts, _notes = rota.do_apply_shift_templates(actor=supervisor, week_of=week_of)
            made += len(shifts)
        # Shifts of the templates in progress now (the action makes only shifts still to
        # begin): the demo starts with the rota staffed now, as a running centre is.
        now = timezone.now()
        for template in ShiftTemplate.objects.filter(organisation=org, weekday=today.weekday()):
            starts_at, ends_at = rota.shift_times(today, template.starts_at, template.ends_at)
            if starts_at <= now < ends_at:
                Shift.objects.get_or_create(
                    organisation=org,
                    seat=template.seat,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    defaults={"user": template.default_user},
                )
        if made:
            # One visible gap: next Wednesday's late shift on A02 left open.
            wednesday = today - timedelta(days=today.weekday()) + timedelta(days=9)
            starts_at, _end = rota.shift_times(wednesday, time(15), time(22))
            gap = org.shifts.filter(seat__code="A02", starts_at=starts_at).first()
            if gap is not None and gap.user_id is not None:
                rota.do_assign_shift(actor=supervisor, shift=gap, person=None)
        self.stdout.write(f"Demo rota: {made} shifts made.")
