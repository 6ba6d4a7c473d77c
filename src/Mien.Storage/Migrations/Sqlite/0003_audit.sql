-- Mien storage, version 3 (SQLite): the tamper-evident audit log and retention. Keep in step with Postgres/0003_audit.sql.
-- The database itself keeps the log append-only: entries are inserted only in sequence (seq = head + 1), never
-- updated, and deleted only up to the retention anchor, which moves forward only and records the hash the chain
-- continues from. Hashes are computed by the server (Mien.Privacy.Audit.AuditChain); verification recomputes them.

-- Per subject, the random key of its audit reference (HMAC). Deleted with the subject, which makes the references
-- in the log unlinkable once the subject is erased.
ALTER TABLE subjects ADD COLUMN audit_salt BLOB NULL CHECK (audit_salt IS NULL OR length(audit_salt) = 32);

-- One row per project with an audit chain: where it ends (head) and where retention cut it (anchor).
-- No foreign key to projects: the log outlives what it records.
CREATE TABLE audit_heads (
    project_id  TEXT    NOT NULL PRIMARY KEY,
    head_seq    INTEGER NOT NULL CHECK (head_seq >= 0),
    head_hash   BLOB    NOT NULL CHECK (length(head_hash) = 32),
    anchor_seq  INTEGER NOT NULL CHECK (anchor_seq >= 0 AND anchor_seq <= head_seq),
    anchor_hash BLOB    NOT NULL CHECK (length(anchor_hash) = 32),
    anchor_at   TEXT    NULL
);

CREATE TABLE audit_log (
    project_id  TEXT    NOT NULL,
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL CHECK (length(actor) BETWEEN 1 AND 80),
    action      TEXT    NOT NULL CHECK (length(action) BETWEEN 1 AND 60),
    outcome     TEXT    NOT NULL CHECK (length(outcome) BETWEEN 1 AND 20),
    subject_ref TEXT    NULL CHECK (subject_ref IS NULL OR length(subject_ref) = 32),
    target      TEXT    NULL CHECK (target IS NULL OR length(target) BETWEEN 1 AND 100),
    -- Text, hashed exactly as stored (never re-formatted JSON).
    detail      TEXT    NOT NULL CHECK (json_valid(detail)),
    hash        BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (project_id, seq)
);
CREATE INDEX audit_log_time ON audit_log (project_id, at);
CREATE INDEX audit_log_subject ON audit_log (project_id, subject_ref, seq) WHERE subject_ref IS NOT NULL;

CREATE TRIGGER audit_log_append_in_order BEFORE INSERT ON audit_log
WHEN NEW.seq IS NOT COALESCE((SELECT head_seq FROM audit_heads WHERE project_id = NEW.project_id), -1) + 1
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: an entry must follow the head of its project''s chain (seq = head + 1)');
END;

CREATE TRIGGER audit_log_advance_head AFTER INSERT ON audit_log
BEGIN
    UPDATE audit_heads SET head_seq = NEW.seq, head_hash = NEW.hash WHERE project_id = NEW.project_id;
END;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
END;

CREATE TRIGGER audit_log_delete_only_before_anchor BEFORE DELETE ON audit_log
WHEN OLD.seq > COALESCE((SELECT anchor_seq FROM audit_heads WHERE project_id = OLD.project_id), 0)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: only entries at or before the retention anchor can be deleted');
END;

-- A head moves only one entry forward (to the entry just appended), an anchor only forward onto a kept entry's hash.
CREATE TRIGGER audit_heads_forward_only BEFORE UPDATE ON audit_heads
WHEN NOT (NEW.project_id = OLD.project_id AND (
        (NEW.head_seq = OLD.head_seq + 1
            AND NEW.head_hash = (SELECT hash FROM audit_log WHERE project_id = NEW.project_id AND seq = NEW.head_seq)
            AND NEW.anchor_seq = OLD.anchor_seq AND NEW.anchor_hash = OLD.anchor_hash)
     OR (NEW.head_seq = OLD.head_seq AND NEW.head_hash = OLD.head_hash
            AND NEW.anchor_seq > OLD.anchor_seq AND NEW.anchor_seq <= NEW.head_seq
            AND NEW.anchor_hash = (SELECT hash FROM audit_log WHERE project_id = NEW.project_id AND seq = NEW.anchor_seq))))
BEGIN
    SELECT RAISE(ABORT, 'audit_heads: a chain''s head moves only to the entry just appended, its anchor only forward onto a kept entry');
END;

CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads
BEGIN
    SELECT RAISE(ABORT, 'audit_heads: a chain''s head cannot be deleted');
END;

-- Retention: per project and kind of data, days to keep (NULL = until erased).
CREATE TABLE retention_policies (
    project_id       TEXT    NOT NULL PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    media_days       INTEGER NULL CHECK (media_days BETWEEN 1 AND 3653),
    results_days     INTEGER NULL CHECK (results_days BETWEEN 1 AND 3653),
    aggregates_days  INTEGER NULL CHECK (aggregates_days BETWEEN 1 AND 3653),
    profiles_days    INTEGER NULL CHECK (profiles_days BETWEEN 1 AND 3653),
    audit_log_days   INTEGER NULL CHECK (audit_log_days BETWEEN 1 AND 3653),
    updated_at       TEXT    NOT NULL
);

-- When retention removed each kind of a recording's data (its files first, then its rows), so a run never
-- revisits a recording it finished and a run cut short resumes where it stopped.
ALTER TABLE recordings ADD COLUMN media_purged_at TEXT NULL;
ALTER TABLE recordings ADD COLUMN results_purged_at TEXT NULL;
ALTER TABLE recordings ADD COLUMN aggregates_purged_at TEXT NULL;
CREATE INDEX recordings_retention ON recordings (project_id, status, finished_at);
