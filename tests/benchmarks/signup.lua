-- wrk: the mailing-list sign-up POST, a new address each time, with a valid CSRF pair.
local token = os.getenv("CSRF_TOKEN")
local threads = 0

setup = function(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

local counter = 0
request = function()
  counter = counter + 1
  local body = "email=bench-signup-" .. thread_id .. "-" .. counter .. "-" .. os.time() ..
    "%40example.org&wants_updates=on&website=&csrfmiddlewaretoken=" .. token
  return wrk.format("POST", "/join/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. token,
  }, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "errors": %d, "non_2xx_3xx": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.status + e.timeout, e.status))
end
