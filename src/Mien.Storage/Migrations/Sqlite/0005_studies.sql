-- Mien storage, version 5 (SQLite): ad/content testing studies. The same logical schema as Postgres/0005_studies.sql:
-- keep them in step. A study shows stimuli (sealed media files like uploads) to viewers; a viewer is one viewing of
-- one stimulus by one pseudonymous subject, linked to the recording (live or uploaded) of their face, with either
-- the watch page's playback log or a fixed offset to align it. Declared audience attributes are personal data:
-- sealed like every payload, and erased with the subject (cascade).

CREATE TABLE studies (
    id          TEXT    NOT NULL PRIMARY KEY,
    project_id  TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    min_viewers INTEGER NOT NULL CHECK (min_viewers BETWEEN 2 AND 1000),
    created_at  TEXT    NOT NULL,
    UNIQUE (project_id, id)
);

CREATE TABLE stimuli (
    id          TEXT    NOT NULL PRIMARY KEY,
    project_id  TEXT    NOT NULL,
    study_id    TEXT    NOT NULL,
    label       TEXT    NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    media_path  TEXT    NOT NULL,
    duration_s  REAL    NOT NULL CHECK (duration_s > 0),
    width       INTEGER NOT NULL CHECK (width > 0),
    height      INTEGER NOT NULL CHECK (height > 0),
    cuts        TEXT    NOT NULL CHECK (json_valid(cuts)),
    created_at  TEXT    NOT NULL,
    FOREIGN KEY (project_id, study_id) REFERENCES studies (project_id, id) ON DELETE CASCADE,
    UNIQUE (project_id, id)
);
CREATE INDEX stimuli_study ON stimuli (study_id, created_at);

CREATE TABLE study_viewers (
    id           TEXT NOT NULL PRIMARY KEY,
    project_id   TEXT NOT NULL,
    study_id     TEXT NOT NULL,
    stimulus_id  TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    attributes   TEXT NOT NULL CHECK (json_valid(attributes)),
    -- The recording of the viewer's face (project checked by the store); erasing it unlinks the viewing.
    recording_id TEXT NULL REFERENCES recordings (id) ON DELETE SET NULL,
    offset_s     REAL NULL CHECK (offset_s IS NULL OR (offset_s BETWEEN -86400 AND 86400)),
    created_at   TEXT NOT NULL,
    FOREIGN KEY (project_id, study_id) REFERENCES studies (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, stimulus_id) REFERENCES stimuli (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, subject_id) REFERENCES subjects (project_id, id) ON DELETE CASCADE
);
CREATE INDEX study_viewers_stimulus ON study_viewers (stimulus_id, created_at);
CREATE INDEX study_viewers_subject ON study_viewers (subject_id);

-- The watch page's playback reports: at client time t (the clock of the live frames' timestamps) the stimulus was at
-- position p in state s.
CREATE TABLE study_playback (
    viewer_id  TEXT    NOT NULL REFERENCES study_viewers (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq >= 0),
    client_s   REAL    NOT NULL CHECK (client_s >= 0),
    stimulus_s REAL    NOT NULL CHECK (stimulus_s >= 0),
    state      TEXT    NOT NULL CHECK (state IN ('playing', 'paused', 'buffering', 'seeking', 'ended')),
    PRIMARY KEY (viewer_id, seq)
);
