-- mlvc schema, version 4: content-defined chunks stored in packs (server/store/pack).
--
-- A content is the concatenation of its chunks (content_chunks, in seq order); each chunk is
-- stored once, in one pack, at a byte range of the pack's blob object. Postgres alone answers
-- "which of these chunks are missing" and "where are the bytes of this content"; the pack's
-- own index (server/store/pack/README.md) lets a pack be verified without Postgres.

-- One blob object holding many chunks. object_key names the object in the BlobStore.
CREATE TABLE packs (
  id           bigserial   PRIMARY KEY,
  object_key   text        NOT NULL UNIQUE CHECK (object_key ~ '^[0-9a-f]{64}$'),
  size         bigint      NOT NULL CHECK (size >= 0),
  chunk_count  integer     NOT NULL CHECK (chunk_count >= 0),
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Every stored chunk, by the SHA-256 of its raw (uncompressed) bytes. codec: 0 raw, 1 zstd.
CREATE TABLE chunks (
  hash           text    PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
  pack_id        bigint  NOT NULL REFERENCES packs (id),
  pack_offset    bigint  NOT NULL CHECK (pack_offset >= 0),
  stored_length  bigint  NOT NULL CHECK (stored_length >= 0),
  raw_length     bigint  NOT NULL CHECK (raw_length >= 0),
  codec          smallint NOT NULL CHECK (codec IN (0, 1))
);
-- Which chunks a pack holds (garbage collection and repacking walk a pack's chunks).
CREATE INDEX chunks_by_pack_idx ON chunks (pack_id);

-- A content's manifest: NULL for a content stored whole as one blob (schema 1), otherwise
-- the number of its content_chunks rows (0 for the empty content).
ALTER TABLE contents ADD COLUMN chunk_count integer CHECK (chunk_count >= 0);

CREATE TABLE content_chunks (
  content_id  text    NOT NULL REFERENCES contents (id),
  seq         integer NOT NULL CHECK (seq >= 0),
  chunk_hash  text    NOT NULL REFERENCES chunks (hash),
  PRIMARY KEY (content_id, seq)
);
-- Which contents use a chunk (garbage collection keeps referenced chunks).
CREATE INDEX content_chunks_by_chunk_idx ON content_chunks (chunk_hash);

-- Pack objects being written: a row is inserted before the first byte reaches the blob store
-- and deleted in the transaction that records the pack. Garbage collection deletes an object
-- that no packs row names only when no uploads row names it either, or that row is older than
-- the grace period (a writer that crashed).
CREATE TABLE uploads (
  object_key  text        PRIMARY KEY CHECK (object_key ~ '^[0-9a-f]{64}$'),
  started_at  timestamptz NOT NULL DEFAULT now()
);
