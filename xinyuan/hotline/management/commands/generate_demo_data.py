"""Generate realistic synthetic contacts for demos and benchmarks (development only).

    manage.py generate_demo_data --contacts 1000000 --seed 1

A bulk generator: it writes multi-row INSERTs in batches and deliberately bypasses
``hotline.actions`` and ``cases.actions``, which validate, lock and audit every change (about
ten queries per contact: hours for a million). These rows are synthetic history, not actions
anybody took, so no audit events are written for them. The rules that shape the data are
applied here instead: risk levels come from ``derive_risk_level`` on plausible factors, caller
identifiers are stored only as keyed hash + encrypted copy, and the repeated-caller flag and
contact type follow HL-08 as ``do_start_contact`` applies them (contacts are made in time order).
"""

from __future__ import annotations

import random
import time
from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from functools import partial
from itertools import accumulate

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from xinyuan.accounts.management.commands.load_demo import DEMO_ORG, SECOND_ORG
from xinyuan.accounts.models import Organisation, Role, User
from xinyuan.cases.models import CallerIdentity, FollowUp, Person
from xinyuan.core.crypto import encrypt, keyed_hash
from xinyuan.hotline import rules
from xinyuan.hotline.models import Contact, RiskAlert, RiskAssessment, SafetyPlan

HIGH_RISK_SHARE = 0.05  # 1 contact in 20 is high or imminent risk
ASSESSED_SHARE = 0.15  # low/moderate assessments on some other contacts
LINKED_SHARE = 0.30  # contacts with a known caller number / chat id
CONTACTS_PER_PERSON = 40  # size of the caller pool: one planned person per 40 contacts
ORG_SHARE = ((DEMO_ORG, 0.6), (SECOND_ORG, 0.4))
EXTRA_COUNSELLORS = {DEMO_ORG: ("a", 6), SECOND_ORG: ("b", 3)}
DEMO_LOGINS = ("counsellor1", "counsellor2")
HOUR_WEIGHTS = [3, 2, 2, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 7, 8, 8, 8, 8, 9, 10, 11, 11, 9, 6]
# type: (weight when drawn at random, (shortest, typical, longest) minutes, outcomes)
TYPES = {
    "general": (70, (25, 40, 60), "resolved resolved partly partly referred dropped"),
    "silent": (6, (1, 2, 3), "dropped"),
    "chitchat": (5, (5, 10, 20), "ended partly"),
    "harassment": (2, (1, 2, 6), "ended"),
    "mental_disorder": (6, (25, 40, 60), "partly referred resolved"),
    "for_others": (6, (25, 40, 60), "resolved partly referred"),
    "information": (5, (3, 6, 12), "resolved"),
    "suicide_risk": (0, (35, 55, 110), "crisis referred referred partly"),
    "repeated": (0, (8, 15, 20), "partly resolved ended"),
}
PROFILE = {  # field: "value:weight ..."
    "caller_gender": "female:52 male:38 other:2 unknown:8",
    "caller_age_group": "under_14:2 14_17:9 18_24:24 25_34:26 35_44:15 45_59:11 60_plus:5 "
    "unknown:8",
    "caller_education": "primary:6 secondary:30 college:38 postgraduate:8 unknown:18",
    "caller_work_status": "employed:38 student:27 unemployed:14 retired:6 other:5 unknown:10",
    "caller_marital_status": "single:45 married:30 divorced:9 widowed:3 unknown:13",
    "caller_prior_treatment": "none:50 counselling:15 psychiatric:12 both:8 unknown:15",
    "channel": "phone:70 chat:22 walk_in:3 other:5",
    "recording_consent": "notice_given:70 declined:10 not_recorded:20",
    "follow_up": "done:85 unreachable:10 cancelled:5",
    "type": " ".join(f"{name}:{spec[0]}" for name, spec in TYPES.items() if spec[0]),
}
PHRASES = {  # short free text, space-separated
    "purpose": "想找人聊聊最近的烦恼 失眠很久了，想问问怎么办 和家人吵架后心里很难受 "
    "工作压力太大，快撑不住了 孩子厌学，不知道怎么沟通 失恋后情绪一直很低落 替朋友打来，担心他",
    "emotion": "情绪低落，语速缓慢 焦虑，语速快，呼吸急促 哭泣，时有沉默 平静但很疲惫 烦躁 麻木",
    "problem": "长期失眠 工作压力大 与伴侣关系紧张 亲子冲突 学业压力 失恋 经济困难 亲人去世后的哀伤 "
    "人际关系困扰 担心身体疾病 孤独感 失业",
    "goal": "今晚能安心入睡 想清楚怎么和家人沟通 先让情绪稳定下来 找到可以求助的人 了解就医渠道",
    "intervention": "倾听与共情 情绪稳定化（呼吸练习） 问题解决训练 资源挖掘 认知重构 转介建议",
    "action": "明天联系学校心理老师 本周去精神科就诊 今晚和家人谈一谈 每天散步半小时",
    "rule": "每周最多接听两次，每次不超过15分钟 每次通话聚焦一个问题，不超过20分钟 "
    "由固定咨询员接听，其余时间礼貌结束",
    "method": "服药 高处坠落 割腕 烧炭 未说明",
    "means": "家中存有安眠药约30片 住在高层 手边有刀具 未透露",
    "follow_up": "情绪有所好转，按时服药 已就诊，继续观察 仍有消极想法，已约下次随访",
}
NOTES = {"silent": "沉默来电，按流程提示后结束", "harassment": "骚扰来电，已说明服务范围并结束",
         "information": "已提供咨询信息", "repeated": "按管理规则通话"}  # fmt: skip
SAFETY_PLAN = {
    "warning_signs": "夜里独处、反复想到过去的事", "coping_steps": "深呼吸；给朋友打电话；出门走走",
    "people_to_call": "姐姐（号码已登记）；心理援助热线", "medical_institutions": "市精神卫生中心急诊",
    "referral_advice": "建议尽快到精神科就诊", "handover_note": "已与督导交接，24小时内随访",
}  # fmt: skip


class PoolPerson:
    """A planned caller: written as Person + CallerIdentity at their first contact."""

    __slots__ = "org kind value_hash encrypted row identity recent first last count flagged".split()

    def __init__(self, org, kind, value_hash, encrypted):
        self.org, self.kind, self.value_hash, self.encrypted = org, kind, value_hash, encrypted
        self.row = self.identity = self.first = self.last = None
        self.recent: deque = deque()
        self.count, self.flagged = 0, False


def weighted(spec: str):
    values, weights = zip(*(item.split(":") for item in spec.split()), strict=True)
    return values, list(accumulate(int(w) for w in weights))


def pick(rng, spec):
    values, cum = spec
    return rng.choices(values, cum_weights=cum)[0]


def sqlite_datetime(value):
    """What the ORM stores in SQLite for an aware datetime: naive UTC, ISO with a space."""
    return value if value is None else str(value.astimezone(UTC).replace(tzinfo=None))


def insert(model, rows: list[dict]) -> None:
    """Multi-row INSERT of dicts keyed by attname (missing fields take their defaults).

    ``bulk_create`` spends most of its time compiling SQL value by value, and overwrites the
    historical created_at/updated_at (auto_now); here only dates (SQLite), UUIDs and JSON are
    prepared. PostgreSQL gets one array per column, so psycopg parses a short query. Sets
    ``row["id"]`` from RETURNING (as bulk_create does), sorted: ids are handed out in row order.
    """
    spec = []
    for f in model._meta.concrete_fields:
        convert = None
        if isinstance(f, models.DateTimeField) and connection.vendor == "sqlite":
            convert = sqlite_datetime
        elif isinstance(f, models.UUIDField | models.JSONField):
            convert = partial(f.get_db_prep_save, connection=connection)
        factory = f.default if f.has_default() and callable(f.default) else None
        if not f.primary_key:
            spec.append((f.attname, factory, None if factory else f.get_default(), convert))
    quote, fields = connection.ops.quote_name, [model._meta.get_field(s[0]) for s in spec]
    # Identifiers come from the model's metadata; every value is a parameter.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    postgres = connection.vendor == "postgresql"
    if postgres:
        arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
        sql += f" SELECT * FROM unnest({arrays}) RETURNING id"
    per = 5000 if postgres else 999 // len(spec)  # SQLite: at most 999 parameters
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per):
            chunk, params = rows[start : start + per], []
            for row in chunk:
                for name, factory, static, convert in spec:
                    value = row[name] if name in row else factory() if factory else static
                    params.append(convert(value) if convert else value)
            if postgres:
                cursor.execute(sql, [params[i :: len(spec)] for i in range(len(spec))])
            else:
                values = ", ".join(["(" + ", ".join(["%s"] * len(spec)) + ")"] * len(chunk))
                cursor.execute(f"{sql} VALUES {values} RETURNING id", params)
            for row, (pk,) in zip(chunk, sorted(cursor.fetchall()), strict=True):
                row["id"] = pk


class Command(BaseCommand):
    help = "Bulk-generate synthetic contacts over the last three years (no audit events)."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--batch-size", type=int, default=5_000)

    def handle(self, *args, contacts, seed, years, batch_size, **options):
        if settings.PRODUCTION:
            raise CommandError("Synthetic data is never generated in production mode.")
        if contacts < 1:
            raise CommandError("--contacts must be at least 1.")
        if Organisation.objects.filter(name__in=[DEMO_ORG, SECOND_ORG]).count() < 2:
            call_command("load_demo", stdout=self.stdout)
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            # This connection only: a 512 MB page cache (random UUID index pages thrash the
            # default 2 MB) and statement journals in memory rather than files in /var/tmp.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -524288")
                cursor.execute("PRAGMA temp_store = MEMORY")
        self.rng = rng = random.Random(seed)
        self.now, self.tz = timezone.now(), timezone.get_current_timezone()
        self.profile = {name: weighted(spec) for name, spec in PROFILE.items()}
        self.text = {name: phrases.split() for name, phrases in PHRASES.items()}
        self.hours = (range(24), list(accumulate(HOUR_WEIGHTS)))
        self.buckets = self._risk_buckets()
        self.orgs = self._organisations(contacts)
        self.stats: Counter = Counter()
        started = time.monotonic()
        high = set(rng.sample(range(contacts), round(contacts * HIGH_RISK_SHARE)))
        rows: list = []
        for index, (at, person) in enumerate(self._slots(contacts, years)):
            rows.append(self._contact(at, person, index in high))
            if len(rows) >= batch_size or index + 1 == contacts:
                self._flush(rows)
                rows = []
                rate = (index + 1) / max(time.monotonic() - started, 1e-6)
                self.stdout.write(f"  {index + 1:,}/{contacts:,} contacts ({rate:,.0f}/s)")
        self._finish_persons()
        elapsed, s = time.monotonic() - started, self.stats
        self.stdout.write(
            f"Generated {contacts:,} contacts in {elapsed:.1f}s ({contacts / elapsed:,.0f}/s): "
            f"{s['high']:,} high/imminent, {s['assessment']:,} risk assessments, "
            f"{s['follow_up']:,} follow-ups ({s['follow_up_scheduled']:,} scheduled), "
            f"{s['person']:,} persons ({s['repeated']:,} repeated callers)."
        )
        types = sorted((k[5:], v) for k, v in s.items() if k.startswith("type:"))
        self.stdout.write("Contact types: " + ", ".join(f"{k} {v:,}" for k, v in types))

    # Set-up ------------------------------------------------------------------------------

    def _risk_buckets(self):
        """Plausible annex-1 factor sets, bucketed by the level the rule derives for them."""
        rng, buckets, seen = self.rng, {}, set()
        for i in range(4000):
            severe = i % 2 == 0
            ideation = severe or rng.random() < 0.4
            plan = ideation and rng.random() < (0.7 if severe else 0.1)
            intensity = rng.randint(5, 10) if severe else rng.randint(1, 6)
            attempt = rng.choices(rules.LAST_ATTEMPTS, weights=[60, 8, 10, 15, 7])[0]
            factors = rules.RiskFactors(
                ideation=ideation,
                ideation_intensity=intensity if ideation else 0,
                hopelessness=rng.randint(4, 10) if severe else rng.randint(0, 8),
                has_plan=plan,
                plan_timing=rng.choice(rules.PLAN_TIMINGS[1:]) if plan else "none",
                method_lethality=rng.choice(rules.LETHALITIES[1:]) if plan else "none",
                means_at_hand=plan and rng.random() < 0.4,
                act_in_progress=plan and rng.random() < 0.08,
                last_attempt=attempt if ideation else "never",
                relative_or_friend_suicide=rng.random() < 0.08,
            )
            if factors not in seen:
                seen.add(factors)
                result = rules.derive_risk_level(factors)
                buckets.setdefault(result.level, []).append((factors, result))
        return buckets

    def _organisations(self, total):
        orgs = []
        for name, share in ORG_SHARE:
            org = Organisation.objects.get(name=name)
            letter, extra = EXTRA_COUNSELLORS[name]
            for i in range(1, extra + 1):  # synthetic colleagues, who cannot log in
                user, created = User.objects.get_or_create(
                    username=f"gen_{letter}{i:02d}",
                    defaults={"organisation": org, "alias": f"{i + 20}号"},
                )
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
            roles = [Role.COUNSELLOR, Role.SUPERVISOR]
            handlers = list(org.users.filter(role__in=roles, is_active=True).order_by("username"))
            # The demo logins get the largest share; supervisors take fewer contacts.
            weights = [3 if u.username in DEMO_LOGINS else 1 if u.role == Role.SUPERVISOR else 2
                       for u in handlers]  # fmt: skip
            orgs.append({
                "org": org, "share": share, "handlers": (handlers, list(accumulate(weights))),
                "supervisors": [u for u in handlers if u.role == Role.SUPERVISOR] or handlers,
                "seats": list(org.seats.order_by("code").values_list("pk", flat=True)),
                "pool": self._pool(org, max(10, round(total * share / CONTACTS_PER_PERSON))),
            })  # fmt: skip
        return orgs

    def _pool(self, org, size):
        """Planned callers of one organisation, with precomputed hashes and ciphertexts.

        Numbers an earlier run used are skipped without touching the random stream, so the
        same seed gives the same contacts on a database that already holds generated data.
        """
        kinds = ["chat" if self.rng.random() < 0.2 else "phone" for _ in range(size)]
        weights = [min(self.rng.paretovariate(1.5), 40.0) for _ in range(size)]  # heavy callers
        numbers, pending = [("", "")] * size, list(range(size))
        k = CallerIdentity.objects.filter(organisation=org).count()
        while pending:
            planned = []
            for i in pending:
                value = f"wx_{k:08d}" if kinds[i] == "chat" else f"138{k:08d}"
                planned.append((i, value, keyed_hash(kinds[i], value)))
                k += 1
            taken = set()
            for start in range(0, len(planned), 2000):
                hashes = [h for _i, _v, h in planned[start : start + 2000]]
                existing = CallerIdentity.objects.filter(organisation=org, value_hash__in=hashes)
                taken.update(existing.values_list("value_hash", flat=True))
            for i, value, value_hash in planned:
                numbers[i] = (value, value_hash)
            pending = [i for i, _v, value_hash in planned if value_hash in taken]
        pool = [PoolPerson(org, kind, h, encrypt(v)) for kind, (v, h) in zip(kinds, numbers)]  # noqa: B905
        return pool, list(accumulate(weights))
