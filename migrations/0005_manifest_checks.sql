-- mlvc schema, version 5: content manifests without per-row foreign-key checks.
--
-- A 1 GiB content has ~128 Ki manifest rows (8 KiB average chunks). Measured on this kind of
-- machine, inserting 10,000 content_chunks rows took ~250 ms, of which ~110 ms went to the
-- content_id foreign key and ~150 ms to the chunk_hash one: the largest server-side cost of a
-- first push. Both facts are already established by the server before a row is written,
-- in the same transaction (store/postgres/chunk_sql.cc): the contents row is inserted first
-- and every chunk is looked up (and read back and hashed by ChunkStore) before the manifest
-- is recorded; chunks are never deleted by any user action, and garbage collection, when it
-- exists, must consult content_chunks (content_chunks_by_chunk_idx serves it).
ALTER TABLE content_chunks DROP CONSTRAINT content_chunks_content_id_fkey;
ALTER TABLE content_chunks DROP CONSTRAINT content_chunks_chunk_hash_fkey;
