-- A case's engine state is stored as bytes: its JSON, deflated by the service
-- (xn-service, flow/stored.rs). Deflated, a closed six-task case's state takes about 490 bytes
-- instead of about 2,300, so several cases share a page and every action writes less.
--
-- The JSON already stored is kept as it is, now as bytes; it still reads (JSON starts with `{`,
-- a zlib stream with 0x78) and is deflated when its case next moves. SQLite cannot change a
-- column's type in place: a new column takes the bytes, the old one goes, the new one takes its
-- name. Nothing indexes or checks the column.
alter table cases add column state_bytes blob not null default x'';
update cases set state_bytes = cast(state as blob);
alter table cases drop column state;
alter table cases rename column state_bytes to state;
