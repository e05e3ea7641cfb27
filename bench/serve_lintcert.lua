-- wrk: POST /lintcert with a form body (b64cert=...), as a pkimetal client
-- sends it; the body is read from the file named by CG_FORM. Counts the
-- answers that are not 200.
local f = assert(io.open(os.getenv("CG_FORM"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  non200 = 0
end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non200") end
  io.write(string.format("answers not 200: %d\n", bad))
end
