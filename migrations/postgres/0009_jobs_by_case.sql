-- The flow writer cancels a case's timers by case (and run) on every step change.
create index jobs_case on jobs(case_id, run_no);
