-- Mien storage, version 2 (SQLite): declared purpose/setting/basis per project and consent records per subject and
-- scope. The same logical schema as Postgres/0002_consent.sql: keep them in step. SQLite cannot add CHECK
-- constraints to an existing table, so the project columns are checked by triggers with the same lists.

UPDATE projects SET purpose = 'other' WHERE purpose IS NULL OR purpose NOT IN ('research', 'content-testing', 'ux-study', 'clinical-monitoring', 'driver-safety', 'skin-tracking', 'other');
UPDATE projects SET setting = 'lab' WHERE setting IS NULL OR setting NOT IN ('lab', 'home', 'clinic', 'vehicle', 'public', 'workplace', 'education');
ALTER TABLE projects ADD COLUMN basis TEXT NOT NULL DEFAULT 'none';
ALTER TABLE projects ADD COLUMN justification TEXT NULL;

CREATE TRIGGER projects_policy_insert BEFORE INSERT ON projects
WHEN NEW.purpose IS NULL OR NEW.purpose NOT IN ('research', 'content-testing', 'ux-study', 'clinical-monitoring', 'driver-safety', 'skin-tracking', 'other')
  OR NEW.setting IS NULL OR NEW.setting NOT IN ('lab', 'home', 'clinic', 'vehicle', 'public', 'workplace', 'education')
  OR NEW.basis NOT IN ('none', 'medical', 'safety')
  OR (NEW.basis <> 'none' AND (NEW.justification IS NULL OR length(NEW.justification) NOT BETWEEN 20 AND 2000))
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: project purpose, setting or basis');
END;

CREATE TRIGGER projects_policy_update BEFORE UPDATE OF purpose, setting, basis, justification ON projects
WHEN NEW.purpose IS NULL OR NEW.purpose NOT IN ('research', 'content-testing', 'ux-study', 'clinical-monitoring', 'driver-safety', 'skin-tracking', 'other')
  OR NEW.setting IS NULL OR NEW.setting NOT IN ('lab', 'home', 'clinic', 'vehicle', 'public', 'workplace', 'education')
  OR NEW.basis NOT IN ('none', 'medical', 'safety')
  OR (NEW.basis <> 'none' AND (NEW.justification IS NULL OR length(NEW.justification) NOT BETWEEN 20 AND 2000))
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: project purpose, setting or basis');
END;

-- One row per consent given; withdrawal (or a newer text version superseding it) closes the row, never deletes it.
-- Erasing the subject deletes its rows (the audit log keeps that consent existed, without the subject's identity).
CREATE TABLE consents (
    id           TEXT NOT NULL PRIMARY KEY,
    project_id   TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('analysis', 'measurements', 'media', 'skin-profile', 'identity-template')),
    text_version TEXT NOT NULL CHECK (length(text_version) BETWEEN 1 AND 100),
    collected_by TEXT NOT NULL CHECK (length(collected_by) BETWEEN 1 AND 200),
    given_at     TEXT NOT NULL,
    withdrawn_at TEXT NULL,
    withdrawn_by TEXT NULL CHECK (withdrawn_by IS NULL OR length(withdrawn_by) BETWEEN 1 AND 200),
    FOREIGN KEY (project_id, subject_id) REFERENCES subjects (project_id, id) ON DELETE CASCADE,
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
-- At most one current consent per subject and scope.
CREATE UNIQUE INDEX consents_current ON consents (subject_id, scope) WHERE withdrawn_at IS NULL;
CREATE INDEX consents_subject ON consents (subject_id, given_at);
