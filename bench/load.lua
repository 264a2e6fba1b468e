-- wrk script of the HTTP bench. Env:
--   BENCH_MODE   sign-in | get-session | link
--   BENCH_PATH   request path
--   BENCH_COOKIE session cookie name (get-session; link with BENCH_AUTH=cookie)
--   BENCH_TOKEN  the signed-in session key (get-session)
--   BENCH_TOKENS file of session keys, one per line, each used once (link)
--   BENCH_AUTH   bearer | cookie: how link sends its key
--   BENCH_TAG    makes link emails unique across runs
-- sign-in sends no Cookie and no Origin: every request is a new visitor from the same
-- site. Prints one line "BENCH_JSON {...}" with status counts, get-session answers
-- without a user (no_user) and latency (us).
local mode = os.getenv("BENCH_MODE") or "sign-in"
local path = os.getenv("BENCH_PATH") or "/"
local cookie = os.getenv("BENCH_COOKIE") or "sessionid"
local auth = os.getenv("BENCH_AUTH") or "bearer"
local tag = os.getenv("BENCH_TAG") or "x"
local ua = "Mozilla/5.0 (X11; Linux x86_64) bench"

local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local tokens = {}
local sent = 0

function init(args)
  s2, s3, s4, s5, nouser = 0, 0, 0, 0, 0
  if mode == "link" then
    -- Thread k of n takes keys k, k+n, k+2n...: no key is sent twice by two threads.
    local n = tonumber(os.getenv("BENCH_THREADS"))
    local i = 0
    for line in io.lines(os.getenv("BENCH_TOKENS")) do
      if i % n == tid - 1 then table.insert(tokens, line) end
      i = i + 1
    end
  elseif mode == "get-session" then
    -- A page's browser holds the CSRF cookie its first get-session set, as well as
    -- the session cookie; without it, every call would set a new one.
    wrk.headers["Cookie"] = cookie .. "=" .. os.getenv("BENCH_TOKEN")
      .. "; csrftoken=" .. string.rep("b", 32)
    wrk.headers["User-Agent"] = ua
    wrk.method = "GET"
    wrk.path = path
  else
    wrk.method = "POST"
    wrk.path = path
    wrk.body = "{}"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["User-Agent"] = ua
  end
end

-- Only link builds each request; the others send wrk's one pre-built request.
local function link_request()
  sent = sent + 1
  -- Past the end of the pool keys repeat; those answers are 401s and are reported.
  local key = tokens[(sent - 1) % #tokens + 1]
  local headers = { ["Content-Type"] = "application/json", ["User-Agent"] = ua }
  if auth == "bearer" then
    headers["Authorization"] = "Bearer " .. key
  else
    headers["Cookie"] = cookie .. "=" .. key
  end
  local body = string.format(
    '{"email":"link-%s-%d-%d@example.com","password":"Vq7-bench-Xr2-pass"}', tag, tid, sent)
  return wrk.format("POST", path, headers, body)
end

if mode == "link" then request = link_request end

function response(status, headers, body)
  -- get-session answers 200 for nobody too ("null", {"id": null}): check a user came back.
  if mode == "get-session" and status < 300 and not body:find('"id": ?%d') then
    nouser = nouser + 1
  end
  if status < 300 then s2 = s2 + 1
  elseif status < 400 then s3 = s3 + 1
  elseif status < 500 then s4 = s4 + 1
  else s5 = s5 + 1 end
end

function done(summary, latency, requests)
  local c2, c3, c4, c5, cn = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    c2 = c2 + t:get("s2"); c3 = c3 + t:get("s3")
    c4 = c4 + t:get("s4"); c5 = c5 + t:get("s5")
    cn = cn + t:get("nouser")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"s2xx":%d,"s3xx":%d,"s4xx":%d,"s5xx":%d,' ..
    '"no_user":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_timeout":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, c2, c3, c4, c5, cn,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
