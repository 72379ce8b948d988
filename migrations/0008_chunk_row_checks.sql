-- mlvc schema, version 8: chunks rows without per-row checks the server already made.
--
-- Every chunk of a push is a chunks row. Measured on a 1 GiB push (8 KiB chunks then,
-- 8,000 rows per pack), inserting a pack's rows took ~146 ms; without the pack_id foreign
-- key ~108 ms, and without the hash pattern check as well ~74 ms: the regular expression is
-- evaluated per row, the foreign key is a trigger per row. Both facts are established by the
-- server before a row is written (store/postgres/chunk_sql.cc): the packs row is inserted
-- first in the same transaction, and every hash is checked to be 64 lowercase hex digits
-- where it enters (server/core, store/pack). Packs are deleted only when no chunk uses them
-- (DeleteUnusedPack). The primary key (uniqueness) stays.
ALTER TABLE chunks DROP CONSTRAINT chunks_pack_id_fkey;
ALTER TABLE chunks DROP CONSTRAINT chunks_hash_check;
