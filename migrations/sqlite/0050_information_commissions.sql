-- 信息: 约稿 (the information section asks chosen units for information on a topic by a date;
-- an item answering it names the commission) and the leader whose 批示 an adoption records (so
-- the supervising section can open a 督办 item from it in one step, linked both ways through the
-- receipt's case). Dates are 'YYYY-MM-DD' TEXT (Beijing), instants BIGINT epoch milliseconds.

create table information_commissions (
    id integer primary key,
    office_unit_id bigint not null references units(id),
    topic text not null,
    description text not null default '',
    due_on text not null,
    created_post_id bigint not null references posts(id),
    created_at bigint not null,
    closed_at bigint
);
create index information_commissions_office on information_commissions(office_unit_id, created_at);

create table information_commission_units (
    commission_id bigint not null references information_commissions(id),
    unit_id bigint not null references units(id),
    urge_count bigint not null default 0,
    urged_at bigint,
    primary key (commission_id, unit_id)
);
create index information_commission_units_unit on information_commission_units(unit_id);

alter table information_items add column commission_id bigint references information_commissions(id);
create index information_items_commission on information_items(commission_id, unit_id);

alter table information_adoptions add column leader_post_id bigint references posts(id);
