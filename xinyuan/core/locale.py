"""The interface language: Chinese by default, and the punctuation that joins translated pieces.

Text built from translated pieces takes its joining punctuation from the catalogue too, so
Chinese reads 标签：内容 and 甲、乙 while English reads "label: text" and "a, b".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext

# Sentences that end in one of these need no space before the next (Chinese).
FULL_WIDTH_ENDS = ("。", "！", "？", "；", "：", "）")


def label_suffix() -> str:
    """What follows a label before its value: "：" in Chinese, ": " in English."""
    return pgettext("label suffix", ": ")


def labelled(label, text) -> str:
    """``label：text`` in the interface language."""
    return f"{label}{label_suffix()}{text}"


def join_list(items: Iterable) -> str:
    """Items of a list in a line: 甲、乙 in Chinese, "a, b" in English."""
    return pgettext("list separator", ", ").join(str(item) for item in items)


def join_clauses(items: Iterable) -> str:
    """Clauses of one message (problems found, flags raised): "甲；乙" in Chinese, "a; b" in
    English."""
    return pgettext("clause separator", "; ").join(str(item) for item in items)


def join_sentences(sentences: Iterable) -> str:
    """Sentences one after the other: a space after an English full stop, none after a
    Chinese one (。)."""
    text = ""
    for sentence in sentences:
        sentence = str(sentence)
        if text and not text.endswith(FULL_WIDTH_ENDS):
            text += " "
        text += sentence
    return text


class ChineseByDefaultMiddleware:
    """Chinese is the interface language unless the user chose another one.

    Django would otherwise follow the browser's Accept-Language; a centre's shared workstation
    with an English browser must still open in Chinese. The language switch (a cookie) wins.
    An API client states its language explicitly: ``Accept-Language`` is honoured under /api/.
    Must come before django.middleware.locale.LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
