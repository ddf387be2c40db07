from django.core.management.base import BaseCommand, CommandError

from xinyuan.assessments import registry


class Command(BaseCommand):
    help = (
        "Validate every scale file (shipped and XINYUAN_EXTRA_SCALES_DIR): list the scales "
        "offered, and exit non-zero naming each refused file and its problem."
    )

    def handle(self, *args, **options):
        registry.reload()
        for code, compiled in sorted(registry.scales().items()):
            scale = compiled.scale
            status = scale.wording_status
            self.stdout.write(
                f"{code} {scale.version}: {len(scale.items)} items, "
                f"{len(scale.bands)} bands, wording zh-hans {status.zh_hans} / en {status.en}"
            )
        problems = registry.errors()
        if problems:
            raise CommandError(
                "Refused scale files:\n" + "\n".join(f"  {problem}" for problem in problems)
            )
