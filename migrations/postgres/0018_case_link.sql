-- A case names the row of its area it belongs to (a document, a supervision item), written by
-- the server when the area starts the case, never by the caller. The area's hooks find their row
-- from it (xn-service, areas.rs) without a read per action, in a batch as on the direct path.
-- Existing cases get theirs from the areas' own links to their cases.
alter table cases add column link_id bigint;
update cases set link_id = (select d.id from documents d where d.case_id = cases.id)
 where item_kind in ('document_out', 'document_in');
update cases set link_id = (select s.id from supervision_items s where s.case_id = cases.id)
 where item_kind = 'supervision';
