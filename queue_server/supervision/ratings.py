"""The rules of 好差评, pure (the clock passed in): one rating per service (一次一评), the
rating period after which an unrated service counts as 基本满意, and what a rating must carry.

GB/T 39734-2020 asks for one rating per service; 国办发〔2019〕51号 asks that every 差评 be
rectified; the 7-day default (Guangdong) and the 5-working-day answer (Dezhou) are the
defaults of ``[supervision]`` in the center's settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bianmin.protocol import BAD_LEVELS, RATING_LEVELS

from ..errors import BadRequest, Conflict

# The short list a 差评 picks its reasons from (the pad and the phone show the same).
BAD_REASONS: tuple[str, ...] = ("态度", "效率", "材料要求不清", "多次跑腿", "其他")
MAX_COMMENT = 300  # characters of a rating's own words
PAD_MINUTES = 10  # a pad offers (and accepts) the rating of a service finished this recently


@dataclass(frozen=True)
class Service:
    """What the rules need of one ticket: its status and when it was finished."""

    status: str
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class RatingInput:
    """A validated rating: its level, the reasons (a 差评 has at least one), words, a phone."""

    level: str
    reasons: tuple[str, ...] = ()
    comment: str = ""
    phone: str = ""

    @property
    def bad(self) -> bool:
        return self.level in BAD_LEVELS


def is_bad(level: str) -> bool:
    """不满意 and 非常不满意 are 差评."""
    return level in BAD_LEVELS


def clean_phone(value: str | None) -> str:
    """A phone for the 回访: digits with an optional leading + and dashes, 5–20 characters."""
    text = (value or "").strip().replace(" ", "")
    if not text:
        return ""
    digits = text.lstrip("+").replace("-", "")
    if not digits.isascii() or not digits.isdigit() or not 5 <= len(text) <= 20:
        raise BadRequest("电话号码格式不对，请只填数字", code="bad_phone", field="phone")
    return text


def validate(level: object, reasons: object = None, comment: object = None, phone: object = None) -> RatingInput:
    """The rating as sent, checked: a known level; a 差评 needs a reason from the list."""
    if level not in RATING_LEVELS:
        raise BadRequest("评价等级不正确", code="bad_level", field="level")
    assert isinstance(level, str)
    if reasons is None:
        reasons = []
    if not isinstance(reasons, list) or any(r not in BAD_REASONS for r in reasons):
        raise BadRequest("差评原因须从列表中选择", code="bad_reasons", field="reasons")
    picked = tuple(dict.fromkeys(reasons))  # each reason once, in the order given
    if comment is not None and not isinstance(comment, str):
        raise BadRequest("补充说明必须是文字", code="bad_field", field="comment")
    words = (comment or "").strip()
    if len(words) > MAX_COMMENT or "\x00" in words:
        raise BadRequest(f"补充说明最多 {MAX_COMMENT} 字", code="bad_field", field="comment")
    if phone is not None and not isinstance(phone, str):
        raise BadRequest("电话号码必须是文字", code="bad_phone", field="phone")
    if level in BAD_LEVELS and not picked:
        raise BadRequest("请选择不满意的原因", code="reason_required", field="reasons")
    if level not in BAD_LEVELS:
        picked, phone = (), None  # reasons and a 回访 phone belong to a 差评 only
    return RatingInput(level, picked, words, clean_phone(phone))


def rating_closes(finished_at: dt.datetime, days: int) -> dt.datetime:
    """The moment a service's rating period ends: ``days`` calendar days after it finished."""
    return finished_at + dt.timedelta(days=days)


def check_open(service: Service, already_rated: bool, now: dt.datetime, days: int) -> None:
    """Refuse a rating the rules do not allow (409 with a kind message)."""
    if service.status != "done" or service.finished_at is None:
        raise Conflict("业务还没有办结，办结后才能评价", code="not_finished")
    if already_rated:
        raise Conflict("这次服务已经评价过了，感谢您的参与", code="already_rated")
    if now >= rating_closes(service.finished_at, days):
        raise Conflict(f"评价期（办结后 {days} 天）已过，已按“基本满意”计入", code="rating_closed")


def defaults_before(now: dt.datetime, days: int) -> dt.datetime:
    """Services finished before this moment and never rated count as 基本满意 (defaulted)."""
    return now - dt.timedelta(days=days)


def satisfaction(good: int, counted: int) -> float | None:
    """The share of counted ratings that are not 差评, rounded to 4 places; None for none."""
    return None if counted <= 0 else round(good / counted, 4)
