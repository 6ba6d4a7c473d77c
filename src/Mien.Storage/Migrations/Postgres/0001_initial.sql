-- Mien storage, version 1 (PostgreSQL). The same logical schema as Sqlite/0001_initial.sql: keep them in step.
-- Payloads are the result schema's JSON as produced by the caller (jsonb: validated, queryable, keys re-ordered).

CREATE TABLE projects (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    purpose     text        NULL,
    setting     text        NULL,
    keep_media  boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL
);

CREATE TABLE api_keys (
    id          uuid        PRIMARY KEY,
    project_id  uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    role        text        NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    prefix      text        NOT NULL UNIQUE,
    hash        bytea       NOT NULL CHECK (length(hash) = 32),
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz NULL
);
CREATE INDEX api_keys_project ON api_keys (project_id);

CREATE TABLE subjects (
    id          uuid        PRIMARY KEY,
    project_id  uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    pseudonym   text        NOT NULL CHECK (length(pseudonym) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL,
    UNIQUE (project_id, pseudonym),
    -- Target of the composite keys below, so a row can only point at a subject of its own project.
    UNIQUE (project_id, id)
);

CREATE TABLE recordings (
    id          uuid             PRIMARY KEY,
    project_id  uuid             NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    subject_id  uuid             NULL,
    name        text             NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    source_kind text             NOT NULL CHECK (source_kind IN ('upload', 'stream', 'live')),
    media_path  text             NULL,
    options     jsonb            NOT NULL,
    status      text             NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress    double precision NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    error       text             NULL,
    created_at  timestamptz      NOT NULL,
    started_at  timestamptz      NULL,
    finished_at timestamptz      NULL,
    frames      bigint           NULL,
    duration_s  double precision NULL,
    UNIQUE (project_id, id),
    FOREIGN KEY (project_id, subject_id) REFERENCES subjects (project_id, id) ON DELETE CASCADE
);
CREATE INDEX recordings_project_created ON recordings (project_id, created_at DESC, id DESC);
CREATE INDEX recordings_status ON recordings (status, created_at) WHERE status IN ('queued', 'running');
CREATE INDEX recordings_subject ON recordings (subject_id) WHERE subject_id IS NOT NULL;

CREATE TABLE frames (
    recording_id uuid             NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    frame_index  bigint           NOT NULL CHECK (frame_index >= 0),
    t_s          double precision NOT NULL,
    faces        integer          NOT NULL CHECK (faces >= 0),
    payload      jsonb            NOT NULL,
    PRIMARY KEY (recording_id, frame_index)
);
CREATE INDEX frames_time ON frames (recording_id, t_s);

CREATE TABLE events (
    recording_id uuid             NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    seq          bigint           NOT NULL CHECK (seq >= 0),
    kind         text             NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    track_id     integer          NULL,
    t_start_s    double precision NOT NULL,
    t_end_s      double precision NULL,
    payload      jsonb            NOT NULL,
    PRIMARY KEY (recording_id, seq)
);
CREATE INDEX events_kind_time ON events (recording_id, kind, t_start_s);

CREATE TABLE person_summaries (
    recording_id uuid    NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    track_id     integer NOT NULL,
    payload      jsonb   NOT NULL,
    PRIMARY KEY (recording_id, track_id)
);

CREATE TABLE recording_summaries (
    recording_id uuid  PRIMARY KEY REFERENCES recordings (id) ON DELETE CASCADE,
    payload      jsonb NOT NULL
);

CREATE TABLE skin_sessions (
    id           uuid        PRIMARY KEY,
    project_id   uuid        NOT NULL,
    subject_id   uuid        NOT NULL,
    recording_id uuid        NULL,
    at           timestamptz NOT NULL,
    payload      jsonb       NOT NULL,
    FOREIGN KEY (project_id, subject_id) REFERENCES subjects (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, recording_id) REFERENCES recordings (project_id, id) ON DELETE CASCADE
);
CREATE INDEX skin_sessions_subject_at ON skin_sessions (subject_id, at, id);
CREATE INDEX skin_sessions_recording ON skin_sessions (recording_id) WHERE recording_id IS NOT NULL;
