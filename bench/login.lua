-- POST /sessions as a random seeded user from a random client address, so the per-IP rate
-- limit (a defence against one client) does not turn a load test into a 429 test.
-- EMAIL_FORMAT is a Lua format string with one %d, USERS the number of seeded users.
local format = os.getenv("EMAIL_FORMAT") or "user%d@seed.example"
local users = tonumber(os.getenv("USERS") or "1000")
local first = tonumber(os.getenv("FIRST_USER") or "1")

request = function()
  local email = string.format(format, math.random(first, first + users - 1))
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["CF-Connecting-IP"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format("POST", "/sessions", nil, "email=" .. email:gsub("@", "%%40") .. "&password=password")
end
