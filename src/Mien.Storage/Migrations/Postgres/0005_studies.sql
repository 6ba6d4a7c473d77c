-- Mien storage, version 5 (PostgreSQL): ad/content testing studies. The same logical schema as Sqlite/0005_studies.sql:
-- keep them in step. A study shows stimuli (sealed media files like uploads) to viewers; a viewer is one viewing of
-- one stimulus by one pseudonymous subject, linked to the recording (live or uploaded) of their face, with either
-- the watch page's playback log or a fixed offset to align it. Declared audience attributes are personal data:
-- sealed like every payload, and erased with the subject (cascade).

CREATE TABLE studies (
    id          uuid        PRIMARY KEY,
    project_id  uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    min_viewers integer     NOT NULL CHECK (min_viewers BETWEEN 2 AND 1000),
    created_at  timestamptz NOT NULL,
    UNIQUE (project_id, id)
);

CREATE TABLE stimuli (
    id          uuid             PRIMARY KEY,
    project_id  uuid             NOT NULL,
    study_id    uuid             NOT NULL,
    label       text             NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    media_path  text             NOT NULL,
    duration_s  double precision NOT NULL CHECK (duration_s > 0),
    width       integer          NOT NULL CHECK (width > 0),
    height      integer          NOT NULL CHECK (height > 0),
    cuts        jsonb            NOT NULL,
    created_at  timestamptz      NOT NULL,
    FOREIGN KEY (project_id, study_id) REFERENCES studies (project_id, id) ON DELETE CASCADE,
    UNIQUE (project_id, id)
);
CREATE INDEX stimuli_study ON stimuli (study_id, created_at);

CREATE TABLE study_viewers (
    id           uuid             PRIMARY KEY,
    project_id   uuid             NOT NULL,
    study_id     uuid             NOT NULL,
    stimulus_id  uuid             NOT NULL,
    subject_id   uuid             NOT NULL,
    attributes   jsonb            NOT NULL,
    recording_id uuid             NULL REFERENCES recordings (id) ON DELETE SET NULL,
    offset_s     double precision NULL CHECK (offset_s IS NULL OR (offset_s BETWEEN -86400 AND 86400)),
    created_at   timestamptz      NOT NULL,
    FOREIGN KEY (project_id, study_id) REFERENCES studies (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, stimulus_id) REFERENCES stimuli (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, subject_id) REFERENCES subjects (project_id, id) ON DELETE CASCADE
);
CREATE INDEX study_viewers_stimulus ON study_viewers (stimulus_id, created_at);
CREATE INDEX study_viewers_subject ON study_viewers (subject_id);

CREATE TABLE study_playback (
    viewer_id  uuid             NOT NULL REFERENCES study_viewers (id) ON DELETE CASCADE,
    seq        integer          NOT NULL CHECK (seq >= 0),
    client_s   double precision NOT NULL CHECK (client_s >= 0),
    stimulus_s double precision NOT NULL CHECK (stimulus_s >= 0),
    state      text             NOT NULL CHECK (state IN ('playing', 'paused', 'buffering', 'seeking', 'ended')),
    PRIMARY KEY (viewer_id, seq)
);
