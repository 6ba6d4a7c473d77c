-- Encryption at rest (SQLite). The same logical schema as Postgres/0004_encryption.sql: keep them in step.
-- The master key is never stored: only its public id and an HMAC check value, so a wrong key is refused by name.
-- Each project's data keys (DEKs) are stored wrapped (AES-256-GCM under the master key, 61 bytes); a retired
-- version keeps its row for the record but loses its wrapped bytes (crypto-shredding what it sealed).
-- Sealed payload columns keep their JSON type: they hold {"sealed":"<base64 envelope>"}.

CREATE TABLE encryption_keyring (
    id            INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    master_key_id TEXT    NOT NULL CHECK (length(master_key_id) BETWEEN 1 AND 64),
    master_check  BLOB    NOT NULL CHECK (length(master_check) = 32),
    created_at    TEXT    NOT NULL,
    rotated_at    TEXT    NULL
);

CREATE TABLE data_keys (
    project_id  TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL CHECK (version >= 1),
    state       TEXT    NOT NULL CHECK (state IN ('active', 'retiring', 'retired')),
    wrapped     BLOB    NULL CHECK (wrapped IS NULL OR length(wrapped) = 61),
    created_at  TEXT    NOT NULL,
    retired_at  TEXT    NULL,
    PRIMARY KEY (project_id, version),
    CHECK ((state = 'retired') = (wrapped IS NULL))
);
-- At most one version of a project takes new writes.
CREATE UNIQUE INDEX data_keys_one_active ON data_keys (project_id) WHERE state = 'active';
