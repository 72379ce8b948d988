-- mlvc schema, version 3: labels, immutable names for changesets ("v1.2.0").
--
-- A label shares its repository's ref namespace with the branches: core refuses a label named
-- like a branch and the other way round, under a per-repository advisory lock, because no
-- single constraint spans both tables.

CREATE TABLE labels (
  repo_id     bigint      NOT NULL REFERENCES repositories (id),
  -- common/path/names.h ValidateLabelName: one segment, at most 100 characters.
  name        text COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  number      bigint      NOT NULL,
  notes       text        NOT NULL DEFAULT '',
  created_by  bigint      NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, name),
  FOREIGN KEY (repo_id, number) REFERENCES changesets (repo_id, number)
);
-- Which labels name a changeset (garbage collection keeps what a label references).
CREATE INDEX labels_by_number_idx ON labels (repo_id, number);
