-- wrk script for benchmark-api.sh. AUDITMATE_BENCH_MODE picks the endpoint; each request takes the
-- next line of AUDITMATE_BENCH_TOKENS ("access-token<TAB>audit-id", one audit of that user's
-- organization), so the per-user throttle and the organization scoping work as under real traffic.
local mode = os.getenv("AUDITMATE_BENCH_MODE")
local lines = {}
if mode ~= "healthz" then
    for line in io.lines(os.getenv("AUDITMATE_BENCH_TOKENS")) do
        local token, audit = line:match("^([^\t]+)\t(.+)$")
        lines[#lines + 1] = { token = token, audit = audit }
    end
end
local next_line = 0
-- The reference needs a repository to start an audit of; AuditMate starts a whole-organization scan.
local start_body = os.getenv("AUDITMATE_BENCH_START_BODY") or "{}"

request = function()
    if mode == "healthz" then
        return wrk.format("GET", "/healthz")
    end
    next_line = next_line % #lines + 1
    local user = lines[next_line]
    local headers = { ["Authorization"] = "Bearer " .. user.token }
    if mode == "list" then
        return wrk.format("GET", "/api/v1/audits/", headers)
    elseif mode == "detail" then
        return wrk.format("GET", "/api/v1/audits/" .. user.audit .. "/", headers)
    elseif mode == "start" then
        headers["Content-Type"] = "application/json"
        return wrk.format("POST", "/api/v1/audits/start/", headers, start_body)
    end
    error("AUDITMATE_BENCH_MODE must be healthz, list, detail or start")
end
