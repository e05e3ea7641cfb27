-- wrk: the gate's pair flow. Each wrk thread has one connection (-c equal
-- to -t) and walks its share of the pairs in CG_PAIRS ("PRECERT CERT" base64
-- lines): POST /v1/gate/precert, then /v1/gate/cert for the same serial, in
-- order on that connection. Counts the answers that are not 200 (every pair
-- here should be allowed) and stops a thread when its pairs run out. The
-- step moves on in response(): wrk may call request() once more than it
-- sends (to build its first request).
local threads = {}
local n = 0
function setup(thread)
  thread:set("id", n)
  n = n + 1
  thread:set("nthreads", 0)
  table.insert(threads, thread)
end
function init(args)
  pairs_ = {}
  for line in io.lines(os.getenv("CG_PAIRS")) do
    local p, c = line:match("^(%S+) (%S+)$")
    table.insert(pairs_, {p, c})
  end
  step = 0
  non200 = 0
  done_pairs = 0
  nth = tonumber(os.getenv("CG_THREADS"))
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  local k = id + 1 + math.floor(step / 2) * nth
  if k > #pairs_ then
    wrk.thread:stop()
    k = 1
  end
  local which = step % 2
  local path = which == 0 and "/v1/gate/precert" or "/v1/gate/cert"
  local body = '{"object":"' .. pairs_[k][which + 1] .. '","at":"2025-04-01T00:00:00Z"}'
  return wrk.format(nil, path, nil, body)
end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
  step = step + 1
  if step % 2 == 0 then done_pairs = done_pairs + 1 end
end
function done(summary, latency, requests)
  local bad, pairs_done = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non200")
    pairs_done = pairs_done + t:get("done_pairs")
  end
  io.write(string.format("pairs completed: %d, answers not 200: %d, pairs/s: %.0f\n",
                         pairs_done, bad, pairs_done / (summary.duration / 1e6)))
end
