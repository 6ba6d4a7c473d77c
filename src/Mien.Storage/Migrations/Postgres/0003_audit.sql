-- Mien storage, version 3 (PostgreSQL): the tamper-evident audit log and retention. Keep in step with Sqlite/0003_audit.sql.
-- The database itself keeps the log append-only: entries are inserted only in sequence (seq = head + 1), never
-- updated or truncated, and deleted only up to the retention anchor, which moves forward only and records the hash
-- the chain continues from. Hashes are computed by the server (Mien.Privacy.Audit.AuditChain); verification
-- recomputes them. Appends lock the project's head row, so several server processes keep one linear chain.

-- Per subject, the random key of its audit reference (HMAC). Deleted with the subject, which makes the references
-- in the log unlinkable once the subject is erased.
ALTER TABLE subjects ADD COLUMN audit_salt bytea NULL CHECK (audit_salt IS NULL OR length(audit_salt) = 32);

-- One row per project with an audit chain: where it ends (head) and where retention cut it (anchor).
-- No foreign key to projects: the log outlives what it records.
CREATE TABLE audit_heads (
    project_id  uuid        PRIMARY KEY,
    head_seq    bigint      NOT NULL CHECK (head_seq >= 0),
    head_hash   bytea       NOT NULL CHECK (length(head_hash) = 32),
    anchor_seq  bigint      NOT NULL CHECK (anchor_seq >= 0 AND anchor_seq <= head_seq),
    anchor_hash bytea       NOT NULL CHECK (length(anchor_hash) = 32),
    anchor_at   timestamptz NULL
);

CREATE TABLE audit_log (
    project_id  uuid        NOT NULL,
    seq         bigint      NOT NULL CHECK (seq >= 1),
    at          timestamptz NOT NULL,
    actor       text        NOT NULL CHECK (length(actor) BETWEEN 1 AND 80),
    action      text        NOT NULL CHECK (length(action) BETWEEN 1 AND 60),
    outcome     text        NOT NULL CHECK (length(outcome) BETWEEN 1 AND 20),
    subject_ref text        NULL CHECK (subject_ref IS NULL OR length(subject_ref) = 32),
    target      text        NULL CHECK (target IS NULL OR length(target) BETWEEN 1 AND 100),
    -- Text, hashed exactly as stored (jsonb would re-order keys); the cast checks it is JSON.
    detail      text        NOT NULL CHECK ((detail::jsonb) IS NOT NULL),
    hash        bytea       NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (project_id, seq)
);
CREATE INDEX audit_log_time ON audit_log (project_id, at);
CREATE INDEX audit_log_subject ON audit_log (project_id, subject_ref, seq) WHERE subject_ref IS NOT NULL;

CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head audit_heads%ROWTYPE;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT * INTO head FROM audit_heads WHERE project_id = NEW.project_id;
        IF NOT FOUND OR NEW.seq <> head.head_seq + 1 THEN
            RAISE EXCEPTION 'audit_log is append-only: an entry must follow the head of its project''s chain (seq = head + 1)' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit_log is append-only: entries cannot be changed' USING ERRCODE = 'integrity_constraint_violation';
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.seq > COALESCE((SELECT anchor_seq FROM audit_heads WHERE project_id = OLD.project_id), 0) THEN
            RAISE EXCEPTION 'audit_log is append-only: only entries at or before the retention anchor can be deleted' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE FUNCTION audit_log_advance_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE audit_heads SET head_seq = NEW.seq, head_hash = NEW.hash WHERE project_id = NEW.project_id;
    RETURN NULL;
END;
$$;

-- A head moves only one entry forward (to the entry just appended), an anchor only forward onto a kept entry's hash.
CREATE FUNCTION audit_heads_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.project_id = OLD.project_id AND (
           (NEW.head_seq = OLD.head_seq + 1
               AND NEW.head_hash = (SELECT hash FROM audit_log WHERE project_id = NEW.project_id AND seq = NEW.head_seq)
               AND NEW.anchor_seq = OLD.anchor_seq AND NEW.anchor_hash = OLD.anchor_hash)
        OR (NEW.head_seq = OLD.head_seq AND NEW.head_hash = OLD.head_hash
               AND NEW.anchor_seq > OLD.anchor_seq AND NEW.anchor_seq <= NEW.head_seq
               AND NEW.anchor_hash = (SELECT hash FROM audit_log WHERE project_id = NEW.project_id AND seq = NEW.anchor_seq))) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_heads: a chain''s head moves only to the entry just appended, its anchor only forward onto a kept entry (% refused)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER audit_log_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_advance_head AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_advance_head();
CREATE TRIGGER audit_heads_guard BEFORE UPDATE OR DELETE ON audit_heads FOR EACH ROW EXECUTE FUNCTION audit_heads_guard();
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads FOR EACH STATEMENT EXECUTE FUNCTION audit_heads_guard();

-- Retention: per project and kind of data, days to keep (NULL = until erased).
CREATE TABLE retention_policies (
    project_id       uuid        PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    media_days       integer     NULL CHECK (media_days BETWEEN 1 AND 3653),
    results_days     integer     NULL CHECK (results_days BETWEEN 1 AND 3653),
    aggregates_days  integer     NULL CHECK (aggregates_days BETWEEN 1 AND 3653),
    profiles_days    integer     NULL CHECK (profiles_days BETWEEN 1 AND 3653),
    audit_log_days   integer     NULL CHECK (audit_log_days BETWEEN 1 AND 3653),
    updated_at       timestamptz NOT NULL
);

-- When retention removed each kind of a recording's data (its files first, then its rows), so a run never
-- revisits a recording it finished and a run cut short resumes where it stopped.
ALTER TABLE recordings ADD COLUMN media_purged_at timestamptz NULL;
ALTER TABLE recordings ADD COLUMN results_purged_at timestamptz NULL;
ALTER TABLE recordings ADD COLUMN aggregates_purged_at timestamptz NULL;
CREATE INDEX recordings_retention ON recordings (project_id, status, finished_at);
