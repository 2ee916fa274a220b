-- Data at rest (GB/T 39786; 等保 8.1.4.8): document bodies, their saved versions and stored
-- files are kept SM4-encrypted with an HMAC-SM3 checked on every read (xn_service::at_rest).
-- The key is outside the database, so this migration only marks the files: a server of this
-- build that has just applied it seals what earlier builds stored in plain (files with
-- `sealed = 0`, bodies not in the `sm4:` form) in one transaction before it serves.
alter table blobs add column sealed smallint not null default 0;

-- The auditor's page counts downloads and exports per person and day (mass downloads): a
-- partial index holds only those two kinds, so no other event pays for it. Queries name the
-- same list so both engines use it.
create index events_downloads on events(kind, at)
    where kind in ('files.downloaded', 'files.exported');
