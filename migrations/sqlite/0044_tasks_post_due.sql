-- The monthly evaluation's on-time factor reads, for every person of an office, the tasks
-- (待办, not 待阅) whose deadline falls in the month. Through `tasks_post_state` that visited
-- every task each post ever held (a large city's year: 1.4 million rows for 2,000 posts, about
-- 1.5 s of CPU on SQLite at every reading of the month's table). Keyed by post and deadline,
-- the month is a range per post. Partial: only tasks with a deadline, and the entry is written
-- once when the task is made (completing a task changes neither column), so the flow's
-- completions write nothing more. Queries name `kind = 'task' and due_at is not null` so both
-- engines use it.
create index tasks_post_due on tasks(post_id, due_at)
    where kind = 'task' and due_at is not null;
