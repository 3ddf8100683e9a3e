-- hmis-access schema, PostgreSQL. The same tables and columns as migrations/sqlite, with
-- PostgreSQL types: BIGINT identities and unix seconds, TEXT, BOOLEAN.
-- Identifiers are folded in Rust (domain::identifier::fold); no COLLATE NOCASE, no lower().

CREATE TABLE account (
    id                      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username                TEXT    NOT NULL,          -- as the administrator typed it
    username_folded         TEXT    NOT NULL,
    email                   TEXT    NOT NULL,
    email_folded            TEXT    NOT NULL,
    full_name               TEXT    NOT NULL DEFAULT '',
    agency                  TEXT    NOT NULL DEFAULT '',
    role                    TEXT    NOT NULL DEFAULT 'user', -- 'user' | 'agency_admin' | 'system_admin'
    password_hash           TEXT,                       -- argon2id PHC string; NULL = none yet
    must_change_password    BOOLEAN NOT NULL DEFAULT FALSE, -- set by a one-time password
    one_time_password_expires_at BIGINT,              -- a one-time password works until then
    password_changed_at     BIGINT,
    failed_attempts         BIGINT NOT NULL DEFAULT 0, -- consecutive; lockout (domain::lockout)
    locked_at               BIGINT,
    last_reset_requested_at BIGINT,                    -- cooldown of forgot-password
    -- license (domain::license): pending | active | expired | inactive | deleted
    status                  TEXT    NOT NULL DEFAULT 'pending',
    activity_at             BIGINT NOT NULL,           -- start of the current 30-day window
    expires_at              BIGINT NOT NULL,           -- license expiry (annual recertification)
    inactive_since          BIGINT,
    inactive_reason         TEXT,                       -- 'no_sign_in' | 'leave_of_absence'
    created_at              BIGINT NOT NULL,
    last_sign_in_at         BIGINT,
    deleted_at              BIGINT
);
-- A deleted account keeps its row for audit; its username can be given to a new account.
CREATE UNIQUE INDEX account_username_live ON account (username_folded) WHERE deleted_at IS NULL;
CREATE INDEX account_email ON account (email_folded);

CREATE TABLE reset_token (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     BIGINT NOT NULL REFERENCES account (id),
    token_hash     TEXT    NOT NULL UNIQUE,             -- SHA-256 hex; the token itself is never stored
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT,
    revoked_at     BIGINT,
    revoked_reason TEXT                                 -- 'superseded' | 'password_changed'
);
CREATE INDEX reset_token_account ON reset_token (account_id);

CREATE TABLE session (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   TEXT    NOT NULL UNIQUE,               -- SHA-256 hex of the cookie value
    account_id   BIGINT NOT NULL REFERENCES account (id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,                      -- absolute limit
    revoked_at   BIGINT,
    user_agent   TEXT    NOT NULL DEFAULT '',
    client_ip    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX session_account ON session (account_id);

-- Email to send. Bodies are rendered at delivery time so no secret (reset token) is ever
-- stored: a reset_link row makes the worker issue the token just before it sends.
CREATE TABLE outbox_message (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id      TEXT    NOT NULL UNIQUE,            -- stable Message-ID across retries
    kind            TEXT    NOT NULL,                   -- 'reset_link' | 'password_changed'
    account_id      BIGINT NOT NULL REFERENCES account (id),
    recipient       TEXT    NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT,
    sent_at         BIGINT,
    dead_at         BIGINT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox_message (next_attempt_at) WHERE sent_at IS NULL AND dead_at IS NULL;

-- Append-only record of what happened (never a password or a token).
CREATE TABLE audit_event (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         BIGINT NOT NULL,
    account_id BIGINT,
    actor      TEXT    NOT NULL,                        -- 'self', 'system', 'cli', an admin username
    action     TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT '',
    client_ip  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_event_account ON audit_event (account_id);

-- Failed sign-ins for usernames that do not exist, keyed by an HMAC of the folded name, so they
-- are counted and answered like real accounts (lockout reveals nothing). Expired by the
-- lifecycle job.
CREATE TABLE unknown_sign_in (
    name_hmac  TEXT    PRIMARY KEY,
    failures   BIGINT NOT NULL,
    locked_at  BIGINT,
    updated_at BIGINT NOT NULL
);

-- Fixed-window counters (per client address, per account): one upsert per hit.
CREATE TABLE rate_limit (
    bucket       TEXT    NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

-- Warnings already sent: one row per (account, notice, period), so none goes out twice even
-- when several instances run the lifecycle job.
CREATE TABLE lifecycle_notice (
    account_id BIGINT NOT NULL REFERENCES account (id),
    period_key TEXT    NOT NULL,
    sent_at    BIGINT NOT NULL,
    PRIMARY KEY (account_id, period_key)
);

-- Leases for jobs that one instance at a time must run (the lifecycle job).
CREATE TABLE job_lock (
    name   TEXT    PRIMARY KEY,
    holder TEXT    NOT NULL,
    until  BIGINT NOT NULL
);

-- Secrets the instances share, created at first start (the HMAC key for unknown usernames).
CREATE TABLE server_secret (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Forgot-password requests, recorded as they come (the same single insert whether or not an
-- account matches, so the request path does the same work and takes the same time) and
-- resolved by the outbox worker: lookup, cooldown, limits, the email to queue.
CREATE TABLE reset_request (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identifier   TEXT    NOT NULL,                      -- folded username or email
    client_ip    TEXT    NOT NULL DEFAULT '',
    requested_at BIGINT NOT NULL,
    processed_at BIGINT
);
CREATE INDEX reset_request_pending ON reset_request (id) WHERE processed_at IS NULL;
