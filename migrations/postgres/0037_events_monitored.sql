-- The events the efficiency monitor reads by kind and time: urges (催办, which name the urged
-- post) and pauses (挂起 and 恢复). Each period's figures read them within its window; with no
-- index on events by kind (dropped in 0014 because every flow action paid for it) that read
-- scanned the whole log once per period, and a server catching up on five years of a large
-- city's history (about 9 million events, some 2,000 periods) spent most of its time there.
-- A partial index holds only these three kinds, so the flow's own actions (task completions,
-- case starts) write nothing more. Queries name the same list so both engines use it.
create index events_monitored on events(kind, at)
    where kind in ('flow.urged', 'flow.paused', 'flow.resumed');
