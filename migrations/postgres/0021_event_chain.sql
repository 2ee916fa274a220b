-- The audit trail made tamper-evident (GB/T 22239-2019 8.1.4.3): every event is sealed into one
-- chain per installation. A seal holds the event's place in the chain (`seq`, the order in
-- which events were sealed: a sealer takes committed events in id order under a lock shared by
-- every server, so an event committed later is sealed later) and an HMAC-SM3, keyed from the
-- installation's key, over the previous seal's hash and the event's content (xn-store,
-- audit_chain.rs). `xiaoneng audit verify` recomputes the chain and names the first link that
-- does not hold.
--
-- Events and seals are append-only: the database refuses to change or remove either, so a
-- change needs someone who can drop these triggers, and the chain then shows it. (A role that
-- does not own the tables cannot drop them: docs/SECURITY.md says how to run the server so.)
create table event_seals (
    seq bigint primary key,
    event_id bigint not null unique references events(id),
    hash bytea not null
);

create function xn_append_only() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only', tg_table_name;
end
$$;

create trigger events_append_only before update or delete on events
    for each row execute function xn_append_only();
create trigger event_seals_append_only before update or delete on event_seals
    for each row execute function xn_append_only();
