"""The CJK font the work report PDF is drawn with: WeasyPrint takes it from the system
(fontconfig) and embeds the glyphs used. Debian: ``fonts-noto-cjk`` (as the browser tests)."""

from __future__ import annotations

import shutil
import subprocess

from django.core import checks

FAMILY = "Noto Sans CJK"
INSTALL_COMMAND = (
    "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-noto-cjk"
)


def cjk_font_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    listed = subprocess.run(  # noqa: S603 - a fixed command
        [fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False, timeout=30
    )
    return FAMILY in listed.stdout


@checks.register(checks.Tags.compatibility, deploy=True)
def check_cjk_font(app_configs=None, **kwargs):
    """``manage.py check --deploy``: without a CJK font the PDF would show boxes for Chinese."""
    if cjk_font_installed():
        return []
    return [
        checks.Warning(
            "No CJK font found: the work report PDF cannot draw Chinese.",
            hint=f"Install Noto Sans CJK (Debian: `{INSTALL_COMMAND}`).",
            id="reports.W001",
        )
    ]
