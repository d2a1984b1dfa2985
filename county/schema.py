"""The county's versioned PostgreSQL schema. Entry N upgrades ``schema_version`` to N.

Every table that grows with halls is keyed by ``hall_id`` first, so it can later be
distributed by hall (see the README). ``events`` is partitioned by month of ``at``
(China Standard Time); partitions are created on demand by :mod:`county.db`.
"""

MIGRATIONS: list[str] = [
    # 1: halls and their tokens, county users and sessions, epochs, events, live state.
    """
    CREATE TABLE halls (
        id          serial PRIMARY KEY,
        name        text NOT NULL,
        token_hash  text NOT NULL UNIQUE,
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz
    );
    CREATE TABLE users (
        id          serial PRIMARY KEY,
        login       text NOT NULL UNIQUE,
        name        text NOT NULL,
        pw_hash     text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        active      boolean NOT NULL DEFAULT true
    );
    CREATE TABLE sessions (
        token_hash  text PRIMARY KEY,
        user_id     integer NOT NULL REFERENCES users (id),
        created_at  timestamptz NOT NULL,
        expires_at  timestamptz NOT NULL
    );
    CREATE TABLE hall_epochs (
        hall_id          integer NOT NULL REFERENCES halls (id),
        epoch            text NOT NULL,
        parent_epoch     text,
        fork_seq         bigint,
        acked_seq        bigint NOT NULL DEFAULT 0,
        superseded_after bigint,
        first_seen       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (hall_id, epoch)
    );
    CREATE TABLE events (
        hall_id     integer NOT NULL,
        epoch       text NOT NULL,
        seq         bigint NOT NULL,
        at          timestamptz NOT NULL,
        type        text NOT NULL,
        wait_s      integer,
        outcome     text,
        superseded  boolean NOT NULL DEFAULT false,
        payload     jsonb NOT NULL,
        PRIMARY KEY (hall_id, epoch, seq, at)
    ) PARTITION BY RANGE (at);
    CREATE TABLE hall_state (
        hall_id          integer PRIMARY KEY REFERENCES halls (id),
        epoch            text,
        seq              bigint NOT NULL DEFAULT 0,
        hall_seq         bigint NOT NULL DEFAULT 0,
        day              text,
        waiting          integer NOT NULL DEFAULT 0,
        windows_open     integer NOT NULL DEFAULT 0,
        windows_paused   integer NOT NULL DEFAULT 0,
        served_today     integer NOT NULL DEFAULT 0,
        wait_p50_s       integer,
        wait_p90_s       integer,
        satisfaction     real,
        bad_reviews      integer,
        overdue          integer,
        complaints       integer,
        inspection_score real,
        device_faults    integer,
        last_seen        timestamptz,
        last_event_at    timestamptz,
        live             jsonb NOT NULL DEFAULT '{}'
    );
    """,
    # 2: the halls' slow figures (bianmin.sync.HallFigures) as last received, the supervision
    # figures kept per hall and month for the statistics, and the county's notices to halls
    # (``hall_ids`` NULL: every hall).
    """
    ALTER TABLE hall_state ADD COLUMN figures jsonb;
    ALTER TABLE hall_state ADD COLUMN figures_at timestamptz;
    CREATE TABLE hall_months (
        hall_id          integer NOT NULL REFERENCES halls (id),
        month            text NOT NULL,
        satisfaction     real,
        rated            integer,
        bad_open         integer,
        complaints       integer,
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (hall_id, month)
    );
    CREATE TABLE notices (
        id          bigserial PRIMARY KEY,
        title       text NOT NULL,
        body        text NOT NULL,
        hall_ids    integer[],
        expires     date,
        created_at  timestamptz NOT NULL DEFAULT now(),
        created_by  integer REFERENCES users (id)
    );
    """,
    # 3: the events' payloads and the halls' live states as ``json`` (the text as written), not
    # ``jsonb``: the county never queries inside them, it only replays them, and building jsonb
    # (sorting every object's keys, parsing every number) was a third of PostgreSQL's CPU per
    # ingested event. The county hands both over as UTF-8 bytes (:func:`county.db.connect`).
    """
    ALTER TABLE events ALTER COLUMN payload TYPE json USING payload::json;
    ALTER TABLE hall_state ALTER COLUMN live DROP DEFAULT,
        ALTER COLUMN live TYPE json USING live::json,
        ALTER COLUMN live SET DEFAULT '{}';
    """,
    # 4: room on every page of the two small tables that each commit updates once per hall, so
    # the new row versions stay on their page (HOT: no index entries, pruned as it goes) rather
    # than bloating them, and their indexes, by a row version per hall and commit.
    """
    ALTER TABLE hall_state SET (fillfactor = 40);
    ALTER TABLE hall_epochs SET (fillfactor = 40);
    """,
]
