-- 信息: an issue of a periodical is issued (发) at 印发 to units of the system, each told and
-- each signing for it (签收), as a document is delivered through the exchange. 报 and 送 to
-- bodies outside the system stay the periodical's text. Instants BIGINT epoch milliseconds.

create table information_issue_recipients (
    issue_id bigint not null references information_issues(id),
    unit_id bigint not null references units(id),
    received_at bigint,
    received_post_id bigint references posts(id),
    primary key (issue_id, unit_id)
);
create index information_issue_recipients_unit on information_issue_recipients(unit_id, issue_id);
