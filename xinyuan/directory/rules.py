"""Pure rules of the directory: what a valid entry is, and the spreadsheet's columns.

No database access here: the actions and the import call these on what was typed or read."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xinyuan.directory.models import InstitutionKind

# Digits, spaces, +, -, parentheses; 3–30 characters, at least three digits.
PHONE_PATTERN = re.compile(r"^[0-9+\-() ]{3,30}$")
MAX_LENGTHS = {"name": 200, "region": 200, "address": 300, "phone": 30, "hours": 200}
TEXT_MAX = 2000  # services and notes

# The spreadsheet: one row per institution, these columns in this order (Chinese, whatever the
# language of the page, so that a file exported in English imports anywhere).
FIELDS = (
    "name",
    "kind",
    "region",
    "address",
    "phone",
    "hours",
    "services",
    "green_channel",
    "active",
    "notes",
)
HEADERS = (
    "名称",
    "类型",
    "所在区域",
    "地址",
    "电话",
    "服务时间",
    "服务内容",
    "绿色通道",
    "状态",
    "备注",
)
YES, NO = "是", "否"
ACTIVE, INACTIVE = "启用", "停用"
TRUE_WORDS = {"是", "有", "yes", "y", "true", "1", "启用", "active", "√", "✓"}
FALSE_WORDS = {"否", "无", "no", "n", "false", "0", "停用", "inactive", ""}

# Import limits: a directory of a few hundred entries fits with room to spare.
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 2000


def clean_text(value) -> str:
    """What was typed or read from a cell, as stored: full-width forms made half-width (a
    phone typed as “（０１０）” is “(010)”), surrounding spaces removed."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def phone_problem(phone: str) -> str:
    """Why a phone number is refused ("" when it is fine)."""
    if not phone:
        return _("Enter the phone number.")
    if not PHONE_PATTERN.match(phone) or sum(c.isdigit() for c in phone) < 3:
        return _(
            "The phone number is not valid: use digits, spaces, +, - and parentheses "
            "(3 to 30 characters)."
        )
    return ""


def entry_problems(data: dict) -> dict[str, str]:
    """Field → why it is refused, for a cleaned entry (every field of FIELDS)."""
    problems: dict[str, str] = {}
    if not data.get("name"):
        problems["name"] = _("Enter the institution's name.")
    if data.get("kind") not in InstitutionKind.values:
        problems["kind"] = _("Choose the kind of institution.")
    phone = phone_problem(data.get("phone", ""))
    if phone:
        problems["phone"] = phone
    for field, limit in MAX_LENGTHS.items():
        if field not in problems and len(data.get(field) or "") > limit:
            problems[field] = _("At most %(limit)s characters.") % {"limit": limit}
    for field in ("services", "notes"):
        if len(data.get(field) or "") > TEXT_MAX:
            problems[field] = _("At most %(limit)s characters.") % {"limit": TEXT_MAX}
    return problems


# The kinds as the spreadsheet writes them: part of the file format, so fixed here rather than
# taken from the translation catalogue.
KIND_ZH = {
    InstitutionKind.PSYCHIATRIC_HOSPITAL: "精神专科医院",
    InstitutionKind.GENERAL_HOSPITAL: "综合医院精神科/心理科",
    InstitutionKind.COMMUNITY_HEALTH: "社区卫生服务中心",
    InstitutionKind.SOCIAL_WORK: "社会工作服务机构",
    InstitutionKind.POLICE: "公安/派出所",
    InstitutionKind.EMERGENCY: "120急救",
    InstitutionKind.CIVIL_AFFAIRS: "民政",
    InstitutionKind.SCHOOL: "学校",
    InstitutionKind.STREET_OFFICE: "街道/乡镇",
    InstitutionKind.COMMUNITY: "社区/居委会",
    InstitutionKind.OTHER: "其他",
}


def kind_label_zh(kind: str) -> str:
    return KIND_ZH[InstitutionKind(kind)]


def kind_from_cell(text: str) -> str | None:
    """The kind named by a cell: its Chinese or English label or its code."""
    wanted = text.strip().lower()
    for kind in InstitutionKind:
        names = {kind.value, str(kind.label).lower(), KIND_ZH[kind].lower()}
        with translation.override("en"):
            names.add(str(kind.label).lower())
        if wanted in names:
            return kind.value
    return None


def flag_from_cell(text: str, default: bool) -> bool | None:
    """是/否 (and the usual English words); an empty cell is ``default``; None: not a flag."""
    wanted = text.strip().lower()
    if not wanted:
        return default
    if wanted in TRUE_WORDS:
        return True
    if wanted in FALSE_WORDS:
        return False
    return None


@dataclass(frozen=True)
class RowResult:
    number: int  # the row number in the sheet (the header is row 1)
    data: dict
    problems: tuple[str, ...]


def read_row(number: int, cells: tuple) -> RowResult:
    """One spreadsheet row → the entry it describes and every problem with it (in the user's
    language, each naming the column)."""
    values = [clean_text(v) for v in cells] + [""] * (len(FIELDS) - len(cells))
    raw = dict(zip(FIELDS, values, strict=False))
    problems: list[str] = []
    data: dict[str, str | bool] = {field: raw[field] for field in FIELDS}
    kind = kind_from_cell(raw["kind"])
    if kind is None:
        problems.append(
            _("the kind “%(value)s” is not one of the directory's kinds") % {"value": raw["kind"]}
            if raw["kind"]
            else _("the kind is missing")
        )
        data["kind"] = InstitutionKind.OTHER.value
    else:
        data["kind"] = kind
    for field, default, column in (
        ("green_channel", False, "绿色通道"),
        ("active", True, "状态"),
    ):
        flag = flag_from_cell(raw[field], default)
        if flag is None:
            problems.append(
                _("the column %(column)s must be %(yes)s or %(no)s")
                % {
                    "column": column,
                    "yes": YES if field == "green_channel" else ACTIVE,
                    "no": NO if field == "green_channel" else INACTIVE,
                }
            )
            flag = default
        data[field] = flag
    for field, message in entry_problems(data).items():
        if field == "kind":
            continue  # said above, with the value read
        if field == "name":
            problems.append(_("the name is missing"))
        elif field == "phone":
            problems.append(
                _("the phone number is missing")
                if not data["phone"]
                else _("the phone number is not valid (“%(value)s”)") % {"value": data["phone"]}
            )
        else:
            problems.append(
                _("%(column)s: %(problem)s")
                % {"column": HEADERS[FIELDS.index(field)], "problem": message}
            )
    return RowResult(number=number, data=data, problems=tuple(problems))


def row_message(number: int, problems) -> str:
    """“第 5 行：电话号码格式不正确”."""
    return _("Row %(number)s: %(problems)s") % {
        "number": number,
        "problems": pgettext("list separator", "; ").join(problems),
    }
