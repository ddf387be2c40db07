"""Hot topics and stress events (RP-03, HL-14): what rose most against the previous period.

For a period and the previous period of equal length, in the centres the actor may see
statistics of: contacts per coded problem category (``Contact.problem_codes``, the
codes-2026.1 vocabulary), and contacts per key term of the stage summaries, segmented into
words with jieba. Only counts leave this module, never a text or a record: a category or term is
shown only when at least ``MIN_CONTACTS`` contacts of the period carry it, and a count of the
previous period below that threshold is shown as "fewer than" (so no single caller can be picked
out).

The rise of an item is ``(now - before) / sqrt(before + SMOOTHING)``: the increase measured
against the noise expected of a count of that size, so that one more contact on a rare term
does not outrank many more on a common one, and a term from nothing needs several contacts.
Items that did not rise are not listed. Reads go through ``report_database()`` (the read
replica when there is one).

The stage summaries are plain columns of the contact (clinical words: hidden from a director
on the record's page, see hotline/clinical_text.py; emptied by retention). The words are only
segmented and counted here, in memory, in a bounded batch: at most ``MAX_CONTACTS`` contacts
per period (the latest), which the page states when it applies.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from xinyuan.core import permissions
from xinyuan.hotline import taxonomy
from xinyuan.hotline.models import Contact
from xinyuan.reports.replica import report_database
from xinyuan.reports.selectors import organisations_for_statistics

# The one free-text summary each stage asks for during the call (hotline/forms.py
# DURING_CALL_FIELDS), and the stage-3 problem list.
SUMMARY_FIELDS = ("purpose", "emotional_state", "problems", "goal", "smart_goal", "actions_decided")
MIN_CONTACTS = 3  # a term is shown only when this many contacts of the period contain it
SMOOTHING = 5
TOP = 20
MAX_CONTACTS = 20_000  # per period: the latest ones, when a period has more
MIN_TERM_LENGTH = 2  # single characters are mostly particles
STOPWORDS_FILE = Path(__file__).with_name("stopwords_zh.txt")
_WORDLIKE = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Rising:
    key: str  # the code, or the term itself
    label: str
    now: int
    before: int

    @property
    def rise(self) -> float:
        return rise(self.now, self.before)

    @property
    def before_shown(self) -> str:
        """The previous period's count as the page shows it: small counts are not exact."""
        return f"<{MIN_CONTACTS}" if 0 < self.before < MIN_CONTACTS else str(self.before)


@dataclass
class HotTopics:
    date_from: date
    date_to: date
    previous_from: date
    previous_to: date
    contacts_now: int
    contacts_before: int
    categories: list[Rising]
    terms: list[Rising]
    capped: bool  # a period had more than MAX_CONTACTS contacts: terms from the latest only
    # Key terms come from what callers said: shown to a centre's director, never across a
    # region (a health-commission officer sees the coded categories only).
    terms_shown: bool = True


def rise(now: int, before: int) -> float:
    return (now - before) / math.sqrt(before + SMOOTHING)


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    days = (date_to - date_from).days + 1
    return date_from - timedelta(days=days), date_from - timedelta(days=1)


@cache
def stopwords() -> frozenset[str]:
    lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


_tokenizer = None
_tokenizer_lock = threading.Lock()


def tokenizer():
    """jieba's segmenter, made on first use (importing jieba and building its dictionary take
    about a second). Its dictionary cache goes to ``XINYUAN_DATA_DIR/cache``, not to the
    system's temporary directory."""
    global _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            cache_dir = Path(settings.DATA_DIR) / "cache"
            cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            made = jieba.Tokenizer()
            made.tmp_dir = str(cache_dir)
            made.cache_file = "jieba.cache"
            made.initialize()
            _tokenizer = made
    return _tokenizer


def terms_of(text: str) -> set[str]:
    """The distinct key terms of a text: words of two or more characters with a Chinese
    character, not in the stop list."""
    if not text:
        return set()
    stop = stopwords()
    return {
        word
        for word in tokenizer().cut(text)
        if len(word) >= MIN_TERM_LENGTH and _WORDLIKE.search(word) and word not in stop
    }


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _count_period(org_ids, date_from: date, date_to: date, *, with_terms: bool = True):
    """(contacts, per-category counts, per-term counts, capped) for one period: one query.

    A term counts the different callers whose contacts carry it (a known caller once however
    often they called; an unknown caller per contact): one person who calls three times and
    names their school or a relative does not reach ``MIN_CONTACTS``."""
    rows = (
        Contact.objects.using(report_database())
        .filter(
            organisation_id__in=org_ids,
            started_at__gte=_start(date_from),
            started_at__lt=_start(date_to + timedelta(days=1)),
        )
        .order_by("-started_at")
        .values_list("pk", "person_id", "problem_codes", *SUMMARY_FIELDS)[: MAX_CONTACTS + 1]
    )
    categories: Counter[str] = Counter()
    callers_by_term: dict[str, set[str]] = {}
    contacts = 0
    for pk, person_id, codes, *texts in rows:
        contacts += 1
        if contacts > MAX_CONTACTS:
            break
        categories.update(set(codes or ()))
        if not with_terms:
            continue
        caller = f"p{person_id}" if person_id is not None else f"c{pk}"
        for text in texts:
            for term in terms_of(text):
                callers_by_term.setdefault(term, set()).add(caller)
    terms = Counter({term: len(callers) for term, callers in callers_by_term.items()})
    return min(contacts, MAX_CONTACTS), categories, terms, contacts > MAX_CONTACTS


def _rising(now: Counter[str], before: Counter[str], labels: dict[str, str]) -> list[Rising]:
    """Items of at least MIN_CONTACTS contacts now that rose, the steepest rise first."""
    items = [
        Rising(key, labels.get(key, key), count, before.get(key, 0))
        for key, count in now.items()
        if count >= MIN_CONTACTS and count > before.get(key, 0)
    ]
    items.sort(key=lambda item: (-item.rise, -item.now, item.key))
    return items[:TOP]


def category_labels() -> dict[str, str]:
    vocabulary = taxonomy.vocabulary()
    codes = vocabulary.by_code("problems")
    labels = {}
    for code in codes.values():
        parent = codes.get(code.parent)
        labels[code.code] = f"{parent.label} · {code.label}" if parent else code.label
    return labels


def hot_topics(user, date_from: date, date_to: date) -> HotTopics:
    """The rising problem categories and key terms of [date_from, date_to] against the
    previous period of the same length, in the actor's statistics scope."""
    org_ids = organisations_for_statistics(user).using(report_database()).values("pk")
    with_terms = not permissions.has_perm(user, permissions.VIEW_REGION_STATISTICS)
    previous_from, previous_to = previous_period(date_from, date_to)
    n_now, cats_now, terms_now, capped_now = _count_period(
        org_ids, date_from, date_to, with_terms=with_terms
    )
    n_before, cats_before, terms_before, capped_before = _count_period(
        org_ids, previous_from, previous_to, with_terms=with_terms
    )
    return HotTopics(
        date_from=date_from,
        date_to=date_to,
        previous_from=previous_from,
        previous_to=previous_to,
        contacts_now=n_now,
        contacts_before=n_before,
        categories=_rising(cats_now, cats_before, category_labels()),
        terms=_rising(terms_now, terms_before, {}),
        capped=capped_now or capped_before,
        terms_shown=with_terms,
    )
