"""Pure rules of the planning calculator (CM-08, OP-06): from counts of people, the workers the
seed documents recommend, the people to assess and to treat individually, and a simple work
timetable. No Django, no database: the page passes numbers in and shows what comes out.

Every ratio comes from a quoted sentence of the seed documents (``SOURCES``); what the sources
give no figure for (minutes per assessment, sessions per person, working hours) is an input
that the centre sets. Rounding: every count of people or workers is rounded **up** — a
recommendation of "6–9 per 200" or "30 % of them" cannot be met by a fraction of a person, and
rounding down would plan for fewer than the sources ask. Weeks are rounded up too (a week
begun is a week of work). See docs/decisions/0019-planning-calculator.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PLANNING_RULE_VERSION = "planning-1"

SEED_001 = "001_ebce864b5f5cd251.txt"
# The documents' titles as they are headed (what a reader can look up), by seed file.
SEED_TITLES = {SEED_001: "疫情期间心理干预方案大全（15篇）"}

# Where each figure comes from: the seed file and the exact sentence (as written there).
SOURCE_ISOLATED_RATIO = "isolated-ratio"
SOURCE_ASSESS_SHARE = "assess-share"
SOURCE_INTERVENE_SHARE = "intervene-share"
SOURCE_LEVELS = "levels"
SOURCE_TIMETABLE = "timetable"
SOURCE_RESCUE_TEAM = "rescue-team"


@dataclass(frozen=True)
class Source:
    key: str
    seed: str
    lines: str  # where in the seed file (the text there is broken over lines)
    quote: str

    @property
    def title(self) -> str:
        return SEED_TITLES.get(self.seed, self.seed)


SOURCES: dict[str, Source] = {
    s.key: s
    for s in (
        Source(
            SOURCE_ISOLATED_RATIO,
            SEED_001,
            "787",
            "每200名隔离人员建议配置具备专业资质的社会工作者或心理咨询师6—9人。",
        ),
        Source(
            SOURCE_ASSESS_SHARE,
            SEED_001,
            "257–261",
            "由经过培训的心理健康服务工作人员对抗疫一线医务人员、确诊患者及家属、病亡者家属"
            "开展心理健康状况评估,建立心理健康档案,对其中30%的人员进行专业心理测评。",
        ),
        Source(
            SOURCE_INTERVENE_SHARE,
            SEED_001,
            "263",
            "预测一线医务人员、确诊患者及病亡者家属中有15%需要个体心理干预,"
            "由心理治疗师或心理咨询师进行一对一心理干预。",
        ),
        Source(
            SOURCE_LEVELS,
            SEED_001,
            "211",
            "新型冠状病毒感染的肺炎疫情影响人群分为四级。干预重点应当从第一级人群开始,"
            "逐步扩展。一般性宣传教育要覆盖到四级人群。",
        ),
        Source(
            SOURCE_TIMETABLE,
            SEED_001,
            "223",
            "(五)制定工作时间表。根据目标人群范围、数量以及心理危机干预人员数,安排工作,"
            "制定工作时间表。",
        ),
        Source(
            SOURCE_RESCUE_TEAM,
            SEED_001,
            "227",
            "单独组队时,配队长1名,指派1名联络员,负责团队后勤保障和与各方面联系。",
        ),
    )
}

# The ratios, as fractions of whole numbers (exact arithmetic, no floating point).
ISOLATED_PER = 200  # every 200 isolated people ...
ISOLATED_WORKERS_MIN = 6  # ... 6 ...
ISOLATED_WORKERS_MAX = 9  # ... to 9 qualified social workers or counsellors
ASSESS_PERCENT = 30  # of front-line medical staff, confirmed patients and families, bereaved
INTERVENE_PERCENT = 15  # of front-line medical staff, confirmed patients, bereaved families


# Centre settings: the sources give no figure for these. Defaults only so the form is not empty.
@dataclass(frozen=True)
class Settings:
    workers_available: int = 0
    days_per_week: int = 5
    hours_per_day: int = 8
    minutes_per_assessment: int = 60
    sessions_per_person: int = 4
    minutes_per_session: int = 60
    target_weeks: int | None = None

    @property
    def hours_per_worker_week(self) -> int:
        return self.days_per_week * self.hours_per_day


DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class Counts:
    """People by group (the groups the seeds give ratios for) and by level 1–4."""

    isolated: int = 0  # 隔离人员
    frontline_medical: int = 0  # 一线医务人员
    confirmed_patients: int = 0  # 确诊患者
    patient_families: int = 0  # 确诊患者家属
    bereaved_families: int = 0  # 病亡者家属
    level_1: int = 0
    level_2: int = 0
    level_3: int = 0
    level_4: int = 0


@dataclass(frozen=True)
class WeekPlan:
    week: int  # 1, 2, …
    assessment_minutes: int
    session_minutes: int
    remaining_minutes: int  # after this week


@dataclass(frozen=True)
class Plan:
    counts: Counts
    settings: Settings
    isolated_workers_min: int
    isolated_workers_max: int
    assess_base: int
    to_assess: int
    intervene_base: int
    to_intervene: int
    levels_total: int
    assessment_minutes: int
    session_minutes: int
    capacity_minutes_per_week: int
    weeks_needed: int | None  # None: no worker available and work to do
    workers_for_target: int | None  # None: no target given
    timetable: list[WeekPlan] = field(default_factory=list)
    timetable_truncated: bool = False
    version: str = PLANNING_RULE_VERSION

    @property
    def total_minutes(self) -> int:
        return self.assessment_minutes + self.session_minutes


# The timetable lists at most this many weeks; the rest is summed up in words.
TIMETABLE_MAX_WEEKS = 26


def ceil_div(numerator: int, denominator: int) -> int:
    """The smallest whole number ≥ numerator / denominator (both ≥ 0, denominator > 0)."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("ceil_div needs numerator >= 0 and denominator > 0")
    return -(-numerator // denominator)


def isolated_workers(isolated: int) -> tuple[int, int]:
    """Qualified workers for ``isolated`` people under isolation: 6–9 per 200, each bound
    rounded up (200 → 6–9; 201 → 7–10; 450 → 14–21; 0 → 0–0)."""
    return (
        ceil_div(isolated * ISOLATED_WORKERS_MIN, ISOLATED_PER),
        ceil_div(isolated * ISOLATED_WORKERS_MAX, ISOLATED_PER),
    )


def percent_of(count: int, percent: int) -> int:
    """``percent`` % of ``count`` people, rounded up (30 % of 1 → 1; of 10 → 3; of 11 → 4)."""
    return ceil_div(count * percent, 100)


def assess_base(counts: Counts) -> int:
    """The people the 30 % applies to: front-line medical staff, confirmed patients and their
    families, bereaved families (seed 001)."""
    return (
        counts.frontline_medical
        + counts.confirmed_patients
        + counts.patient_families
        + counts.bereaved_families
    )


def intervene_base(counts: Counts) -> int:
    """The people the 15 % applies to: front-line medical staff, confirmed patients, bereaved
    families (seed 001 — patients' families are not named here)."""
    return counts.frontline_medical + counts.confirmed_patients + counts.bereaved_families


def weeks_needed(total_minutes: int, capacity_per_week: int) -> int | None:
    """Whole weeks to do ``total_minutes`` of work at ``capacity_per_week`` minutes a week;
    0 when there is no work, None when there is work and no capacity."""
    if total_minutes == 0:
        return 0
    if capacity_per_week <= 0:
        return None
    return ceil_div(total_minutes, capacity_per_week)


def workers_for_weeks(total_minutes: int, weeks: int, minutes_per_worker_week: int) -> int:
    """Workers needed to do ``total_minutes`` of work within ``weeks`` weeks."""
    if total_minutes == 0:
        return 0
    return ceil_div(total_minutes, weeks * minutes_per_worker_week)


def timetable(
    assessment_minutes: int, session_minutes: int, capacity_per_week: int
) -> tuple[list[WeekPlan], bool]:
    """Week by week: professional assessments first (they find who needs individual help), then
    the individual sessions, each week filled up to the workers' capacity. Returns the weeks
    (at most ``TIMETABLE_MAX_WEEKS``) and whether more weeks were left out."""
    weeks: list[WeekPlan] = []
    if capacity_per_week <= 0:
        return weeks, assessment_minutes + session_minutes > 0
    left_assess, left_sessions = assessment_minutes, session_minutes
    week = 0
    while left_assess + left_sessions > 0:
        if week == TIMETABLE_MAX_WEEKS:
            return weeks, True
        week += 1
        room = capacity_per_week
        a = min(left_assess, room)
        left_assess -= a
        room -= a
        s = min(left_sessions, room)
        left_sessions -= s
        weeks.append(WeekPlan(week, a, s, left_assess + left_sessions))
    return weeks, False


def plan(counts: Counts, settings: Settings = DEFAULT_SETTINGS) -> Plan:
    for name, value in vars(counts).items():
        if value < 0:
            raise ValueError(f"{name} must not be negative")
    low, high = isolated_workers(counts.isolated)
    a_base, i_base = assess_base(counts), intervene_base(counts)
    to_assess = percent_of(a_base, ASSESS_PERCENT)
    to_intervene = percent_of(i_base, INTERVENE_PERCENT)
    assessment_minutes = to_assess * settings.minutes_per_assessment
    session_minutes = to_intervene * settings.sessions_per_person * settings.minutes_per_session
    worker_week = settings.hours_per_worker_week * 60
    capacity = settings.workers_available * worker_week
    total = assessment_minutes + session_minutes
    weeks, truncated = timetable(assessment_minutes, session_minutes, capacity)
    return Plan(
        counts=counts,
        settings=settings,
        isolated_workers_min=low,
        isolated_workers_max=high,
        assess_base=a_base,
        to_assess=to_assess,
        intervene_base=i_base,
        to_intervene=to_intervene,
        levels_total=counts.level_1 + counts.level_2 + counts.level_3 + counts.level_4,
        assessment_minutes=assessment_minutes,
        session_minutes=session_minutes,
        capacity_minutes_per_week=capacity,
        weeks_needed=weeks_needed(total, capacity),
        workers_for_target=(
            None
            if settings.target_weeks is None
            else workers_for_weeks(total, settings.target_weeks, worker_week)
        ),
        timetable=weeks,
        timetable_truncated=truncated,
    )
