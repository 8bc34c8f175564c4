-- pids.lua — wrk counts which worker answered (the X-Worker-Pid header of
-- each response), for bench/cluster.sh's rr spread.  Each wrk thread keeps
-- its own counts; done() adds them up and prints one line:
--   by pid: 1234=1001 1235=999
local threads = {}

function setup(thread) table.insert(threads, thread) end

function init(args) counts = {} end

function response(status, headers, body)
  local pid = headers["X-Worker-Pid"] or headers["x-worker-pid"] or "none"
  counts[pid] = (counts[pid] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    for pid, n in pairs(t:get("counts")) do all[pid] = (all[pid] or 0) + n end
  end
  local line = "by pid:"
  for pid, n in pairs(all) do line = line .. " " .. pid .. "=" .. n end
  print(line)
end
