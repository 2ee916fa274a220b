-- A case's engine state is stored as bytes: its JSON, deflated by the service
-- (xn-service, flow/stored.rs). Deflated, a closed six-task case's state takes about 490 bytes
-- instead of about 2,300, so several cases share a page and every action writes less.
--
-- The JSON already stored is kept as it is, now as bytes; it still reads (JSON starts with `{`,
-- a zlib stream with 0x78) and is deflated when its case next moves.
alter table cases alter column state type bytea using convert_to(state, 'UTF8');
