-- The audit trail made tamper-evident (GB/T 22239-2019 8.1.4.3): every event is sealed into one
-- chain per installation. A seal holds the event's place in the chain (`seq`, the order in
-- which events were sealed: a sealer takes committed events in id order, so an event committed
-- later is sealed later) and an HMAC-SM3, keyed from the installation's key, over the previous
-- seal's hash and the event's content (xn-store, audit_chain.rs). `xiaoneng audit verify`
-- recomputes the chain and names the first link that does not hold.
--
-- Events and seals are append-only: the database refuses to change or remove either, so a
-- change needs someone who can drop these triggers, and the chain then shows it.
create table event_seals (
    seq integer primary key,
    event_id integer not null unique references events(id),
    hash blob not null
);

create trigger events_no_update before update on events
begin
    select raise(abort, 'events are append-only');
end;
create trigger events_no_delete before delete on events
begin
    select raise(abort, 'events are append-only');
end;
create trigger event_seals_no_update before update on event_seals
begin
    select raise(abort, 'event seals are append-only');
end;
create trigger event_seals_no_delete before delete on event_seals
begin
    select raise(abort, 'event seals are append-only');
end;
