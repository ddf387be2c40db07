from datetime import date

from django.core.management.base import BaseCommand, CommandError

from xinyuan.accounts.models import Organisation


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = (
        "Keep the daily rollup of the work report's figures (decision 0017). Without options: "
        "compute every day it lacks (the last three years, and any day marked stale) — run it "
        "once after an upgrade. --from/--to recompute those days. --check compares the rollup's "
        "current rows with the figures computed from the contacts and exits 1 on any "
        "difference. --enqueue leaves it to the task worker (then every hour)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=_day, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", type=_day, help="last day, YYYY-MM-DD")
        parser.add_argument(
            "--centre", type=int, action="append", help="a centre's id (repeatable)"
        )
        parser.add_argument("--check", action="store_true", help="compare, change nothing")
        parser.add_argument("--enqueue", action="store_true", help="queue the hourly sweep")

    def handle(self, *args, first, last, centre, check, enqueue, **options):
        from xinyuan.reports import actions
        from xinyuan.reports.selectors.work_report import check_rollup

        if enqueue:
            from xinyuan.reports.tasks import queue_rollup_sweep

            queued = queue_rollup_sweep()
            self.stdout.write("Report rollup sweep queued." if queued else "Already queued.")
            return
        centres = centre or list(Organisation.objects.values_list("pk", flat=True))
        if check:
            differences, compared = check_rollup(centres, first, last)
            for org, day, name, rolled, direct in differences:
                self.stdout.write(f"centre {org} {day} {name}: rollup {rolled}, contacts {direct}")
            self.stdout.write(f"Compared {compared} days: {len(differences)} differences.")
            if differences:
                raise CommandError("the rollup differs from the contacts")
            return
        if (first is None) != (last is None):
            raise CommandError("give both --from and --to, or neither")
        if first is not None:
            if last < first:
                raise CommandError("--from must not be after --to")
            written = actions.do_refresh_report_rollup(centres, first, last)
            self.stdout.write(f"Wrote {written} days.")
            return
        written, _left = actions.do_refresh_outstanding()
        self.stdout.write(f"Wrote {written} days.")
