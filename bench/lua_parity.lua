-- lua_parity.lua: runs contrib/job_submit.lua outside slurmctld on the job
-- descriptions written by bench/lua_parity and compares its decisions with
-- the ones job_submit/stratus made (verdict, Slurm error code, partition
-- list, AdminComment JSON).
--
-- Usage: STRATUS_CATALOG_CSV=data/ec2-instance-types.csv \
--          lua5.1 bench/lua_parity.lua contrib/job_submit.lua cases.lua
-- Prints "lua.parity.cases N" and "lua.parity.differ N" (and the first
-- differences); exits 1 when any case differs.

local script, cases_file = arg[1], arg[2]
if not script or not cases_file then
    io.stderr:write("usage: lua5.1 lua_parity.lua JOB_SUBMIT_LUA CASES_LUA\n")
    os.exit(2)
end

-- What job_submit/lua provides (Slurm 22.05), reduced to what the script uses.
local messages = {}
slurm = {
    SUCCESS = 0, ERROR = -1, FAILURE = -1,
    NO_VAL = 4294967294, INFINITE = 4294967295, NO_VAL16 = 65534, NO_VAL64 = 18446744073709551614,
    user_msg = function(m) messages[#messages + 1] = m end,
    log_info = function() end,
    log_error = function(fmt, ...) io.stderr:write(string.format(fmt, ...), "\n") end,
}
-- As slurmctld builds it from the sandbox's slurm.conf (minutes; NO_VAL = unset).
local part_list = {
    graviton = { default_time = 60, max_time = 1440 },
    hpc = { default_time = 4294967294, max_time = 720 },
    gpu = { default_time = 60, max_time = 1440 },
}

local chunk = assert(loadfile(script))
assert(chunk() == slurm.SUCCESS, script .. " did not load")
local cases = assert(loadfile(cases_file))()

local differ = 0
for i, c in ipairs(cases) do
    messages = {}
    local jd = {}
    for k, v in pairs(c.jd) do jd[k] = v end
    local rc = slurm_job_submit(jd, part_list, 0)
    local verdict = (rc ~= slurm.SUCCESS and "refuse") or (jd.admin_comment and "accept") or "none"
    local partitions = nil
    if jd.partition ~= c.jd.partition then partitions = jd.partition end
    local same = rc == c.rc and verdict == c.verdict
    -- Stratus also keeps the request it priced ("req", for job updates,
    -- which the script does not judge): compared without it.
    local comment = c.comment and (c.comment:gsub(',"req":%b{}', ''))
    if same and verdict == "accept" then same = partitions == c.partitions and jd.admin_comment == comment end
    if not same then
        differ = differ + 1
        if differ <= 5 then
            local fields = {}
            for k, v in pairs(c.jd) do fields[#fields + 1] = k .. "=" .. tostring(v) end
            table.sort(fields)
            print(string.format("lua.parity: case %d differs: %s\n  stratus: rc %d %s %s %s\n    %s\n  lua:     rc %d %s %s %s\n    %s",
                i, table.concat(fields, " "), c.rc, c.verdict, tostring(c.partitions), c.comment, c.msg,
                rc, verdict, tostring(partitions), tostring(jd.admin_comment), tostring(messages[1])))
        end
    end
end
print("lua.parity.cases " .. #cases)
print("lua.parity.differ " .. differ)
os.exit(differ == 0 and 0 or 1)
