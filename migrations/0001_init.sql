-- mlvc schema, version 1: users and tokens, repositories and branches, changesets with
-- their changed paths, content-addressed tree nodes, contents and the audit log.
-- Applied by `mlvcd migrate` inside one transaction; schema_migrations is the migrator's own.

CREATE TABLE users (
  id          bigserial   PRIMARY KEY,
  name        text        NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 255),
  is_admin    boolean     NOT NULL DEFAULT false,
  is_service  boolean     NOT NULL DEFAULT false,
  disabled    boolean     NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Tokens are stored only as the SHA-256 hex of the secret.
CREATE TABLE tokens (
  id            bigserial   PRIMARY KEY,
  user_id       bigint      NOT NULL REFERENCES users (id),
  hash          text        NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
  label         text        NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX tokens_user_idx ON tokens (user_id);

CREATE TABLE repositories (
  id           bigserial   PRIMARY KEY,
  name         text        NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 255),
  created_by   bigint      NOT NULL REFERENCES users (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- The last changeset number handed out; -1 before @0. Incrementing it locks the row, which
  -- keeps numbers contiguous across concurrent submits.
  last_number  bigint      NOT NULL DEFAULT -1 CHECK (last_number >= -1)
);

CREATE TABLE contents (
  id          text        PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
  size        bigint      NOT NULL CHECK (size >= 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Content-addressed directory listings shared by every repository (common/tree encoding).
CREATE TABLE tree_nodes (
  hash     text  PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
  encoded  bytea NOT NULL
);

CREATE TABLE changesets (
  repo_id       bigint      NOT NULL REFERENCES repositories (id),
  number        bigint      NOT NULL CHECK (number >= 0),
  parent        bigint      CHECK (parent >= 0 AND parent < number),
  merge_parent  bigint      CHECK (merge_parent >= 0 AND merge_parent < number),
  -- Deferred: a transaction may insert the changeset before its tree nodes.
  root_tree     text        NOT NULL REFERENCES tree_nodes (hash) DEFERRABLE INITIALLY DEFERRED,
  author_id     bigint      NOT NULL REFERENCES users (id),
  message       text        NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  submit_id     text,
  PRIMARY KEY (repo_id, number),
  UNIQUE (repo_id, submit_id),
  FOREIGN KEY (repo_id, parent) REFERENCES changesets (repo_id, number),
  FOREIGN KEY (repo_id, merge_parent) REFERENCES changesets (repo_id, number)
);

CREATE TABLE branches (
  repo_id     bigint      NOT NULL REFERENCES repositories (id),
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  head        bigint      NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, name),
  -- Deferred: creating a repository may create its branch before its root changeset.
  FOREIGN KEY (repo_id, head) REFERENCES changesets (repo_id, number)
    DEFERRABLE INITIALLY DEFERRED
);

-- One row per path a changeset added (A), modified (M) or deleted (D). Paths compare
-- bytewise (COLLATE "C") so "under a directory" is the index range (p || '/', p || '0').
CREATE TABLE changed_paths (
  repo_id     bigint             NOT NULL,
  number      bigint             NOT NULL,
  path        text COLLATE "C"   NOT NULL CHECK (length(path) BETWEEN 1 AND 4096),
  action      char(1)            NOT NULL CHECK (action IN ('A', 'M', 'D')),
  content_id  text               REFERENCES contents (id),
  PRIMARY KEY (repo_id, number, path),
  FOREIGN KEY (repo_id, number) REFERENCES changesets (repo_id, number),
  CHECK ((action = 'D') = (content_id IS NULL))
);
CREATE INDEX changed_paths_by_path_idx ON changed_paths (repo_id, path, number DESC);

CREATE TABLE audit (
  id           bigserial   PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  user_id      bigint      REFERENCES users (id),
  action       text        NOT NULL,
  repo_id      bigint      REFERENCES repositories (id),
  target       text        NOT NULL DEFAULT '',
  client_addr  text        NOT NULL DEFAULT '',
  result       text        NOT NULL DEFAULT ''
);
CREATE INDEX audit_at_idx ON audit (at);
