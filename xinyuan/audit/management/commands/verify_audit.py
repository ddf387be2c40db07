import os
import sys

from django.core.management.base import BaseCommand

from xinyuan.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Verify the audit hash chain: exit 0 if intact, 1 naming the first broken event."

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes verifying stretches of a long chain (default: the CPU count)",
        )

    def handle(self, *args, workers: int, **options):
        result = verify_chain(workers=workers)
        if result.ok:
            self.stdout.write(f"Audit chain intact: {result.checked} events verified.")
            return
        where = f"event #{result.sequence}"
        if result.public_id:
            where += f" ({result.public_id})"
        self.stderr.write(f"Audit chain BROKEN at {where}: {result.problem}.")
        self.stderr.write(f"{result.checked} events before it verified.")
        sys.exit(1)
