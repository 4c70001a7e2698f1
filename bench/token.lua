-- POST /oauth/token (authorization_code), each request with a code of its own: the codes were
-- stored beforehand (CODES_FILE, one per line), since a code works once. BASIC is the client's
-- Authorization header; REDIRECT_URI and CODE_VERIFIER are the same for every code.
local codes = {}
for line in io.lines(os.getenv("CODES_FILE")) do codes[#codes + 1] = line end
local i = 0
local body = "&redirect_uri=" .. os.getenv("REDIRECT_URI"):gsub(":", "%%3A"):gsub("/", "%%2F") .. "&code_verifier=" .. os.getenv("CODE_VERIFIER")

request = function()
  i = i + 1
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = os.getenv("BASIC")
  return wrk.format("POST", "/oauth/token", nil, "grant_type=authorization_code&code=" .. (codes[i] or "spent") .. body)
end
