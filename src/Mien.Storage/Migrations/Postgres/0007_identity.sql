-- Consented identity templates across sessions (PostgreSQL). The same logical schema as Sqlite/0007_identity.sql: keep
-- them in step.
-- One template per subject and embedding model: the quality-weighted mean face descriptor of an enrolment, sealed
-- like every payload ({"sealed":"…"}, AES-256-GCM under the project's data key, bound to the template's id and
-- subject). A template is written only while the subject holds current 'identity-template' consent; withdrawing that
-- scope or erasing the subject deletes it (the foreign key cascades too, as a backstop).

CREATE TABLE identity_templates (
    id          uuid             PRIMARY KEY,
    project_id  uuid             NOT NULL,
    subject_id  uuid             NOT NULL,
    model       text             NOT NULL CHECK (length(model) BETWEEN 1 AND 64),
    faces       integer          NOT NULL CHECK (faces >= 1),
    quality     double precision NOT NULL CHECK (quality >= 0),
    created_at  timestamptz      NOT NULL,
    payload     jsonb            NOT NULL,
    FOREIGN KEY (project_id, subject_id) REFERENCES subjects (project_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX identity_templates_subject_model ON identity_templates (project_id, subject_id, model);
