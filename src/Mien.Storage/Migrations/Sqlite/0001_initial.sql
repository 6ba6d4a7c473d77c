-- Mien storage, version 1 (SQLite). The same logical schema as Postgres/0001_initial.sql: keep them in step.
-- uuid → TEXT (lower-case, hyphenated); timestamptz → TEXT 'yyyy-MM-ddTHH:mm:ss.ffffffZ' (fixed width, so it sorts);
-- jsonb → TEXT checked with json_valid, so both stores accept and refuse the same payloads.

CREATE TABLE projects (
    id          TEXT    PRIMARY KEY NOT NULL,
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    purpose     TEXT    NULL,
    setting     TEXT    NULL,
    keep_media  INTEGER NOT NULL DEFAULT 0 CHECK (keep_media IN (0, 1)),
    created_at  TEXT    NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT NOT NULL PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    prefix      TEXT NOT NULL UNIQUE,
    hash        BLOB NOT NULL CHECK (length(hash) = 32),
    created_at  TEXT NOT NULL,
    revoked_at  TEXT NULL
);
CREATE INDEX api_keys_project ON api_keys (project_id);

CREATE TABLE subjects (
    id          TEXT NOT NULL PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    pseudonym   TEXT NOT NULL CHECK (length(pseudonym) BETWEEN 1 AND 200),
    created_at  TEXT NOT NULL,
    UNIQUE (project_id, pseudonym),
    -- Target of the composite keys below, so a row can only point at a subject of its own project.
    UNIQUE (project_id, id)
);

CREATE TABLE recordings (
    id          TEXT    NOT NULL PRIMARY KEY,
    project_id  TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    subject_id  TEXT    NULL,
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    source_kind TEXT    NOT NULL CHECK (source_kind IN ('upload', 'stream', 'live')),
    media_path  TEXT    NULL,
    options     TEXT    NOT NULL CHECK (json_valid(options)),
    status      TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress    REAL    NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    error       TEXT    NULL,
    created_at  TEXT    NOT NULL,
    started_at  TEXT    NULL,
    finished_at TEXT    NULL,
    frames      INTEGER NULL,
    duration_s  REAL    NULL,
    UNIQUE (project_id, id),
    FOREIGN KEY (project_id, subject_id) REFERENCES subjects (project_id, id) ON DELETE CASCADE
);
CREATE INDEX recordings_project_created ON recordings (project_id, created_at DESC, id DESC);
CREATE INDEX recordings_status ON recordings (status, created_at) WHERE status IN ('queued', 'running');
CREATE INDEX recordings_subject ON recordings (subject_id) WHERE subject_id IS NOT NULL;

CREATE TABLE frames (
    recording_id TEXT    NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    frame_index  INTEGER NOT NULL CHECK (frame_index >= 0),
    t_s          REAL    NOT NULL,
    faces        INTEGER NOT NULL CHECK (faces >= 0),
    payload      TEXT    NOT NULL CHECK (json_valid(payload)),
    PRIMARY KEY (recording_id, frame_index)
);
CREATE INDEX frames_time ON frames (recording_id, t_s);

CREATE TABLE events (
    recording_id TEXT    NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL CHECK (seq >= 0),
    kind         TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    track_id     INTEGER NULL,
    t_start_s    REAL    NOT NULL,
    t_end_s      REAL    NULL,
    payload      TEXT    NOT NULL CHECK (json_valid(payload)),
    PRIMARY KEY (recording_id, seq)
);
CREATE INDEX events_kind_time ON events (recording_id, kind, t_start_s);

CREATE TABLE person_summaries (
    recording_id TEXT    NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    track_id     INTEGER NOT NULL,
    payload      TEXT    NOT NULL CHECK (json_valid(payload)),
    PRIMARY KEY (recording_id, track_id)
);

CREATE TABLE recording_summaries (
    recording_id TEXT NOT NULL PRIMARY KEY REFERENCES recordings (id) ON DELETE CASCADE,
    payload      TEXT NOT NULL CHECK (json_valid(payload))
);

CREATE TABLE skin_sessions (
    id           TEXT NOT NULL PRIMARY KEY,
    project_id   TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    recording_id TEXT NULL,
    at           TEXT NOT NULL,
    payload      TEXT NOT NULL CHECK (json_valid(payload)),
    FOREIGN KEY (project_id, subject_id) REFERENCES subjects (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, recording_id) REFERENCES recordings (project_id, id) ON DELETE CASCADE
);
CREATE INDEX skin_sessions_subject_at ON skin_sessions (subject_id, at, id);
CREATE INDEX skin_sessions_recording ON skin_sessions (recording_id) WHERE recording_id IS NOT NULL;
