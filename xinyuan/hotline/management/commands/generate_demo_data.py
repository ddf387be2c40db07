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

from xinyuan.accounts.models import Organisation, Role, User
from xinyuan.cases.models import CallerIdentity, FollowUp, Person
from xinyuan.core.crypto import encrypt, keyed_hash
from xinyuan.hotline import rules, taxonomy
from xinyuan.hotline.management.commands.load_demo import DEMO_ORG, SECOND_ORG
from xinyuan.hotline.models import (
    Contact,
    ContactSequence,
    RiskAlert,
    RiskAssessment,
    SafetyPlan,
)

HIGH_RISK_SHARE = 0.05  # 1 contact in 20 is high or imminent risk
ASSESSED_SHARE = 0.15  # low/moderate assessments on some other contacts
LINKED_SHARE = 0.30  # contacts with a known caller number / chat id
CONTACTS_PER_PERSON = 40  # size of the caller pool: one planned person per 40 contacts
ORG_SHARE = ((DEMO_ORG, 0.6), (SECOND_ORG, 0.4))
EXTRA_COUNSELLORS = {DEMO_ORG: ("a", 6), SECOND_ORG: ("b", 3)}
DEMO_LOGINS = ("counsellor1", "counsellor2")
# How often each top problem category is ticked first (the rest in the taxonomy's order of
# weight); a suicide-risk contact is coded as suicide-related first.
PROBLEM_WEIGHTS = (
    "emotional:30 family:12 interpersonal:10 study:9 work:8 romantic:8 marriage:6 health:5 "
    "mental_illness:5 child_education:3 economic:2 sexual:1 other:1"
)
HOUR_WEIGHTS = [3, 2, 2, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 7, 8, 8, 8, 8, 9, 10, 11, 11, 9, 6]
# type: (weight when drawn at random, (shortest, typical, longest) minutes, outcomes)
TYPES = {
    "general": (70, (25, 40, 60), "resolved resolved partly partly referred dropped"),
    "silent": (6, (1, 2, 3), "dropped"), "chitchat": (5, (5, 10, 20), "ended partly"),
    "harassment": (2, (1, 2, 6), "ended"), "information": (5, (3, 6, 12), "resolved"),
    "mental_disorder": (6, (25, 40, 60), "partly referred resolved"),
    "for_others": (6, (25, 40, 60), "resolved partly referred"),
    "suicide_risk": (0, (35, 55, 110), "crisis referred referred partly"),
    "repeated": (0, (8, 15, 20), "partly resolved ended"),
}  # fmt: skip
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
    "high": "high:75 imminent:25",
    "assessed": "low:60 moderate:40",
    "type": " ".join(f"{name}:{spec[0]}" for name, spec in TYPES.items() if spec[0]),
}
PHRASES = {  # short free text, space-separated
    "purpose": "想找人聊聊最近的烦恼 失眠很久了，想问问怎么办 和家人吵架后心里很难受 "
    "工作压力太大，快撑不住了 孩子厌学，不知道怎么沟通 失恋后情绪一直很低落 替朋友打来，担心他",
    "emotion": "情绪低落，语速缓慢 焦虑，语速快，呼吸急促 哭泣，时有沉默 平静但很疲惫 烦躁 麻木",
    "problem": "长期失眠 工作压力大 与伴侣关系紧张 亲子冲突 学业压力 失恋 经济困难 "
    "亲人去世后的哀伤 人际关系困扰 担心身体疾病 孤独感 失业",
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
    "warning_signs": "夜里独处、反复想到过去的事", "coping_steps": "深呼吸；给朋友打电话",
    "people_to_call": "姐姐（号码已登记）", "medical_institutions": "市精神卫生中心急诊",
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

    ``bulk_create`` spends most of its time compiling SQL value by value and overwrites the
    historical created_at/updated_at (auto_now); here only dates (SQLite), UUIDs and JSON are
    prepared, and PostgreSQL gets one array per column (a short query for psycopg to parse).
    Sets ``row["id"]`` from RETURNING, sorted: both databases hand ids out in row order.
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
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    )
    postgres = connection.vendor == "postgresql"
    if postgres:
        arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
        sql += f" SELECT * FROM unnest({arrays}) RETURNING id"  # noqa: S608
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
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="only when the demo centres have no contacts yet (`make run` on a new database)",
        )

    def handle(self, *args, contacts, seed, years, batch_size, if_empty=False, **options):
        if settings.PRODUCTION:
            raise CommandError("Synthetic data is never generated in production mode.")
        if contacts < 1:
            raise CommandError("--contacts must be at least 1.")
        if Organisation.objects.filter(name__in=[DEMO_ORG, SECOND_ORG]).count() < 2:
            call_command("load_demo", stdout=self.stdout)
        if if_empty and Contact.objects.filter(organisation__name__in=[DEMO_ORG, SECOND_ORG]):
            self.stdout.write("The demo centres have contacts already: nothing generated.")
            return
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
        self.problem_tops = weighted(PROBLEM_WEIGHTS)
        vocabulary = taxonomy.vocabulary()
        self.problem_children = {
            top.code: [c.code for c in vocabulary.children(top.code)] or [top.code]
            for top in vocabulary.top_problems()
        }
        self.numbers: Counter = Counter(
            {
                (org_id, year): last
                for org_id, year, last in ContactSequence.objects.values_list(
                    "organisation_id", "year", "last"
                )
            }
        )
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
        self._finish_numbers()
        with connection.cursor() as cursor:  # planner statistics: stale right after a bulk load
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA analysis_limit = 1000")  # sampled, seconds not minutes
            for model in (Contact, RiskAssessment, RiskAlert, SafetyPlan, FollowUp, Person):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        elapsed, s = time.monotonic() - started, self.stats
        self.stdout.write(
            f"Generated {contacts:,} contacts in {elapsed:.1f}s ({contacts / elapsed:,.0f}/s): "
            f"{s['high']:,} high/imminent, {s['assessment']:,} risk assessments, "
            f"{s['follow_up']:,} follow-ups ({s['follow_up_scheduled']:,} scheduled), "
            f"{s['person']:,} persons ({s['repeated']:,} repeated callers)."
        )
        types = sorted((k[5:], v) for k, v in s.items() if k.startswith("type:"))
        self.stdout.write("Contact types: " + ", ".join(f"{k} {v:,}" for k, v in types))

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
                ideation=ideation, ideation_intensity=intensity if ideation else 0,
                hopelessness=rng.randint(4, 10) if severe else rng.randint(0, 8), has_plan=plan,
                plan_timing=rng.choice(rules.PLAN_TIMINGS[1:]) if plan else "none",
                method_lethality=rng.choice(rules.LETHALITIES[1:]) if plan else "none",
                means_at_hand=plan and rng.random() < 0.4,
                act_in_progress=plan and rng.random() < 0.08,
                last_attempt=attempt if ideation else "never",
                relative_or_friend_suicide=rng.random() < 0.08,
            )  # fmt: skip
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

        Numbers already in the database are skipped without touching the random stream, so
        the same seed gives the same contacts on a database that holds generated data.
        """
        kinds = ["chat" if self.rng.random() < 0.2 else "phone" for _ in range(size)]
        weights = [min(self.rng.paretovariate(1.5), 40.0) for _ in range(size)]  # heavy callers
        taken = set(
            CallerIdentity.objects.filter(organisation=org).values_list("value_hash", flat=True)
        )
        k, pool = len(taken), []
        for kind in kinds:
            value_hash = ""
            while not value_hash or value_hash in taken:
                value = f"wx_{k:08d}" if kind == "chat" else f"138{k:08d}"
                value_hash, k = keyed_hash(kind, value), k + 1
            pool.append(PoolPerson(org, kind, value_hash, encrypt(value)))
        return pool, list(accumulate(weights))

    def _slots(self, total, years):
        """Yield (started_at, burst person or None) in time order, exactly ``total`` of them.

        Bursts of 6–10 contacts within 7 days make sure repeated callers exist (HL-08).
        """
        rng, days = self.rng, years * 365
        first_day = timezone.localdate(self.now) - timedelta(days=days)
        bursts: dict[int, list] = {}
        for b in range(0 if total < 50 else max(2, total // 5_000)):
            pool = self.orgs[b % len(self.orgs)]["pool"][0]
            start = days - 7 - rng.randint(0, 30) if b < 2 else rng.randint(0, days - 8)
            for _ in range(rng.randint(6, 10)):
                bursts.setdefault(start + rng.randint(0, 6), []).append(pool[b // 2 % len(pool)])
        planned = total - sum(len(v) for v in bursts.values())
        weekend = [(first_day + timedelta(days=d)).weekday() >= 5 for d in range(days)]
        # A slow growth over the years, a little more at weekends, day-to-day noise.
        weights = [
            (1 + 0.3 * d / days) * (1.1 if weekend[d] else 1.0) * rng.uniform(0.85, 1.15)
            for d in range(days)
        ]
        scale, cumulative, placed = planned / sum(weights), 0.0, 0
        for d in range(days):
            cumulative += weights[d] * scale
            count, placed = round(cumulative) - placed, round(cumulative)
            day = [(self._second(), None) for _ in range(count)]
            day += [(self._second(), p) for p in bursts.get(d, [])]
            midnight = datetime.combine(first_day + timedelta(days=d), dtime.min, tzinfo=self.tz)
            for second, person in sorted(day, key=lambda item: item[0]):
                yield midnight + timedelta(seconds=second), person

    def _second(self):
        return pick(self.rng, self.hours) * 3600 + self.rng.randrange(3600)

    def _contact(self, at, person, high):
        rng, p, t = self.rng, self.profile, self.text
        if person is not None:
            org = next(o for o in self.orgs if o["org"] is person.org)
        else:
            org = self.orgs[0] if rng.random() < self.orgs[0]["share"] else self.orgs[1]
            person = pick(rng, org["pool"]) if rng.random() < LINKED_SHARE else None
        assessed = high or rng.random() < ASSESSED_SHARE / (1 - HIGH_RISK_SHARE)
        kind = "general" if assessed else pick(rng, p["type"])
        if assessed and not high and rng.random() < 0.3:
            kind = rng.choice(["mental_disorder", "for_others"])
        if person is not None:  # HL-08 as do_start_contact + do_register_contact_for_person
            person.recent.append(at)
            while person.recent[0] < at - timedelta(days=settings.REPEATED_CALLER_WINDOW_DAYS):
                person.recent.popleft()
            before = person.flagged
            person.flagged = before or len(person.recent) > settings.REPEATED_CALLER_THRESHOLD
            if before or (person.flagged and kind == "general"):
                kind = "repeated"
            person.count, person.first, person.last = person.count + 1, person.first or at, at
        level, assessment = "", None
        if assessed:
            level = pick(rng, p["high" if high else "assessed"])
            assessment = rng.choice(self.buckets[level])
            if high and kind == "general":
                kind = "suicide_risk"
        _weight, (low, mode, top), outcomes = TYPES[kind]
        ended = min(at + timedelta(minutes=rng.triangular(low, top, mode)), self.now)
        channel = person.kind if person is not None else pick(rng, p["channel"])
        outcome = rng.choice(outcomes.split())
        harassment, short = kind == "harassment", kind in ("silent", "harassment")
        stage = 1 if short else rng.randint(2, 4) if outcome == "dropped" else 5
        row = {
            "organisation_id": org["org"].pk, "counsellor_id": pick(rng, org["handlers"]).pk,
            "seat_id": rng.choice(org["seats"]) if channel != "walk_in" and org["seats"] else None,
            "channel": channel, "status": "closed", "contact_type": kind, "risk_level": level,
            "started_at": at, "ended_at": ended, "created_at": at, "updated_at": ended,
            "current_stage": stage, "version": stage + rng.randint(0, 6), "outcome": outcome,
            "is_flagged": harassment, "flag_reason": "harassment" if harassment else "",
            "about": {"for_others": "other", "information": "information"}.get(kind, "self"),
            "counsellor_notes": NOTES.get(kind, ""), "recording_consent": "not_recorded",
        }  # fmt: skip
        if channel == "phone":
            row["recording_consent"] = pick(rng, p["recording_consent"])
        if stage >= 2:
            for name in p:
                if name.startswith("caller_"):
                    row[name] = pick(rng, p[name])
            row["purpose"] = rng.choice(t["purpose"])
            row["emotional_state"] = rng.choice(t["emotion"])
            row["strong_negative_emotion"] = high or rng.random() < 0.3
        year = timezone.localtime(at, self.tz).year
        self.numbers[(org["org"].pk, year)] += 1
        row["number"] = f"{year}-{self.numbers[(org['org'].pk, year)]:06d}"
        if stage >= 3:
            tops, wanted = ([] if kind != "suicide_risk" else ["suicide"]), rng.randint(1, 3)
            while len(tops) < wanted:
                top = pick(rng, self.problem_tops)
                if top not in tops:
                    tops.append(top)
            row["problem_codes"] = [rng.choice(self.problem_children[top]) for top in tops]
            row["codes_version"] = taxonomy.VERSION
            problems = rng.sample(t["problem"], rng.randint(1, 3))
            row["problems"] = "；".join(f"{i}. {item}" for i, item in enumerate(problems, 1))
            row["goal"] = rng.choice(t["goal"])
        if stage == 5:
            row["interventions"] = "、".join(rng.sample(t["intervention"], 2))
            row["actions_decided"] = rng.choice(t["action"])
            row["goal_attainment"] = rng.randint(3, 9)
        follow_up = None
        if high:
            due = ended + timedelta(minutes=rng.randint(120, 1440))
            recent = due > self.now - timedelta(days=1) and rng.random() < 0.5
            status = "scheduled" if due > self.now or recent else pick(rng, p["follow_up"])
            later = self.buckets["moderate" if rng.random() < 0.4 else "low"]
            follow_up = (due, status, rng.choice(later), rng.choice(t["follow_up"]))
        return row, person, assessment, follow_up

    def _flush(self, batch):
        rng, stats = self.rng, self.stats
        with transaction.atomic():
            new = list({id(b[1]): b[1] for b in batch if b[1] and b[1].row is None}.values())
            for p in new:
                p.row = {"organisation_id": p.org.pk, "label": f"C-{rng.getrandbits(24):06X}",
                         "created_at": p.first, "updated_at": p.first}  # fmt: skip
            insert(Person, [p.row for p in new])
            identities = [
                {"organisation_id": p.org.pk, "person_id": p.row["id"], "kind": p.kind,
                 "value_hash": p.value_hash, "encrypted_value": p.encrypted,
                 "created_at": p.first, "updated_at": p.first}
                for p in new
            ]  # fmt: skip
            insert(CallerIdentity, identities)
            for p, identity in zip(new, identities, strict=True):
                p.identity = identity["id"]
            for row, person, _a, _f in batch:
                if person is not None:
                    row["person_id"], row["identity_id"] = person.row["id"], person.identity
                stats["type:" + row["contact_type"]] += 1
            insert(Contact, [b[0] for b in batch])
            assessments, alerts, plans, follow_ups = [], [], [], []
            for contact, _person, assessment, follow_up in batch:
                at = contact["started_at"] + (contact["ended_at"] - contact["started_at"]) * 0.4
                if assessment is not None:
                    assessments.append(self._assessment(assessment, contact, at, "contact_id"))
                if follow_up is not None:
                    crisis = self._crisis(contact, at, *follow_up)
                    for rows, row in zip((alerts, plans, follow_ups), crisis, strict=True):
                        rows.append(row)
            insert(FollowUp, [fu for fu, _later in follow_ups])
            for fu, later in follow_ups:
                if fu["status"] == "done":  # a completed follow-up carries an assessment
                    fu["counsellor_id"] = fu["assigned_to_id"]
                    assessments.append(self._assessment(later, fu, fu["done_at"], "follow_up_id"))
            insert(RiskAssessment, assessments)
            insert(RiskAlert, alerts)
            insert(SafetyPlan, plans)
        stats.update(high=len(alerts), assessment=len(assessments), person=len(new))
        stats.update(follow_up=len(follow_ups))
        stats["follow_up_scheduled"] += sum(fu["status"] == "scheduled" for fu, _l in follow_ups)

    def _crisis(self, contact, at, due, status, later, note):
        """A high-risk contact's acknowledged alert, safety plan and follow-up (HL-05/06)."""
        rng = self.rng
        org = next(o for o in self.orgs if o["org"].pk == contact["organisation_id"])
        common = {"organisation_id": org["org"].pk, "contact_id": contact["id"]}
        ended, counsellor = contact["ended_at"], contact["counsellor_id"]
        ack = at + timedelta(seconds=rng.randint(20, 240))
        alert = {**common, "level": contact["risk_level"], "raised_by_id": counsellor,
                 "acknowledged_by_id": rng.choice(org["supervisors"]).pk, "acknowledged_at": ack,
                 "created_at": at, "updated_at": ack}  # fmt: skip
        plan = {**common, **SAFETY_PLAN, "created_at": at, "updated_at": ended}
        fu = {**common, "person_id": contact.get("person_id"), "consent_given": True,
              "assigned_to_id": counsellor, "booked_by_id": counsellor, "due_at": due,
              "status": status, "created_at": ended, "updated_at": ended}  # fmt: skip
        if status != "scheduled":
            done_at = due - timedelta(minutes=rng.randint(0, 60))  # due >= ended + 2h
            fu.update(done_at=done_at, updated_at=done_at, done_by_id=counsellor)
        if status == "done":
            fu.update(emotional_change=rng.choice(["better", "better", "same", "worse"]),
                      pain_level=rng.randint(2, 7), hope_level=rng.randint(3, 8),
                      quality_of_life=rng.randint(3, 8), safety_status="safe",
                      risk_level=later[1].level, notes=note)  # fmt: skip
        return alert, plan, (fu, later)

    def _assessment(self, chosen, source, at, target):
        factors, result = chosen
        return {
            **factors.__dict__, target: source["id"], "created_at": at, "updated_at": at,
            "organisation_id": source["organisation_id"], "assessed_by_id": source["counsellor_id"],
            "plan_method": self.rng.choice(self.text["method"]) if factors.has_plan else "",
            "means_detail": self.rng.choice(self.text["means"]) if factors.means_at_hand else "",
            "derived_level": result.level, "final_level": result.level,
            "rule_version": result.rule_version, "reason_codes": list(result.reason_codes),
        }  # fmt: skip

    def _finish_numbers(self):
        """The centres' contact sequences continue after the numbers given here."""
        for (org_id, year), last in self.numbers.items():
            ContactSequence.objects.update_or_create(
                organisation_id=org_id, year=year, defaults={"last": last}
            )

    def _finish_persons(self):
        """Contact counts, last contact, and the repeated-caller flag with a management rule."""
        people = [p for o in self.orgs for p in o["pool"][0] if p.row is not None]
        when = sqlite_datetime if connection.vendor == "sqlite" else (lambda value: value)
        agreed = self.text["rule"]
        values = [
            (p.count, when(p.last), when(p.last), p.flagged,
             self.rng.choice(agreed) if p.flagged else "", p.row["id"])
            for p in people
        ]  # fmt: skip
        self.stats["repeated"] += sum(p.flagged for p in people)
        table = connection.ops.quote_name(Person._meta.db_table)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET contact_count = %s, last_contact_at = %s, updated_at = %s, "  # noqa: S608
                "is_repeated_caller = %s, management_rule = %s WHERE id = %s",
                values,
            )
