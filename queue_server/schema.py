"""The versioned SQLite schema. Each entry upgrades ``PRAGMA user_version`` by one."""

from .service_facts import BACK_FILL

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
    # 11 (issue 13): the ledger's facts, one row per service, in day order (derived in
    # queue_server/service_facts.py): the ledger and reports of a year read this table, and
    # the statistics its covering index, instead of aggregating every transition again. A day
    # is stored once it is closed (the service stores it when the next day starts); the
    # back-fill stores every day before the newest one with tickets.
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
    CREATE INDEX service_facts_figures ON service_facts (day, category, matter, window, clerk_id, status, outcome,
        hour, weekday, wait_s, service_s, no_shows, transfers);
    {BACK_FILL}
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
