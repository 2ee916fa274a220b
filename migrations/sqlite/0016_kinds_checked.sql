-- Item kinds and timer kinds are closed sets (xn_domain::flow::{ItemKind, TimerKind}), matched
-- exhaustively by the area registry (xn-service, areas.rs). The columns stay TEXT; the database
-- now refuses a code the build does not know.
--
-- A kind no build ever shipped (a unit's process stored with a kind of its own) becomes
-- `internal`, the generic kind, in the row and in the stored definition's text, so its running
-- cases keep moving: it never had rules of an area behind it.
--
-- SQLite cannot add a CHECK to an existing table without rebuilding it (and `cases` is the
-- largest table): triggers refuse the same rows. Each new area's migration replaces them.
update processes
   set source = replace(source, 'item_kind = "' || item_kind || '"', 'item_kind = "internal"'),
       item_kind = 'internal'
 where item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision');
update cases set item_kind = 'internal'
 where item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision');

create trigger processes_item_kind_insert before insert on processes
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision')
begin select raise(abort, 'processes.item_kind: unknown item kind'); end;

create trigger processes_item_kind_update before update of item_kind on processes
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision')
begin select raise(abort, 'processes.item_kind: unknown item kind'); end;

create trigger cases_item_kind_insert before insert on cases
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision')
begin select raise(abort, 'cases.item_kind: unknown item kind'); end;

create trigger cases_item_kind_update before update of item_kind on cases
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision')
begin select raise(abort, 'cases.item_kind: unknown item kind'); end;

create trigger jobs_kind_insert before insert on jobs
when new.kind not in ('rung', 'sv_deadline', 'sv_report')
begin select raise(abort, 'jobs.kind: unknown timer kind'); end;

create trigger jobs_kind_update before update of kind on jobs
when new.kind not in ('rung', 'sv_deadline', 'sv_report')
begin select raise(abort, 'jobs.kind: unknown timer kind'); end;
