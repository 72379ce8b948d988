-- mlvc schema, version 7: releases, deployments to environments, and the event stream.
--
-- A release is a label (0003) that was made a release: the label names the changeset and
-- can never move; this row adds the release's notes and makes it deployable. An environment
-- ("staging", "prod") exists from its first deployment: it is the newest deployments row of
-- its name. Core keeps environment names apart from branch and label names under the
-- per-repository ref-name advisory lock (label_sql.cc), as it does for branches and labels.

CREATE TABLE releases (
  -- Creation order: releases page newest first by id.
  id          bigserial   UNIQUE,
  repo_id     bigint      NOT NULL,
  version     text COLLATE "C" NOT NULL,
  notes       text        NOT NULL DEFAULT '',
  created_by  bigint      NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, version),
  -- A released label cannot be deleted (the FK refuses; core says why first).
  FOREIGN KEY (repo_id, version) REFERENCES labels (repo_id, name)
);
-- ListReleases: newest first, a page after a given release.
CREATE INDEX releases_by_repo_idx ON releases (repo_id, id DESC);

CREATE TABLE deployments (
  id               bigserial   PRIMARY KEY,
  repo_id          bigint      NOT NULL REFERENCES repositories (id),
  -- common/path/names.h ValidateBranchName rules; never a branch or label name.
  environment      text COLLATE "C" NOT NULL CHECK (length(environment) BETWEEN 1 AND 200),
  version          text COLLATE "C" NOT NULL,
  kind             text        NOT NULL CHECK (kind IN ('deploy', 'rollback')),
  -- The release live in the environment just before this row; NULL for the first.
  previous_version text COLLATE "C",
  -- The deployment a rollback from this one returns to: the environment's history as a
  -- stack (core/release_service.h). NULL when there is nothing to go back to.
  rollback_to      bigint      REFERENCES deployments (id),
  note             text        NOT NULL DEFAULT '',
  created_by       bigint      NOT NULL REFERENCES users (id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (repo_id, version) REFERENCES releases (repo_id, version),
  FOREIGN KEY (repo_id, previous_version) REFERENCES releases (repo_id, version)
);
-- The live deployment of an environment (its newest row), and one environment's history.
CREATE INDEX deployments_by_env_idx ON deployments (repo_id, environment, id DESC);
-- Every environment's history, newest first, paged by id.
CREATE INDEX deployments_by_repo_idx ON deployments (repo_id, id DESC);

-- Events of every repository: release.created, deployment, rollback, run.recorded, ...
-- Appended in the transaction of the change they describe, with pg_notify('mlvc_events',
-- id) so that watchers on every replica wake up at commit. Appenders take a transaction
-- advisory lock first (event_sql.cc), so ids become visible in id order and a watcher that
-- reads "after the last id it sent" never skips an event committed late.
CREATE TABLE events (
  id          bigserial   PRIMARY KEY,
  repo_id     bigint      NOT NULL REFERENCES repositories (id),
  kind        text        NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
  user_id     bigint      REFERENCES users (id),
  payload     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- A repository's events after an id (Watch with a repository).
CREATE INDEX events_by_repo_idx ON events (repo_id, id);
