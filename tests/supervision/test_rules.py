"""The pure rules of 好差评 with plain data and the clock passed in, the [supervision]
settings, the month's results message, and the UNIQUE constraint behind one rating."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bianmin.center import ConfigError, Supervision, load_center, parse_center
from bianmin.protocol import RATING_LEVELS, SupervisionResults
from queue_server.errors import BadRequest, Conflict
from queue_server.schema import MIGRATIONS
from queue_server.supervision.common import due_in
from queue_server.supervision.ratings import BAD_REASONS, Service, check_open, satisfaction, validate

TZ = ZoneInfo("Asia/Shanghai")
FINISHED = dt.datetime(2026, 11, 16, 9, 30, tzinfo=TZ)


def test_levels_and_reasons():
    assert validate("basic").level == "basic"
    assert validate("satisfied", ["态度"], "", "138").reasons == ()  # reasons belong to a 差评 only
    with pytest.raises(BadRequest) as err:
        validate("dissatisfied")
    assert err.value.code == "reason_required"
    with pytest.raises(BadRequest) as err:
        validate("very_dissatisfied", ["太慢了"])
    assert err.value.code == "bad_reasons"
    with pytest.raises(BadRequest) as err:
        validate("excellent")
    assert err.value.code == "bad_level"
    with pytest.raises(BadRequest) as err:
        validate("dissatisfied", ["效率"], phone="call me")
    assert err.value.code == "bad_phone"
    bad = validate("dissatisfied", ["效率", "效率", "其他"], " 太慢 ", "138-0000-1111")
    assert (bad.bad, bad.reasons, bad.comment, bad.phone) == (True, ("效率", "其他"), "太慢", "138-0000-1111")


@given(level=st.sampled_from(RATING_LEVELS), reasons=st.lists(st.sampled_from(BAD_REASONS), max_size=5))
def test_a_bad_level_is_accepted_exactly_when_it_has_a_reason(level, reasons):
    bad = level in ("dissatisfied", "very_dissatisfied")
    if bad and not reasons:
        with pytest.raises(BadRequest):
            validate(level, reasons)
    else:
        assert validate(level, reasons).bad == bad


@given(offset=st.integers(min_value=0, max_value=20 * 24 * 3600))
def test_the_rating_period_is_seven_days_then_it_closes(offset):
    now = FINISHED + dt.timedelta(seconds=offset)
    if offset < 7 * 24 * 3600:
        check_open(Service("done", FINISHED), False, now, 7)
    else:
        with pytest.raises(Conflict) as err:
            check_open(Service("done", FINISHED), False, now, 7)
        assert err.value.code == "rating_closed"


def test_one_rating_per_service_and_only_when_finished():
    with pytest.raises(Conflict) as err:
        check_open(Service("done", FINISHED), True, FINISHED, 7)
    assert err.value.code == "already_rated"
    for status in ("waiting", "called", "serving", "no_show", "expired"):
        with pytest.raises(Conflict) as err:
            check_open(Service(status, None), False, FINISHED, 7)
        assert err.value.code == "not_finished"


def test_due_dates_count_working_days():
    center = load_center()
    assert due_in(center, dt.date(2026, 11, 16), 5) == dt.date(2026, 11, 23)  # Monday + 5 working days
    assert due_in(center, dt.date(2026, 9, 30), 5) > dt.date(2026, 10, 8)  # the National Day holiday is skipped


def test_satisfaction_share():
    assert satisfaction(0, 0) is None
    assert satisfaction(2, 3) == 0.6667


def _center_data(**supervision) -> dict:
    import tomllib

    from bianmin.assets import SAMPLE_CENTER

    data = tomllib.loads(SAMPLE_CENTER.read_text(encoding="utf-8"))
    if supervision:
        data["supervision"] = supervision
    return data


def test_supervision_settings_default_and_errors_name_the_field():
    assert parse_center(_center_data()).supervision == Supervision(7, 5, 5)
    assert parse_center(_center_data(rating_days=15, rectify_days=15)).supervision == Supervision(15, 15, 5)
    with pytest.raises(ConfigError) as err:
        parse_center(_center_data(rating_days=0))
    assert err.value.path == "supervision.rating_days"
    with pytest.raises(ConfigError) as err:
        parse_center(_center_data(reply_days=3))
    assert err.value.path == "supervision.reply_days"


def test_results_message_round_trip():
    res = SupervisionResults("2026-11", 0.9833, 60, 3, 1, 0, 2, 0.5, 1)
    assert SupervisionResults.from_dict(json.loads(json.dumps(res.to_dict()))) == res


def test_unique_constraint_backs_one_rating_and_pads_join_devices(tmp_path):
    db = sqlite3.connect(tmp_path / "q.db")
    for script in MIGRATIONS:
        for statement in filter(str.strip, script.split(";")):
            db.execute(statement)
    db.execute(
        "INSERT INTO tickets (id, day, category, seq, number, status, token, issued_at, queue_key) "
        "VALUES (1, '2026-11-16', 'A', 1, 'A001', 'done', 't', '2026-11-16T09:00:00+08:00', 1)"
    )
    row = "INSERT INTO ratings (ticket_id, level, source, at, day) VALUES (1, 'satisfied', 'pad', 'x', '2026-11-16')"
    db.execute(row)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(row)
    db.execute("INSERT INTO devices (kind, name, token_hash, created_at, window) VALUES ('pad', 'p', 'h', 'x', 1)")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO devices (kind, name, token_hash, created_at) VALUES ('tv', 'p', 'h2', 'x')")


async def test_the_upgrade_keeps_devices_and_does_not_default_older_services(tmp_path):
    """A hall at schema 10 with a kiosk and served tickets: after the upgrade the kiosk's token
    still works, and services finished before ratings existed are never defaulted."""
    from bianmin.passwords import new_token, token_hash
    from queue_server.accounts import Accounts
    from queue_server.store import Store
    from queue_server.supervision.rating_store import apply_defaults

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:10], start=1):
        for statement in filter(str.strip, script.split(";")):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {number}")
    db.execute(
        "INSERT INTO tickets (id, day, category, seq, number, status, token, issued_at, queue_key, finished_at) "
        "VALUES (1, '2026-11-02', 'A', 1, 'A001', 'done', 't', '2026-11-02T09:00:00+08:00', 1, "
        "'2026-11-02T09:10:00+08:00')"
    )
    token = new_token()
    db.execute(
        "INSERT INTO devices (kind, name, token_hash, created_at, last_seen) VALUES ('kiosk', '取号机', ?, 'x', 'y')",
        (token_hash(token),),
    )
    db.commit()
    db.close()
    store = await Store.open(path)
    try:
        accounts = Accounts(store)
        assert (await accounts.device(token, "kiosk")).name == "取号机"
        row = await store.fetchone("SELECT last_seen, window FROM devices")
        assert row is not None and (row["last_seen"], row["window"]) == ("y", None)
        now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
        assert await store.write(apply_defaults(now, TZ, 7)) == 0
    finally:
        await store.close()


def test_the_cli_registers_a_pad_for_a_window(tmp_path):
    from bench.devserver import cli

    db = tmp_path / "q.db"
    assert len(cli(db, "add-device", "--kind", "pad", "--name", "1号评价器", "--window", "1")) > 20
    with pytest.raises(RuntimeError, match="窗口号"):
        cli(db, "add-device", "--kind", "pad", "--name", "无窗口")
    con = sqlite3.connect(db)
    assert con.execute("SELECT kind, name, window FROM devices").fetchall() == [("pad", "1号评价器", 1)]
    con.close()
