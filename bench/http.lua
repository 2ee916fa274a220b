-- wrk script of bench/http.sh. Environment:
--   EXPECT   the status every answer must have (others are counted as bad)
--   METHOD   GET (default) or POST; BODY the request body of a POST
--   LIMIT    requests per thread, after which the thread stops (none by default)
--   WRK_THREADS  wrk's -t (each thread takes every WRK_THREADS-th id)
--   IDS      a file of task ids, one per line: each request completes the next task of the
--            thread's share (POST /api/v1/tasks/{id}/complete); the thread stops when its
--            share is used
-- Prints one line: RESULT rps=… p50=… p95=… p99=… (milliseconds) bad=… errors=… ran_out=0|1

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  expect = tonumber(os.getenv("EXPECT") or "200")
  method = os.getenv("METHOD") or "GET"
  body = os.getenv("BODY")
  limit = tonumber(os.getenv("LIMIT") or "0")
  sent = 0
  bad = 0
  spare = 0
  stopped = 0
  ids = nil
  local file = os.getenv("IDS")
  if file then
    ids = {}
    local n = 0
    for line in io.lines(file) do
      if line ~= "" then
        if n % tonumber(os.getenv("WRK_THREADS")) == index then
          table.insert(ids, line)
        end
        n = n + 1
      end
    end
    next_id = 1
  end
  wrk.method = method
  if body then
    wrk.body = body
  end
end

function request()
  sent = sent + 1
  if ids then
    local id = ids[next_id]
    next_id = next_id + 1
    if id == nil then
      -- Other connections of the thread ask once more before it stops: their answers (404)
      -- are not counted as bad.
      spare = spare + 1
      wrk.thread:stop()
      id = "0"
    end
    return wrk.format(nil, "/api/v1/tasks/" .. id .. "/complete")
  end
  return wrk.format(nil)
end

function response(status, headers, body)
  if status ~= expect then
    if spare > 0 and status == 404 then
      spare = spare - 1
    else
      bad = bad + 1
    end
  end
  if (limit > 0 and sent >= limit) or (ids and next_id > #ids) then
    stopped = 1
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local bad_total = 0
  local ran_out = 0
  for _, t in ipairs(threads) do
    bad_total = bad_total + (t:get("bad") or 0)
    if (t:get("spare") or 0) > 0 or (t:get("stopped") or 0) > 0 then
      ran_out = 1
    end
  end
  local e = summary.errors
  -- A thread that stopped early (its ids or its LIMIT used up) idles out the rest of the run:
  -- the rate is then a lower bound, and says so.
  io.write(string.format("RESULT rps=%.0f p50=%.2f p95=%.2f p99=%.2f bad=%d errors=%d ran_out=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    bad_total, e.connect + e.read + e.write + e.timeout, ran_out))
end
