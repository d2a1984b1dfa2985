"""The versioned SQLite schema. Each entry upgrades ``PRAGMA user_version`` by one."""

from .service_facts import APPOINTMENT_COLUMN, BACK_FILL

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
    # 11 (issue 12, supervision): devices gain the kind 'pad' (the rating pad at a counter,
    # 评价器) and the window it faces; SQLite cannot change a CHECK, so the table is rebuilt.
    # Ratings (好差评: one per service, UNIQUE ticket_id), the 差评 rectification cases with
    # their appeals, and the complaint and suggestion box (意见箱) with its 查询码. Services
    # finished before this upgrade predate ratings: meta's ratings_from_ticket is the first rated.
    """
    CREATE TABLE devices_new (
        id           INTEGER PRIMARY KEY,
        kind         TEXT NOT NULL CHECK (kind IN ('kiosk', 'display', 'pad')),
        name         TEXT NOT NULL,
        token_hash   TEXT NOT NULL UNIQUE,
        created_at   TEXT NOT NULL,
        revoked      INTEGER NOT NULL DEFAULT 0,
        last_health  TEXT,
        last_seen    TEXT,
        last_address TEXT
    );
    INSERT INTO devices_new (id, kind, name, token_hash, created_at, revoked, last_health, last_seen, last_address)
        SELECT id, kind, name, token_hash, created_at, revoked, last_health, last_seen, last_address FROM devices;
    DROP TABLE devices;
    ALTER TABLE devices_new RENAME TO devices;
    ALTER TABLE devices ADD COLUMN window INTEGER;
    CREATE TABLE ratings (
        id        INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL UNIQUE REFERENCES tickets (id),
        level     TEXT NOT NULL
            CHECK (level IN ('very_satisfied', 'satisfied', 'basic', 'dissatisfied', 'very_dissatisfied')),
        reasons   TEXT NOT NULL DEFAULT '[]',
        comment   TEXT NOT NULL DEFAULT '',
        phone     TEXT NOT NULL DEFAULT '',
        source    TEXT NOT NULL CHECK (source IN ('pad', 'phone', 'default')),
        at        TEXT NOT NULL,
        day       TEXT NOT NULL,
        window    INTEGER,
        clerk_id  INTEGER,
        matter    TEXT
    );
    CREATE INDEX ratings_day ON ratings (day);
    CREATE TABLE rating_cases (
        id                INTEGER PRIMARY KEY,
        rating_id         INTEGER NOT NULL UNIQUE REFERENCES ratings (id),
        opened_at         TEXT NOT NULL,
        due               TEXT NOT NULL,
        callback_at       TEXT,
        callback_reached  INTEGER,
        callback_note     TEXT NOT NULL DEFAULT '',
        rectification     TEXT NOT NULL DEFAULT '',
        reply             TEXT NOT NULL DEFAULT '',
        replied_at        TEXT,
        closed_by         INTEGER,
        appeal_status     TEXT CHECK (appeal_status IN ('pending', 'upheld', 'rejected')),
        appeal_reason     TEXT NOT NULL DEFAULT '',
        appeal_by         INTEGER,
        appeal_at         TEXT,
        appeal_note       TEXT NOT NULL DEFAULT '',
        appeal_decided_at TEXT
    );
    CREATE INDEX rating_cases_open ON rating_cases (replied_at, due);
    CREATE TABLE complaints (
        id          INTEGER PRIMARY KEY,
        code        TEXT NOT NULL UNIQUE,
        kind        TEXT NOT NULL CHECK (kind IN ('complaint', 'suggestion', 'praise')),
        source      TEXT NOT NULL CHECK (source IN ('web', 'book', 'box', 'hotline')),
        text        TEXT NOT NULL,
        phone       TEXT NOT NULL DEFAULT '',
        matter      TEXT,
        window      INTEGER,
        created_at  TEXT NOT NULL,
        day         TEXT NOT NULL,
        due         TEXT NOT NULL,
        assigned_to INTEGER REFERENCES clerks (id),
        reply       TEXT,
        replied_at  TEXT
    );
    CREATE INDEX complaints_day ON complaints (day);
    INSERT INTO meta (key, value)
        SELECT 'ratings_from_ticket', CAST(COALESCE(MAX(id), 0) + 1 AS TEXT) FROM tickets
    """,
    # 12 (issue 17): notices from the county center, as received (``county_id`` is the
    # county's id: a notice fetched twice is stored once); the fetch cursor is in ``meta``.
    """
    CREATE TABLE county_notices (
        county_id   INTEGER PRIMARY KEY,
        title       TEXT NOT NULL,
        body        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        expires     TEXT,
        received_at TEXT NOT NULL
    )
    """,
    # 13 (issue 14): appointments (预约登记) and requests (委托办理, 上门服务, 跨部门代办).
    # A booking holds one place (0 … capacity-1) of its slot: UNIQUE (category, slot, place)
    # backs the one write path's count, and a cancelled booking gives its place back (NULL).
    # A checked-in booking names its ticket (UNIQUE: one ticket per booking); tickets say
    # whether they came from a booking. The rota may name a day's duty windows (JSON list).
    """
    ALTER TABLE tickets ADD COLUMN appointment INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE duty_rota ADD COLUMN windows TEXT;
    CREATE TABLE appointments (
        id         INTEGER PRIMARY KEY,
        code       TEXT NOT NULL UNIQUE,
        category   TEXT NOT NULL,
        matter     TEXT,
        slot       TEXT NOT NULL,
        place      INTEGER CHECK (place >= 0),
        name       TEXT NOT NULL DEFAULT '',
        phone      TEXT NOT NULL DEFAULT '',
        source     TEXT NOT NULL CHECK (source IN ('resident', 'phone', 'agent')),
        booked_by  INTEGER REFERENCES clerks (id),
        booked_at  TEXT NOT NULL,
        status     TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled', 'checked_in')),
        ticket_id  INTEGER UNIQUE REFERENCES tickets (id),
        UNIQUE (category, slot, place)
    );
    CREATE INDEX appointments_slot ON appointments (slot);
    CREATE TABLE requests (
        id          INTEGER PRIMARY KEY,
        code        TEXT NOT NULL UNIQUE,
        kind        TEXT NOT NULL CHECK (kind IN ('entrusted', 'home_visit', 'cross_department')),
        name        TEXT NOT NULL,
        village     TEXT NOT NULL DEFAULT '',
        phone       TEXT NOT NULL DEFAULT '',
        matter      TEXT,
        detail      TEXT NOT NULL,
        materials   TEXT NOT NULL DEFAULT '',
        department  TEXT NOT NULL DEFAULT '',
        due         TEXT NOT NULL,
        assignee_id INTEGER REFERENCES clerks (id),
        status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'rejected')),
        outcome     TEXT NOT NULL DEFAULT '',
        created_by  INTEGER NOT NULL REFERENCES clerks (id),
        created_at  TEXT NOT NULL,
        closed_at   TEXT,
        closed_by   INTEGER
    );
    CREATE INDEX requests_created_by ON requests (created_by, status);
    """,
    # 14 (issue 13): the ledger's facts, one row per service, in day order (derived in
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
    # 15 (issue 15): the history of the self-inspection's manual ticks: every tick and every
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
    # 16 (issue 14): the ledger and statistics mark appointment tickets: the service facts
    # carry tickets.appointment (queue_server/service_facts.py), back-filled, with a small
    # partial index for counting them.
    APPOINTMENT_COLUMN,
    # 17 (issue 9): transitions_ticket (ticket_id) is a prefix of transitions_ticket_status
    # (migration 4), which serves the same lookups. Each ticket issued wrote both: one WAL
    # frame of the twelve a ticket costs, on the issue path that must stay under 2 ms.
    "DROP INDEX transitions_ticket",
]
