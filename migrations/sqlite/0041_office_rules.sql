-- 规章制度: an office's rules as versioned texts. Publishing a version (the first one too) asks
-- every active post doing the office's work in the office and its subtree to acknowledge
-- reading it (one row per post and version); a newer version withdraws the older version's
-- unanswered asks. Dates TEXT 'YYYY-MM-DD'; instants epoch milliseconds (UTC).

create table office_rules (
    id integer primary key,
    office_unit_id bigint not null references units(id),
    title text not null,
    owner_post_id bigint not null references posts(id),
    current_version bigint not null default 1,
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null,
    updated_at bigint not null
);
create index office_rules_office on office_rules(office_unit_id);

create table office_rule_versions (
    rule_id bigint not null references office_rules(id),
    version bigint not null check (version >= 1),
    title text not null,
    body text not null,
    effective_on text not null,
    note text not null default '',
    published_by_post_id bigint not null references posts(id),
    published_at bigint not null,
    primary key (rule_id, version)
);

create table office_rule_acks (
    rule_id bigint not null references office_rules(id),
    version bigint not null,
    post_id bigint not null references posts(id),
    asked_at bigint not null,
    acknowledged_at bigint,
    primary key (rule_id, version, post_id)
);
create index office_rule_acks_post on office_rule_acks(post_id, acknowledged_at);
