-- mlvc schema, version 6: the ML record. Runs (training, evaluation, validation) recorded
-- against changesets with their params, metrics (single values and series), inputs,
-- outputs and environment; reviews (approvals) of changesets; branch policies. And the index
-- that makes "a branch's first-parent history" a join instead of a walk: first-parent lines.
--
-- First-parent lines. Questions like "the history of eval.accuracy on main" must filter
-- runs by membership in a branch's first-parent history, over 100,000 changesets, in a few
-- milliseconds; walking the parent chain per query is O(history). Two obvious alternatives:
--   * a per-changeset first-parent depth orders a chain but does not say which chain a
--     changeset is on (two branches that diverged share depths): still a walk;
--   * a per-branch membership table (branch, number) is one index lookup, but creating a
--     branch would copy its source's whole history (branches are meant to be O(1)).
-- Instead every changeset belongs to one "line", a run of first-parent-consecutive
-- changesets, and a line records the changeset it forked from:
--   * the root changeset @0 starts a line of its own (fork_number NULL);
--   * creating a branch starts a new, empty line forking at the branch's head: O(1);
--   * moving a branch head to a new first-parent child of its old head (every submit and
--     merge) puts the new changeset on the branch's line; any other move (never done by
--     the server today, but cheap to handle) starts a new line at the new head.
-- So a line's changesets are exactly a contiguous stretch of one first-parent chain, and
-- the first-parent history of changeset N is a handful of segments: (N's line, numbers up
-- to N), (the line it forked from, numbers up to the fork), ... down to @0's line. Numbers
-- grow along first parents, so segment k holds numbers in (fork_k, upto_k] and the segments
-- are disjoint and ordered. A branch's segment count is its nesting depth (main: 2, a branch
-- of main: 3), independent of history length. Queries take the segments from a tiny
-- recursive query (one primary-key hop per segment), then read each segment as ONE range
-- of an index whose key starts with (repo_id, ..., fp_line, number): the run and metric
-- tables carry fp_line denormalized for that. Lines are assigned by triggers below, so
-- every code path that creates branches or changesets keeps them right without knowing.

CREATE TABLE fp_lines (
  id           bigserial PRIMARY KEY,
  repo_id      bigint    NOT NULL REFERENCES repositories (id),
  -- The changeset the line's first changeset has as first parent; NULL for @0's line.
  fork_number  bigint
);

ALTER TABLE changesets ADD COLUMN fp_line bigint REFERENCES fp_lines (id);
ALTER TABLE branches ADD COLUMN fp_line bigint REFERENCES fp_lines (id);
CREATE INDEX changesets_fp_line_idx ON changesets (repo_id, fp_line, number);

-- A root changeset (no parent) starts its own line.
CREATE FUNCTION mlvc_changeset_line() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.fp_line IS NULL AND NEW.parent IS NULL THEN
    INSERT INTO fp_lines (repo_id, fork_number) VALUES (NEW.repo_id, NULL)
      RETURNING id INTO NEW.fp_line;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER changesets_line BEFORE INSERT ON changesets
  FOR EACH ROW EXECUTE FUNCTION mlvc_changeset_line();

-- A new branch starts an empty line forking at its head.
CREATE FUNCTION mlvc_branch_insert_line() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.fp_line IS NULL THEN
    INSERT INTO fp_lines (repo_id, fork_number) VALUES (NEW.repo_id, NEW.head)
      RETURNING id INTO NEW.fp_line;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER branches_insert_line BEFORE INSERT ON branches
  FOR EACH ROW EXECUTE FUNCTION mlvc_branch_insert_line();

-- A moved head: a new first-parent child of the old head joins the branch's line (the old
-- head is the line's tip or its fork, by induction); anything else starts a new line.
CREATE FUNCTION mlvc_branch_move_line() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  h_parent bigint;
  h_line   bigint;
BEGIN
  IF NEW.head = OLD.head THEN
    RETURN NEW;
  END IF;
  SELECT parent, fp_line INTO h_parent, h_line FROM changesets
    WHERE repo_id = NEW.repo_id AND number = NEW.head;
  IF NOT FOUND THEN
    RETURN NEW;  -- the deferred foreign key reports it
  END IF;
  IF h_line IS NULL THEN
    IF h_parent IS DISTINCT FROM OLD.head OR NEW.fp_line IS NULL THEN
      INSERT INTO fp_lines (repo_id, fork_number) VALUES (NEW.repo_id, h_parent)
        RETURNING id INTO NEW.fp_line;
    END IF;
    UPDATE changesets SET fp_line = NEW.fp_line
      WHERE repo_id = NEW.repo_id AND number = NEW.head;
  ELSE
    INSERT INTO fp_lines (repo_id, fork_number) VALUES (NEW.repo_id, NEW.head)
      RETURNING id INTO NEW.fp_line;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER branches_move_line BEFORE UPDATE OF head ON branches
  FOR EACH ROW EXECUTE FUNCTION mlvc_branch_move_line();

-- Existing histories: walk each branch's first-parent chain (oldest branch first), giving
-- unassigned changesets the branch's line until the walk meets an assigned one (the fork);
-- then give any changeset no branch reaches a line of its own the same way.
DO $$
DECLARE
  b record;
  c record;
  line bigint;
  cur bigint;
  cur_parent bigint;
  cur_line bigint;
BEGIN
  FOR c IN SELECT repo_id, number FROM changesets WHERE parent IS NULL AND fp_line IS NULL LOOP
    INSERT INTO fp_lines (repo_id, fork_number) VALUES (c.repo_id, NULL) RETURNING id INTO line;
    UPDATE changesets SET fp_line = line WHERE repo_id = c.repo_id AND number = c.number;
  END LOOP;
  FOR b IN SELECT repo_id, name, head FROM branches ORDER BY created_at, repo_id, name LOOP
    cur := b.head;
    line := NULL;
    LOOP
      SELECT parent, fp_line INTO cur_parent, cur_line FROM changesets
        WHERE repo_id = b.repo_id AND number = cur;
      EXIT WHEN NOT FOUND OR cur_line IS NOT NULL;
      IF line IS NULL THEN
        INSERT INTO fp_lines (repo_id, fork_number) VALUES (b.repo_id, NULL) RETURNING id INTO line;
      END IF;
      UPDATE changesets SET fp_line = line WHERE repo_id = b.repo_id AND number = cur;
      UPDATE fp_lines SET fork_number = cur_parent WHERE id = line;
      cur := cur_parent;
    END LOOP;
    IF line IS NULL THEN
      INSERT INTO fp_lines (repo_id, fork_number) VALUES (b.repo_id, b.head) RETURNING id INTO line;
    END IF;
    UPDATE branches SET fp_line = line WHERE repo_id = b.repo_id AND name = b.name;
  END LOOP;
  FOR c IN SELECT repo_id, number FROM changesets WHERE fp_line IS NULL ORDER BY number DESC LOOP
    cur := c.number;
    line := NULL;
    LOOP
      SELECT parent, fp_line INTO cur_parent, cur_line FROM changesets
        WHERE repo_id = c.repo_id AND number = cur;
      EXIT WHEN NOT FOUND OR cur_line IS NOT NULL;
      IF line IS NULL THEN
        INSERT INTO fp_lines (repo_id, fork_number) VALUES (c.repo_id, NULL) RETURNING id INTO line;
      END IF;
      UPDATE changesets SET fp_line = line WHERE repo_id = c.repo_id AND number = cur;
      UPDATE fp_lines SET fork_number = cur_parent WHERE id = line;
      cur := cur_parent;
    END LOOP;
  END LOOP;
END $$;

-- One recorded run. kind: 1 train, 2 eval, 3 validation; status: 1 succeeded, 2 failed,
-- 3 running (the RunKind / RunStatus numbers of record.proto). fp_line is the changeset's
-- (copied when recorded: a recorded changeset already sits on its branch's line).
CREATE TABLE runs (
  id                   bigserial   PRIMARY KEY,
  repo_id              bigint      NOT NULL,
  number               bigint      NOT NULL,
  fp_line              bigint,
  kind                 smallint    NOT NULL CHECK (kind BETWEEN 1 AND 3),
  name                 text        NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
  status               smallint    NOT NULL CHECK (status BETWEEN 1 AND 3),
  user_id              bigint      NOT NULL REFERENCES users (id),
  started_at           timestamptz NOT NULL,
  finished_at          timestamptz,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  -- Client-generated: a retried RecordRun (or PushModel, "push:" + submit id) finds it.
  record_id            text,
  env_file_name        text        NOT NULL DEFAULT '',
  env_file_content_id  text        REFERENCES contents (id),
  FOREIGN KEY (repo_id, number) REFERENCES changesets (repo_id, number),
  UNIQUE (repo_id, record_id)
);
-- ListRuns of a repository, newest first.
CREATE INDEX runs_by_repo_idx ON runs (repo_id, id DESC);
-- Runs at one changeset (policy checks, ListRuns by number).
CREATE INDEX runs_by_number_idx ON runs (repo_id, number, kind, id DESC);
-- Runs on a branch's history: one range per first-parent segment (FindRun: newest of a kind
-- at or before a changeset; ListRuns by branch, by id).
CREATE INDEX runs_by_line_idx ON runs (repo_id, fp_line, kind, number DESC, id DESC);
CREATE INDEX runs_by_line_id_idx ON runs (repo_id, fp_line, id DESC) INCLUDE (number, kind);

CREATE TABLE run_params (
  run_id  bigint NOT NULL REFERENCES runs (id),
  key     text COLLATE "C" NOT NULL CHECK (length(key) BETWEEN 1 AND 256),
  value   text   NOT NULL,
  PRIMARY KEY (run_id, key)
);

-- Metric values. A single value has step NULL; a series one row per step. `last` marks the
-- value a run contributes to a metric's history: the single value, or the series' last step.
-- repo_id, number, fp_line and kind are the run's, copied so that the history of a metric on
-- a branch is one range scan per segment of run_metrics_chain_idx (no join to runs).
CREATE TABLE run_metrics (
  run_id   bigint           NOT NULL REFERENCES runs (id),
  repo_id  bigint           NOT NULL,
  number   bigint           NOT NULL,
  fp_line  bigint,
  kind     smallint         NOT NULL,
  key      text COLLATE "C" NOT NULL CHECK (length(key) BETWEEN 1 AND 256),
  step     bigint,
  value    double precision NOT NULL CHECK (value <> 'NaN' AND value < 'Infinity'
                                            AND value > '-Infinity'),
  last     boolean          NOT NULL,
  UNIQUE NULLS NOT DISTINCT (run_id, key, step)
);
CREATE INDEX run_metrics_chain_idx ON run_metrics (repo_id, key, fp_line, number, run_id DESC)
  INCLUDE (kind, value) WHERE last;

-- Inputs resolved when recorded: a path at a changeset of a repository (maybe another one).
CREATE TABLE run_inputs (
  run_id      bigint  NOT NULL REFERENCES runs (id),
  seq         int     NOT NULL,
  repo_id     bigint  NOT NULL REFERENCES repositories (id),
  path        text    NOT NULL,
  number      bigint  NOT NULL,
  -- A file's content id or a directory's tree hash.
  content_id  text    NOT NULL,
  directory   boolean NOT NULL,
  PRIMARY KEY (run_id, seq)
);
-- Which runs read this model (evaluations, fine-tunes).
CREATE INDEX run_inputs_by_content_idx ON run_inputs (content_id, run_id);

CREATE TABLE run_outputs (
  run_id      bigint NOT NULL REFERENCES runs (id),
  path        text COLLATE "C" NOT NULL,
  content_id  text   NOT NULL,
  PRIMARY KEY (run_id, path)
);
-- Which run produced this content (explain, lineage).
CREATE INDEX run_outputs_by_content_idx ON run_outputs (content_id, run_id DESC);

-- The environment: packages parsed from the dependency file, and free variables.
CREATE TABLE run_packages (
  run_id   bigint NOT NULL REFERENCES runs (id),
  name     text COLLATE "C" NOT NULL,
  version  text   NOT NULL,
  PRIMARY KEY (run_id, name)
);
CREATE TABLE run_env_vars (
  run_id  bigint NOT NULL REFERENCES runs (id),
  key     text COLLATE "C" NOT NULL,
  value   text   NOT NULL,
  PRIMARY KEY (run_id, key)
);

-- Approvals of changesets (policy require_reviews). Approving twice keeps the first.
CREATE TABLE reviews (
  repo_id     bigint      NOT NULL,
  number      bigint      NOT NULL,
  user_id     bigint      NOT NULL REFERENCES users (id),
  note        text        NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, number, user_id),
  FOREIGN KEY (repo_id, number) REFERENCES changesets (repo_id, number)
);

-- A branch's policy (record.proto Policy). Metric rules as parallel arrays, in rule order.
-- Deleting the branch deletes its policy.
CREATE TABLE branch_policies (
  repo_id          bigint             NOT NULL,
  branch           text               NOT NULL,
  require_runs     smallint[]         NOT NULL DEFAULT '{}',
  metric_keys      text[]             NOT NULL DEFAULT '{}',
  metric_ops       text[]             NOT NULL DEFAULT '{}',
  metric_values    double precision[] NOT NULL DEFAULT '{}',
  require_reviews  int                NOT NULL DEFAULT 0 CHECK (require_reviews >= 0),
  set_by           bigint             NOT NULL REFERENCES users (id),
  set_at           timestamptz        NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, branch),
  FOREIGN KEY (repo_id, branch) REFERENCES branches (repo_id, name) ON DELETE CASCADE
);
