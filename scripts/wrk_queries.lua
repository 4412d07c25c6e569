-- wrk script: replays the request paths of a query log (QUERY_LOG, one
-- /v1/search?... path per line, from scripts/query_log.py), each thread from
-- its own offset. The long-tail log's class file (.classes.tsv) is for
-- scripts/bench_query.py, not for this script.
local paths = {}
local position = 1

-- PACE_MS: each connection waits about this long (0 to twice as long, at
-- random) before its next request, so that many connections together send
-- a steady rate, as an app tier's connection pool does.
local pace_ms = tonumber(os.getenv("PACE_MS") or "")
if pace_ms then
  function delay()
    return math.random(0, 2 * pace_ms)
  end
end

function init(args)
  local file = assert(io.open(os.getenv("QUERY_LOG"), "r"))
  for line in file:lines() do
    if line:sub(1, 1) == "/" then paths[#paths + 1] = line end
  end
  file:close()
  assert(#paths > 0, "no request paths in " .. os.getenv("QUERY_LOG"))
  position = (math.random(#paths))
end

function request()
  local path = paths[position]
  position = position % #paths + 1
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("non-2xx or failed: %d\n", summary.errors.status + errors.connect + errors.read + errors.write + errors.timeout))
end
