-- Timers: a step arms only the next rung of its ladder, and each rung arms the one after it
-- when it falls (xn_service::flow::timers), so a step entered writes one `jobs` row instead of
-- one per rung (临期提醒, 黄牌, 红牌) and a step left cancels one.
--
-- The rows stay as they are: timers armed by an earlier build (every rung of a step at once)
-- are claimed and fire as before, and a rung that falls arms its next one only where no row
-- holds it yet, so no rung fires twice.
--
-- jobs_due held every row, pending or not, and each cancellation or firing moved its row's
-- entry; the sweep and the next-due query read only pending rows, by due instant.
drop index jobs_due;
create index jobs_due on jobs(due_at) where status = 'pending';

-- jobs_case served the cancellations by case and run; every one names its timer kind and is
-- served by the unique index on (kind, case_id, run_no, rung), the flow's and supervision's
-- alike.
drop index jobs_case;
