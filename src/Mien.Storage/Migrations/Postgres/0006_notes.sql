-- Clinician notes on a subject's timeline and per-project monitoring (live alert) settings (PostgreSQL). The same
-- logical schema as Sqlite/0005_notes.sql: keep them in step.
-- A note's text is sealed like every payload ({"sealed":"…"}, bound to the note's id and subject); erasing the
-- subject (or the recording a note is pinned to) deletes its notes with it.

CREATE TABLE notes (
    id           uuid             PRIMARY KEY,
    project_id   uuid             NOT NULL,
    subject_id   uuid             NOT NULL,
    recording_id uuid             NULL,
    at_s         double precision NULL CHECK (at_s IS NULL OR (recording_id IS NOT NULL AND at_s >= 0)),
    author       text             NOT NULL CHECK (length(author) BETWEEN 1 AND 200),
    created_at   timestamptz      NOT NULL,
    updated_at   timestamptz      NULL,
    payload      jsonb            NOT NULL,
    FOREIGN KEY (project_id, subject_id) REFERENCES subjects (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, recording_id) REFERENCES recordings (project_id, id) ON DELETE CASCADE
);
CREATE INDEX notes_subject ON notes (subject_id, created_at, id);
CREATE INDEX notes_recording ON notes (recording_id, at_s) WHERE recording_id IS NOT NULL;

-- Alert and indicator thresholds per project (not personal data: plain JSON).
CREATE TABLE monitoring_settings (
    project_id uuid        PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    payload    jsonb       NOT NULL,
    updated_at timestamptz NOT NULL
);
