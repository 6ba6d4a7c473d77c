-- Consented identity templates across sessions (SQLite). The same logical schema as Postgres/0007_identity.sql: keep
-- them in step.
-- One template per subject and embedding model: the quality-weighted mean face descriptor of an enrolment, sealed
-- like every payload ({"sealed":"…"}, AES-256-GCM under the project's data key, bound to the template's id and
-- subject). A template is written only while the subject holds current 'identity-template' consent; withdrawing that
-- scope or erasing the subject deletes it (the foreign key cascades too, as a backstop).

CREATE TABLE identity_templates (
    id          TEXT    NOT NULL PRIMARY KEY,
    project_id  TEXT    NOT NULL,
    subject_id  TEXT    NOT NULL,
    model       TEXT    NOT NULL CHECK (length(model) BETWEEN 1 AND 64),
    faces       INTEGER NOT NULL CHECK (faces >= 1),
    quality     REAL    NOT NULL CHECK (quality >= 0),
    created_at  TEXT    NOT NULL,
    payload     TEXT    NOT NULL CHECK (json_valid(payload)),
    FOREIGN KEY (project_id, subject_id) REFERENCES subjects (project_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX identity_templates_subject_model ON identity_templates (project_id, subject_id, model);
