-- mlvc schema, version 9: access control a team can rely on.
--
-- Default deny. A user's access to a repository is its row in `roles`, or else the
-- repository's default role for every signed-in user (none, reader or writer); server admins
-- may do everything. Before this version a user without a row counted as a writer, so every
-- repository that exists when this migration runs gets the default role 'writer': nobody
-- loses what they could do on upgrade, and a maintainer closes a repository with
-- `mlvc repo set REPO --default-role none`. Repositories created afterwards start at 'none'.
ALTER TABLE repositories ADD COLUMN default_role text NOT NULL DEFAULT 'none'
  CHECK (default_role IN ('none', 'reader', 'writer'));
UPDATE repositories SET default_role = 'writer';

-- Which repositories a user may read is asked on every content transfer; the primary key
-- (repo_id, user_id) serves the other direction.
CREATE INDEX roles_by_user_idx ON roles (user_id, repo_id);

-- Tokens name who issued them (a user's own, or an admin's for a service account).
ALTER TABLE tokens ADD COLUMN created_by bigint REFERENCES users (id);
ALTER TABLE tokens ADD CONSTRAINT tokens_label_length CHECK (length(label) <= 255);

-- Every audit row says which token made the call (NULL: the server's own command line, or
-- a call whose token was not recognised).
ALTER TABLE audit ADD COLUMN token_id bigint REFERENCES tokens (id);
-- `mlvc admin audit` pages newest first, filtered by repository, user or action.
CREATE INDEX audit_by_repo_idx ON audit (repo_id, id DESC);
CREATE INDEX audit_by_user_idx ON audit (user_id, id DESC);
CREATE INDEX audit_by_action_idx ON audit (action, id DESC);

-- Content is reached through a repository (server/core/content_reach.h). A content is
-- referenced by a repository when one of its changesets added or modified a file with it,
-- or one of its runs recorded it as its environment file; these two indexes answer "does
-- repository R reference content C" with one probe each.
CREATE INDEX changed_paths_by_content_idx ON changed_paths (content_id, repo_id)
  WHERE content_id IS NOT NULL;
CREATE INDEX runs_by_env_file_idx ON runs (env_file_content_id, repo_id)
  WHERE env_file_content_id IS NOT NULL;

-- Chunks a user has shown they hold, without any repository of theirs referencing them yet:
-- those they uploaded (the packs they wrote) and those they sent although the server held
-- them already (stored once, owned by the first uploader's pack).
ALTER TABLE packs ADD COLUMN uploaded_by bigint REFERENCES users (id);
CREATE INDEX packs_by_uploader_idx ON packs (uploaded_by) WHERE uploaded_by IS NOT NULL;
CREATE TABLE chunk_possessions (
  user_id      bigint      NOT NULL REFERENCES users (id),
  chunk_hash   text        NOT NULL REFERENCES chunks (hash),
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, chunk_hash)
);
