-- Item kinds and timer kinds are closed sets (xn_domain::flow::{ItemKind, TimerKind}), matched
-- exhaustively by the area registry (xn-service, areas.rs). The columns stay TEXT; the database
-- now refuses a code the build does not know.
--
-- A kind no build ever shipped (a unit's process stored with a kind of its own) becomes
-- `internal`, the generic kind, in the row and in the stored definition's text, so its running
-- cases keep moving: it never had rules of an area behind it. Each new area's migration drops
-- and re-adds these constraints with its kinds.
update processes
   set source = replace(source, 'item_kind = "' || item_kind || '"', 'item_kind = "internal"'),
       item_kind = 'internal'
 where item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision');
update cases set item_kind = 'internal'
 where item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision');

alter table processes add constraint processes_item_kind
    check (item_kind in ('internal', 'bench', 'document_out', 'document_in', 'supervision'));
alter table cases add constraint cases_item_kind
    check (item_kind in ('internal', 'bench', 'document_out', 'document_in', 'supervision'));
alter table jobs add constraint jobs_kind
    check (kind in ('rung', 'sv_deadline', 'sv_report'));
