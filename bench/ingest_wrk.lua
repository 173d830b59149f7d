-- wrk script for bench/ingest.py: POSTs alerts, each request with its own distinct alerts.
--
--   wrk -t1 -c32 -d10s -s bench/ingest_wrk.lua URL -- FORMAT PER_REQUEST PREFIX KEYSPACE STARTED
--
-- FORMAT      generic (warroom's own format: an object, or a list), am (Alertmanager's own
--             POST /api/v2/alerts: a list) or amhook (Alertmanager's webhook notification,
--             which warroom's alertmanager integration takes: a group holding the alerts)
-- PER_REQUEST alerts in one request body
-- PREFIX      start of every dedup key (warroom) / `dedup` label (Alertmanager)
-- KEYSPACE    0: every alert is new; N > 0: cycle through the alerts numbered 1..N again
-- STARTED     startsAt / started_at of every alert (ISO 8601)
--
-- Alert n (counted per wrk thread, keys PREFIX-THREAD-n) has alertname BenchAlert(n % 50) and
-- service svc(n / 50 % 10): 500 groups, so the first alerts open incidents and the rest attach.
-- Must build the same bodies as generic_alert/am_alert in bench/ingest.py (which sends one
-- alert per request at a fixed rate).
-- done() prints one line `WRK_JSON {...}` for bench/ingest.py to read.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

function init(args)
  body_format = args[1]
  per_request = tonumber(args[2])
  prefix = args[3]
  keyspace = tonumber(args[4])
  started = args[5]
  counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

local function generic_alert(n, key, group, service)
  return string.format(
    '{"summary":"High error rate on host-%d","dedup_key":"%s","service":"svc%d",'
      .. '"severity":"warning","source":"host-%d","started_at":"%s",'
      .. '"labels":{"alertname":"BenchAlert%d","instance":"host-%d","team":"core"}}',
    n, key, service, n, started, group, n)
end

local function am_alert(n, key, group, service)
  local hook = ""
  if body_format == "amhook" then
    hook = string.format('"status":"firing","fingerprint":"%s",', key)
  end
  return string.format(
    '{%s"labels":{"alertname":"BenchAlert%d","service":"svc%d","instance":"host-%d",'
      .. '"severity":"warning","team":"core","dedup":"%s"},'
      .. '"annotations":{"summary":"High error rate on host-%d"},'
      .. '"startsAt":"%s","generatorURL":"http://prometheus.bench/graph"}',
    hook, group, service, n, key, n, started)
end

local function next_alert()
  counter = counter + 1
  local n = counter
  if keyspace > 0 then
    n = (counter - 1) % keyspace + 1
  end
  local key = string.format("%s-%d-%d", prefix, thread_id, n)
  local group, service = n % 50, math.floor(n / 50) % 10
  if body_format == "generic" then
    return generic_alert(n, key, group, service)
  end
  return am_alert(n, key, group, service)
end

function request()
  if body_format == "generic" and per_request == 1 then
    return wrk.format(nil, nil, nil, next_alert())
  end
  local parts = {}
  for i = 1, per_request do
    parts[i] = next_alert()
  end
  local alerts = "[" .. table.concat(parts, ",") .. "]"
  if body_format == "amhook" then
    alerts = '{"version":"4","status":"firing","receiver":"warroom",'
      .. '"groupKey":"{}:{alertname=\\"BenchAlert\\"}","alerts":' .. alerts .. '}'
  end
  return wrk.format(nil, nil, nil, alerts)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,'
      .. '"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"threads":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99), latency.max,
    #threads))
end
