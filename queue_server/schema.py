"""The versioned SQLite schema. Each entry upgrades ``PRAGMA user_version`` by one."""

import sqlite3


def statements(script: str) -> list[str]:
    """A migration's statements, cut at each ``;`` that ends a complete statement, so a
    trigger's body (``BEGIN …; END``) stays whole."""
    out, pending = [], ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\n;"):
                out.append(pending)
            pending = ""
    if pending.strip(" \t\n;"):
        out.append(pending)
    return out


# The ledger's facts of the tickets that pass ``{where}``: one row per ticket,
# derived from the ticket and its transitions (issue 13). The one derivation, used by the
# migration's back-fill and by both triggers that keep the table current on every write.
# Frozen with migration 11: to change it, add a migration that recreates the triggers.
_FACTS_OF = """
SELECT t.day, t.id, t.number, t.category, t.matter, t.window, t.clerk_id, t.status, t.outcome, t.reason,
       t.recalls, t.issued_at, MIN(CASE WHEN x.to_status = 'called' THEN x.at END),
       MAX(CASE WHEN x.to_status = 'serving' THEN x.at END),
       MAX(CASE WHEN x.to_status = 'called' AND x.from_status <> 'called' THEN x.at END), t.finished_at,
       CAST(ROUND((julianday(MIN(CASE WHEN x.to_status = 'called' THEN x.at END)) - julianday(t.issued_at)) * 86400)
            AS INTEGER),
       CAST(ROUND((julianday(t.finished_at) - julianday(COALESCE(MAX(CASE WHEN x.to_status = 'serving' THEN x.at END),
            MAX(CASE WHEN x.to_status = 'called' AND x.from_status <> 'called' THEN x.at END)))) * 86400) AS INTEGER),
       COUNT(CASE WHEN x.to_status = 'no_show' THEN 1 END),
       COUNT(CASE WHEN x.to_status = 'transferred' THEN 1 END),
       COUNT(CASE WHEN x.to_status = 'waiting' AND x.from_status = 'no_show' THEN 1 END),
       CAST(substr(t.issued_at, 12, 2) AS INTEGER), (CAST(strftime('%w', t.day) AS INTEGER) + 6) % 7 + 1
FROM tickets t JOIN transitions x ON x.ticket_id = t.id
{where}
GROUP BY t.id
"""
_REFRESH = """
    DELETE FROM service_facts WHERE ticket_id = {id} AND day = (SELECT day FROM tickets WHERE id = {id});
    INSERT INTO service_facts {select};
"""

MIGRATIONS: list[str] = [
    # 1: tickets, their transitions, the event log, accounts, devices, sessions, open cases.
    """
    CREATE TABLE tickets (
        id            INTEGER PRIMARY KEY,
        day           TEXT    NOT NULL,
        category      TEXT    NOT NULL,
        seq           INTEGER NOT NULL,
        number        TEXT    NOT NULL,
        matter        TEXT,
        priority      INTEGER NOT NULL DEFAULT 0,
        status        TEXT    NOT NULL,
        token         TEXT    NOT NULL UNIQUE,
        device_id     INTEGER,
        request_id    TEXT,
        issued_at     TEXT    NOT NULL,
        queue_key     REAL    NOT NULL,
        window        INTEGER,
        transferred_to INTEGER,
        transferred_at TEXT,
        called_at     TEXT,
        recalls       INTEGER NOT NULL DEFAULT 0,
        outcome       TEXT,
        reason        TEXT,
        due           TEXT,
        joint_window  INTEGER,
        agency_to     TEXT,
        finished_at   TEXT,
        clerk_id      INTEGER,
        UNIQUE (day, category, seq),
        UNIQUE (day, device_id, request_id)
    );
    CREATE INDEX tickets_active ON tickets (status, day);
    CREATE TABLE transitions (
        id          INTEGER PRIMARY KEY,
        ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
        at          TEXT    NOT NULL,
        from_status TEXT,
        to_status   TEXT    NOT NULL,
        window      INTEGER,
        clerk_id    INTEGER,
        detail      TEXT
    );
    CREATE INDEX transitions_ticket ON transitions (ticket_id);
    CREATE INDEX transitions_at ON transitions (at);
    CREATE TABLE events (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        at      TEXT NOT NULL,
        type    TEXT NOT NULL,
        payload TEXT NOT NULL
    );
    CREATE TABLE windows (
        number   INTEGER PRIMARY KEY,
        paused   INTEGER NOT NULL DEFAULT 0,
        clerk_id INTEGER
    );
    CREATE TABLE clerks (
        id         INTEGER PRIMARY KEY,
        login      TEXT NOT NULL UNIQUE,
        name       TEXT NOT NULL,
        windows    TEXT NOT NULL,
        pw_hash    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        active     INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE devices (
        id         INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('kiosk', 'display')),
        name       TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked    INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        clerk_id   INTEGER NOT NULL REFERENCES clerks (id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE cases (
        id         INTEGER PRIMARY KEY,
        ticket_id  INTEGER NOT NULL UNIQUE REFERENCES tickets (id),
        kind       TEXT NOT NULL,
        due        TEXT NOT NULL,
        opened_at  TEXT NOT NULL,
        closed_at  TEXT,
        closed_by  INTEGER
    );
    """,
    # 2: roles. A manager (中心负责人) runs the center and may work at every window; a village
    # agent (村级代办员) books and submits requests for villagers and works at no window.
    """
    ALTER TABLE clerks ADD COLUMN role TEXT NOT NULL DEFAULT 'clerk'
        CHECK (role IN ('clerk', 'manager', 'agent'))
    """,
    # 3: the database's identity (epoch) and the county sync's acknowledged seq.
    """
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 4: the ledger and statistics read years of services by day and window, and each
    # ticket's transitions by kind; these indexes keep a month's ledger and a year's
    # aggregates answering from the index instead of scanning the tables.
    """
    CREATE INDEX tickets_day_window ON tickets (day, window);
    CREATE INDEX transitions_ticket_status ON transitions (ticket_id, to_status, from_status, at);
    CREATE INDEX cases_ticket_closed ON cases (closed_at);
    """,
    # 5 (issue 15): the self-inspection items a manager ticks (有场所, 有标牌 …) with the
    # evidence: a note and/or a photo, who ticked it and when.
    """
    CREATE TABLE inspection_checks (
        item     TEXT PRIMARY KEY,
        done     INTEGER NOT NULL DEFAULT 0,
        note     TEXT NOT NULL DEFAULT '',
        photo    BLOB,
        by_name  TEXT NOT NULL DEFAULT '',
        at       TEXT NOT NULL
    )
    """,
    # 6: device health (issue 16): the last report of each kiosk and display, as JSON, and
    # when it came, for the manager console's device list.
    """
    ALTER TABLE devices ADD COLUMN last_health TEXT;
    """,
    # 7: the manager console. Work cards (post, department, phone, photo) on clerks; devices
    # seen; the audit log of manager actions; the center's settings kept as versions.
    """
    ALTER TABLE clerks ADD COLUMN post TEXT NOT NULL DEFAULT '';
    ALTER TABLE clerks ADD COLUMN department TEXT NOT NULL DEFAULT '';
    ALTER TABLE clerks ADD COLUMN phone TEXT NOT NULL DEFAULT '';
    ALTER TABLE clerks ADD COLUMN photo BLOB;
    ALTER TABLE clerks ADD COLUMN photo_version INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE devices ADD COLUMN last_seen TEXT;
    CREATE TABLE audit_log (
        id      INTEGER PRIMARY KEY,
        at      TEXT NOT NULL,
        actor   TEXT NOT NULL,
        action  TEXT NOT NULL,
        target  TEXT NOT NULL,
        before  TEXT,
        after   TEXT
    );
    CREATE TABLE center_versions (
        id      INTEGER PRIMARY KEY,
        at      TEXT NOT NULL,
        actor   TEXT NOT NULL,
        data    TEXT NOT NULL,
        diff    TEXT NOT NULL
    )
    """,
    # 8: the duty rota (值班表): who is on duty, and the leader on duty (领导带班), on a day
    # that is not an office day. ``staff`` is a JSON list of clerk ids.
    """
    CREATE TABLE duty_rota (
        day       TEXT PRIMARY KEY,
        staff     TEXT NOT NULL,
        leader_id INTEGER REFERENCES clerks (id)
    )
    """,
    # 9: a password the manager reset must be changed by its owner at the next login.
    """
    ALTER TABLE clerks ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0
    """,
    # 10: where each device last spoke from (its address on the hall LAN), with last_seen.
    """
    ALTER TABLE devices ADD COLUMN last_address TEXT
    """,
    # 11 (issue 13): the ledger's facts, one row per service, in day order: the first call,
    # the last start and call, the wait and service seconds, the no-shows, transfers and
    # requeues, the hour and weekday of issue. The ledger and reports of a year read this
    # table, and the statistics its covering index (figures), instead of aggregating every
    # transition again. Triggers keep it on the one write path (any insert of a transition,
    # any update of a ticket's facts), so no code path can forget it; the back-fill derives
    # it for the tickets already stored.
    f"""
    CREATE TABLE service_facts (
        day         TEXT    NOT NULL,
        ticket_id   INTEGER NOT NULL,
        number      TEXT    NOT NULL,
        category    TEXT    NOT NULL,
        matter      TEXT,
        window      INTEGER,
        clerk_id    INTEGER,
        status      TEXT    NOT NULL,
        outcome     TEXT,
        reason      TEXT,
        recalls     INTEGER NOT NULL,
        issued_at   TEXT    NOT NULL,
        called_at   TEXT,
        started_at  TEXT,
        last_call   TEXT,
        finished_at TEXT,
        wait_s      INTEGER,
        service_s   INTEGER,
        no_shows    INTEGER NOT NULL,
        transfers   INTEGER NOT NULL,
        requeues    INTEGER NOT NULL,
        hour        INTEGER NOT NULL,
        weekday     INTEGER NOT NULL,
        PRIMARY KEY (day, ticket_id)
    ) WITHOUT ROWID;
    CREATE INDEX service_facts_window ON service_facts (window, day);
    CREATE INDEX service_facts_figures ON service_facts (day, category, matter, window, clerk_id, status, outcome,
        hour, weekday, wait_s, service_s, no_shows, transfers);
    INSERT INTO service_facts {_FACTS_OF.format(where="")};
    CREATE TRIGGER service_facts_transition AFTER INSERT ON transitions BEGIN
    {_REFRESH.format(id="NEW.ticket_id", select=_FACTS_OF.format(where="WHERE t.id = NEW.ticket_id"))}
    END;
    CREATE TRIGGER service_facts_ticket AFTER UPDATE ON tickets
    WHEN OLD.status IS NOT NEW.status OR OLD.window IS NOT NEW.window OR OLD.clerk_id IS NOT NEW.clerk_id
        OR OLD.outcome IS NOT NEW.outcome OR OLD.reason IS NOT NEW.reason OR OLD.recalls IS NOT NEW.recalls
        OR OLD.finished_at IS NOT NEW.finished_at OR OLD.matter IS NOT NEW.matter OR OLD.number IS NOT NEW.number
        OR OLD.category IS NOT NEW.category OR OLD.issued_at IS NOT NEW.issued_at BEGIN
    {_REFRESH.format(id="NEW.id", select=_FACTS_OF.format(where="WHERE t.id = NEW.id"))}
    END
    """,
    # 12 (issue 15): the history of the self-inspection's manual ticks: every tick and every
    # photo of evidence, who and when; inspection_checks keeps the current state.
    """
    CREATE TABLE inspection_history (
        id       INTEGER PRIMARY KEY,
        item     TEXT    NOT NULL,
        done     INTEGER NOT NULL,
        note     TEXT    NOT NULL,
        photo    BLOB,
        by_name  TEXT    NOT NULL,
        at       TEXT    NOT NULL
    );
    CREATE INDEX inspection_history_item ON inspection_history (item, id)
    """,
]
