-- wrk script of bench/load.sh: visitors browsing the public pages.
--
--   wrk ... --script bench/load.lua http://127.0.0.1:8078 -- PATHS_FILE [FRESH_EVERY]
--
-- Each request takes the next path of PATHS_FILE (one per line: home, results, block, unit,
-- methodology and search pages, in Vietnamese and English); each thread starts at its own place
-- in the list. Every FRESH_EVERY-th request (0: never) is a search for a text nobody searched
-- before, so it misses the page cache and queries the database, as a stream of new searches does.

local paths = {}
local n = 0
local fresh_every = 0
thread_id = 0 -- set per thread by setup()
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" and line:sub(1, 1) ~= "#" then
      paths[#paths + 1] = line
    end
  end
  fresh_every = tonumber(args[2] or "0") or 0
  n = (thread_id * 7919) % #paths
end

function request()
  n = n + 1
  if fresh_every > 0 and n % fresh_every == 0 then
    return wrk.format("GET", "/search/?q=" .. "ha+noi+" .. thread_id .. "x" .. n)
  end
  return wrk.format("GET", paths[(n % #paths) + 1])
end
