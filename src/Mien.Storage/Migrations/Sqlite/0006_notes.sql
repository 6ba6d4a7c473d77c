-- Clinician notes on a subject's timeline and per-project monitoring (live alert) settings (SQLite). The same logical
-- schema as Postgres/0005_notes.sql: keep them in step.
-- A note's text is sealed like every payload ({"sealed":"…"}, bound to the note's id and subject); erasing the
-- subject (or the recording a note is pinned to) deletes its notes with it.

CREATE TABLE notes (
    id           TEXT NOT NULL PRIMARY KEY,
    project_id   TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    recording_id TEXT NULL,
    at_s         REAL NULL CHECK (at_s IS NULL OR (recording_id IS NOT NULL AND at_s >= 0)),
    author       TEXT NOT NULL CHECK (length(author) BETWEEN 1 AND 200),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NULL,
    payload      TEXT NOT NULL CHECK (json_valid(payload)),
    FOREIGN KEY (project_id, subject_id) REFERENCES subjects (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, recording_id) REFERENCES recordings (project_id, id) ON DELETE CASCADE
);
CREATE INDEX notes_subject ON notes (subject_id, created_at, id);
CREATE INDEX notes_recording ON notes (recording_id, at_s) WHERE recording_id IS NOT NULL;

-- Alert and indicator thresholds per project (not personal data: plain JSON).
CREATE TABLE monitoring_settings (
    project_id TEXT NOT NULL PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    payload    TEXT NOT NULL CHECK (json_valid(payload)),
    updated_at TEXT NOT NULL
);
