-- mlvc schema, version 2: per-repository roles, exclusive path locks and each repository's
-- lockable patterns.

-- A user's role on one repository. A user without a row is treated as a writer (every
-- authenticated user could write before roles existed); maintainer-only actions need a row.
CREATE TABLE roles (
  repo_id     bigint      NOT NULL REFERENCES repositories (id),
  user_id     bigint      NOT NULL REFERENCES users (id),
  role        text        NOT NULL CHECK (role IN ('reader', 'writer', 'maintainer')),
  granted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, user_id)
);

-- Creators of repositories made before roles existed become their maintainers.
INSERT INTO roles (repo_id, user_id, role)
  SELECT id, created_by, 'maintainer' FROM repositories
  ON CONFLICT DO NOTHING;

-- Files matching one of these globs (fnmatch on the basename or the whole path) need a lock
-- before editing: clients check them out read-only.
ALTER TABLE repositories ADD COLUMN lockable_patterns text[] NOT NULL DEFAULT
  ARRAY['*.pt', '*.pth', '*.ckpt', '*.safetensors', '*.onnx', '*.h5', '*.pb', '*.bin', '*.pkl',
        '*.joblib', '*.npz', '*.parquet']::text[];

-- One exclusive lock per path of a branch. The primary key is what makes a race for a path
-- have exactly one winner, on every replica, and it also serves listing in path order
-- (COLLATE "C": bytewise, like changed_paths, so a prefix is an index range).
CREATE TABLE locks (
  repo_id     bigint            NOT NULL REFERENCES repositories (id),
  branch      text              NOT NULL CHECK (length(branch) BETWEEN 1 AND 255),
  path        text COLLATE "C"  NOT NULL CHECK (length(path) BETWEEN 1 AND 4096),
  user_id     bigint            NOT NULL REFERENCES users (id),
  comment     text              NOT NULL DEFAULT '',
  created_at  timestamptz       NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, branch, path)
);
CREATE INDEX locks_user_idx ON locks (user_id);
