-- Mien storage, version 2 (PostgreSQL): declared purpose/setting/basis per project and consent records per subject
-- and scope. The same logical schema as Sqlite/0002_consent.sql: keep them in step.

UPDATE projects SET purpose = 'other' WHERE purpose IS NULL OR purpose NOT IN ('research', 'content-testing', 'ux-study', 'clinical-monitoring', 'driver-safety', 'skin-tracking', 'other');
UPDATE projects SET setting = 'lab' WHERE setting IS NULL OR setting NOT IN ('lab', 'home', 'clinic', 'vehicle', 'public', 'workplace', 'education');
ALTER TABLE projects ADD COLUMN basis text NOT NULL DEFAULT 'none';
ALTER TABLE projects ADD COLUMN justification text NULL;
ALTER TABLE projects ALTER COLUMN purpose SET NOT NULL;
ALTER TABLE projects ALTER COLUMN setting SET NOT NULL;
ALTER TABLE projects ADD CONSTRAINT projects_policy CHECK (
    purpose IN ('research', 'content-testing', 'ux-study', 'clinical-monitoring', 'driver-safety', 'skin-tracking', 'other')
    AND setting IN ('lab', 'home', 'clinic', 'vehicle', 'public', 'workplace', 'education')
    AND basis IN ('none', 'medical', 'safety')
    AND (basis = 'none' OR (justification IS NOT NULL AND length(justification) BETWEEN 20 AND 2000)));

-- One row per consent given; withdrawal (or a newer text version superseding it) closes the row, never deletes it.
-- Erasing the subject deletes its rows (the audit log keeps that consent existed, without the subject's identity).
CREATE TABLE consents (
    id           uuid        PRIMARY KEY,
    project_id   uuid        NOT NULL,
    subject_id   uuid        NOT NULL,
    scope        text        NOT NULL CHECK (scope IN ('analysis', 'measurements', 'media', 'skin-profile', 'identity-template')),
    text_version text        NOT NULL CHECK (length(text_version) BETWEEN 1 AND 100),
    collected_by text        NOT NULL CHECK (length(collected_by) BETWEEN 1 AND 200),
    given_at     timestamptz NOT NULL,
    withdrawn_at timestamptz NULL,
    withdrawn_by text        NULL CHECK (withdrawn_by IS NULL OR length(withdrawn_by) BETWEEN 1 AND 200),
    FOREIGN KEY (project_id, subject_id) REFERENCES subjects (project_id, id) ON DELETE CASCADE,
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
CREATE UNIQUE INDEX consents_current ON consents (subject_id, scope) WHERE withdrawn_at IS NULL;
CREATE INDEX consents_subject ON consents (subject_id, given_at);
