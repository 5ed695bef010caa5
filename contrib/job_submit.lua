--[[
job_submit.lua: instance-aware partitions for Slurm's job_submit/lua (Lua 5.1).

What this is for
  This is the script an administrator would otherwise write by hand to get what
  job_submit/stratus does, for Slurm's stock job_submit/lua plugin:
    * refuse jobs that no instance type of their partition can ever run
      (CPUs per node, memory per node or per CPU after a 5 % reserve for the
      OS, GPUs per node and GPU model, architecture via --constraint);
    * route jobs that name no partition to the partitions that fit them,
      cheapest estimate first;
    * estimate the cost (nodes x hourly price x time limit), show it to the
      user (slurm.user_msg) and store it as JSON in the job's AdminComment.
  It serves two purposes:
    1. the baseline of `make bench`, which compares slurmctld's submit
       latency with no job_submit plugin, with job_submit/stratus and with
       this script (bench/bench_slurmctld.sh);
    2. a sample for sites that prefer Lua.
  It is NOT the Stratus product: it has no SPANK options (--arch,
  --instance-type, --capacity, --cost-center, --max-cost), no spot prices,
  no InstanceCatalog overlays, no stratus.conf and no reload watcher.
  Edit the settings below to describe your partitions.

Install
  Copy it next to slurm.conf as job_submit.lua and set
  JobSubmitPlugins=lua in slurm.conf. The instance data is read once, when
  slurmctld loads the script (again whenever the script file changes).
]]

---------------------------------------------------------------------------
-- Settings
---------------------------------------------------------------------------

-- The instance catalog (Stratus installs it as PKGDATADIR/ec2-instance-types.csv).
-- The STRATUS_CATALOG_CSV environment variable of slurmctld overrides it.
local CATALOG_CSV = "/usr/local/share/stratus/ec2-instance-types.csv"

-- Region whose on-demand prices are used (CSV column ondemand_usd_per_hour_<region>).
local REGION = "us-east-1"

-- Memory kept for the OS on every node; jobs can use the rest.
local MEMORY_RESERVE_PERCENT = 5

-- Route jobs that name no partition to the partitions that fit, cheapest first.
local ROUTE_JOBS = true

-- Tell the user the estimate at submit time (it is stored on the job either way).
local SHOW_ESTIMATE = true

-- Which EC2 instance types back each Slurm partition.
local PARTITIONS = {
    { name = "graviton", types = { "hpc7g.16xlarge", "c7gn.16xlarge" } },
    { name = "hpc",      types = { "hpc7a.96xlarge" } },
    { name = "gpu",      types = { "g6e.12xlarge", "p5.48xlarge" } },
}

local MSG = "job_submit.lua: "

---------------------------------------------------------------------------
-- Slurm constants (the plugin defines some of them in the slurm table)
---------------------------------------------------------------------------

local S = slurm or {}
local SUCCESS = S.SUCCESS or 0
local NO_VAL = S.NO_VAL or 4294967294
local INFINITE = S.INFINITE or 4294967295
local NO_VAL16 = S.NO_VAL16 or 65534
local INFINITE16 = 65535
local NO_VAL64 = S.NO_VAL64 or 18446744073709551614
-- slurm_errno.h codes the plugin does not export to Lua.
local ESLURM_INVALID_NODE_COUNT = 2006
local ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE = 2014
local ESLURM_INVALID_TASK_MEMORY = 2044
local ESLURM_INVALID_CPU_COUNT = 2069
local ESLURM_INVALID_GRES = 2072

local function log_info(fmt, ...)
    if S.log_info then S.log_info(fmt, ...) end
end

local function log_error(fmt, ...)
    if S.log_error then S.log_error(fmt, ...) else io.stderr:write(string.format(fmt, ...) .. "\n") end
end

---------------------------------------------------------------------------
-- Small helpers
---------------------------------------------------------------------------

local floor = math.floor
local huge = math.huge

local function trim(s)
    return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- Splits on a one-character separator, trimming pieces and dropping empty ones.
local function split(s, sep)
    local out = {}
    for piece in string.gmatch(s, "[^" .. sep .. "]+") do
        piece = trim(piece)
        if piece ~= "" then out[#out + 1] = piece end
    end
    return out
end

local function ceil_div(a, b)
    if b == 0 then return 0 end
    return floor((a + b - 1) / b)
end

local function max(a, b) if a > b then return a end return b end
local function min(a, b) if a < b then return a end return b end

local function format_usd(usd)
    if usd > 0 and usd < 0.01 then return string.format("$%.4f", usd) end
    return string.format("$%.2f", usd)
end

local function format_minutes(minutes)
    local d, h, m = floor(minutes / 1440), floor((minutes % 1440) / 60), minutes % 60
    if d > 0 then return string.format("%dd %dh%02d", d, h, m) end
    if h > 0 then return string.format("%dh%02d", h, m) end
    return string.format("%d min", m)
end

local function json_string(s)
    return '"' .. s:gsub('[%c"\\]', function(c)
        if c == '"' then return '\\"' elseif c == "\\" then return "\\\\"
        elseif c == "\n" then return "\\n" elseif c == "\t" then return "\\t" end
        return string.format("\\u%04x", c:byte())
    end) .. '"'
end

local function json_number(x)
    if x == nil or x ~= x or x == huge or x == -huge then return "null" end
    return string.format("%.10g", x)
end

local ARCHES = { x86_64 = "x86_64", amd64 = "x86_64", arm64 = "arm64", aarch64 = "arm64" }

---------------------------------------------------------------------------
-- Load time: the catalog CSV and the partition table
---------------------------------------------------------------------------

local catalog = {}      -- instance type name -> { name, family, arch, vcpus, memory_mib, gpus, gpu_model, usd_per_hour }
local families = {}     -- family name -> true
local partitions = {}   -- in the order written, each { name, types = { {type, usable_memory_mib}... } }
local by_name = {}      -- partition name -> partition
local ready = false     -- false: bad settings or catalog; jobs pass unchecked

local function load_catalog(path)
    local f, err = io.open(path, "r")
    if not f then return nil, "cannot read the instance catalog: " .. tostring(err) end
    local header, cols, lineno = nil, {}, 0
    for line in f:lines() do
        lineno = lineno + 1
        line = trim(line)
        if line ~= "" and line:sub(1, 1) ~= "#" then
            local cells, start = {}, 1
            while true do
                local comma = line:find(",", start, true)
                cells[#cells + 1] = trim(line:sub(start, (comma or 0) - 1))
                if not comma then break end
                start = comma + 1
            end
            if not header then
                header = cells
                for i, name in ipairs(cells) do cols[name] = i end
                for _, need in ipairs({ "instance_type", "arch", "vcpus", "memory_mib" }) do
                    if not cols[need] then f:close() return nil, path .. ": no column " .. need end
                end
            else
                local function cell(name)
                    local i = cols[name]
                    local v = i and cells[i] or ""
                    if v == "" then return nil end
                    return v
                end
                local name = (cell("instance_type") or ""):lower()
                local t = {
                    name = name,
                    family = (cell("family") or name:match("^[^.]+") or ""):lower(),
                    arch = ARCHES[(cell("arch") or ""):lower()],
                    vcpus = tonumber(cell("vcpus")),
                    memory_mib = tonumber(cell("memory_mib")),
                    gpus = tonumber(cell("gpus") or "0"),
                    gpu_model = (cell("gpu_model") or ""):lower(),
                    usd_per_hour = tonumber(cell("ondemand_usd_per_hour_" .. REGION:gsub("-", "_")) or ""),
                }
                if name == "" or not t.arch or not t.vcpus or not t.memory_mib or not t.gpus then
                    f:close()
                    return nil, string.format("%s:%d: bad row", path, lineno)
                end
                catalog[name] = t
                families[t.family] = true
            end
        end
    end
    f:close()
    return true
end

local function load()
    local path = os.getenv("STRATUS_CATALOG_CSV") or CATALOG_CSV
    local ok, err = load_catalog(path)
    if not ok then return nil, err end
    for _, p in ipairs(PARTITIONS) do
        local part = { name = p.name, types = {} }
        for _, tname in ipairs(p.types) do
            local t = catalog[tname:lower()]
            if not t then return nil, "partition " .. p.name .. ": unknown instance type: " .. tname end
            local reserve = floor(t.memory_mib * MEMORY_RESERVE_PERCENT / 100)
            part.types[#part.types + 1] = { type = t, usable_memory_mib = max(t.memory_mib - reserve, 0) }
        end
        partitions[#partitions + 1] = part
        by_name[p.name] = part
    end
    log_info("job_submit.lua: %d partitions, catalog %s", #partitions, path)
    return true
end

do
    local ok, err = load()
    ready = ok and true or false
    if not ready then log_error("job_submit.lua: %s; jobs pass unchecked", err) end
end

---------------------------------------------------------------------------
-- Reading the job
---------------------------------------------------------------------------

local function count32(v)
    if v == nil or v == 0 or v == NO_VAL or v == INFINITE then return nil end
    return v
end

local function count16(v)
    if v == nil or v == 0 or v == NO_VAL16 or v == INFINITE16 then return nil end
    return v
end

-- Parses TRES strings such as "gres:gpu:h100:4", "gres/gpu=2" or "gpu:4"
-- (several joined by ',' or ';'); returns the GPU count and model, or nil.
local function parse_gpu_tres(tres)
    if tres == nil or tres == "" then return nil end
    local count, model
    for item in string.gmatch(tres, "[^,;]+") do
        item = trim(item)
        local low = item:lower()
        if #item > 5 and low:sub(1, 4) == "gres" and (item:sub(5, 5) == ":" or item:sub(5, 5) == "/") then
            item = item:sub(6)
            low = low:sub(6)
        end
        local c4 = item:sub(4, 4)
        if #item >= 3 and low:sub(1, 3) == "gpu" and (c4 == "" or c4 == ":" or c4 == "=") then
            local parts = split(item:sub(4):gsub("=", ":"), ":")
            local n = 1
            if #parts > 0 and parts[#parts]:match("^%d+$") then
                n = min(tonumber(parts[#parts]), 1000000)
                parts[#parts] = nil
            end
            local m = parts[1] and parts[1]:lower() or ""
            if count then
                count = count + n
                if model == "" then model = m end
            else
                count, model = n, m
            end
        end
    end
    if not count then return nil end
    return count, model
end

-- The job as plain numbers (nil = not given), as job_submit/stratus reads it.
local function read_job(jd)
    local r = { gpu_model = "" }
    if jd.partition and jd.partition ~= "" then r.partitions = split(jd.partition, ",") end
    r.min_nodes = count32(jd.min_nodes)
    r.max_nodes = count32(jd.max_nodes)
    r.num_tasks = count32(jd.num_tasks)
    r.tasks_per_node = count16(jd.ntasks_per_node)
    r.cpus_per_task = count16(jd.cpus_per_task)
    r.min_cpus_per_node = count16(jd.pn_min_cpus)
    r.min_cpus = count32(jd.min_cpus)
    local per_node, per_cpu = jd.min_mem_per_node, jd.min_mem_per_cpu
    if per_cpu and per_cpu ~= 0 and per_cpu ~= NO_VAL64 then r.mem_per_cpu_mib = per_cpu
    elseif per_node and per_node ~= 0 and per_node ~= NO_VAL64 then r.mem_per_node_mib = per_node end
    for _, f in ipairs({ { "tres_per_node", "gpus_per_node" }, { "tres_per_job", "gpus_per_job" },
                         { "tres_per_task", "gpus_per_task" } }) do
        local n, m = parse_gpu_tres(jd[f[1]])
        if n then
            r[f[2]] = n
            if r.gpu_model == "" then r.gpu_model = m end
        end
    end
    r.constraint = jd.features or ""
    local tl = jd.time_limit
    if tl == INFINITE or tl == 0 then r.time_unlimited = true
    elseif tl ~= nil and tl ~= NO_VAL then r.time_limit_min = tl end
    return r
end

---------------------------------------------------------------------------
-- The policy (the same checks, in the same order, as job_submit/stratus)
---------------------------------------------------------------------------

-- --constraint narrowed to what the catalog knows: alternatives ('|') of
-- AND-ed ('&' or ',') architecture, instance type or family names. Other
-- words are site features; an expression with brackets or counts narrows nothing.
local function constraint_filter(expr)
    if expr == "" or expr:find("[%[%]%(%)%*]") then return nil end
    local alts = {}
    for _, alt in ipairs(split(expr, "|")) do
        local tokens = {}
        for _, word in ipairs(split(alt:gsub(",", "&"), "&")) do
            local low = word:lower()
            if ARCHES[low] then tokens[#tokens + 1] = { arch = ARCHES[low] }
            elseif catalog[low] or families[low] then tokens[#tokens + 1] = { name = low } end
        end
        if #tokens == 0 then return nil end
        alts[#alts + 1] = tokens
    end
    return alts
end

local function constraint_matches(alts, t)
    if not alts then return true end
    for _, alt in ipairs(alts) do
        local all = true
        for _, tok in ipairs(alt) do
            if tok.arch then all = all and t.arch == tok.arch
            else all = all and (t.name == tok.name or t.family == tok.name) end
        end
        if all then return true end
    end
    return false
end

local function needs_of(r)
    local n = { constraint = constraint_filter(r.constraint) }
    n.cpus_per_task = max(1, r.cpus_per_task or 1)
    local tpn = r.tasks_per_node or 1
    n.tasks_per_node = tpn
    n.cpus_per_node = max(n.cpus_per_task * tpn, r.min_cpus_per_node or 0)
    n.mem_per_node_mib = r.mem_per_node_mib or 0
    if r.mem_per_cpu_mib then n.mem_per_node_mib = max(n.mem_per_node_mib, r.mem_per_cpu_mib * n.cpus_per_node) end
    local gpn = r.gpus_per_node or 0
    if r.gpus_per_task then gpn = max(gpn, r.gpus_per_task * tpn) end
    if r.gpus_per_job and r.max_nodes and r.max_nodes > 0 then gpn = max(gpn, ceil_div(r.gpus_per_job, r.max_nodes)) end
    n.gpus_per_node = gpn
    n.wants_gpus = gpn > 0 or (r.gpus_per_job or 0) > 0 or r.gpu_model ~= ""
    return n
end

-- The checks a type must pass, in the order a refusal reports them.
local DIM_CONSTRAINT, DIM_GPU_MODEL, DIM_GPUS, DIM_CPUS, DIM_MEMORY, DIM_NODES = 1, 2, 3, 4, 5, 6
local DIM_WORD = { "constraint", "GPU model", "GPUs", "CPUs", "memory", "node count" }
local DIM_ERROR = { ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE, ESLURM_INVALID_GRES, ESLURM_INVALID_GRES,
                    ESLURM_INVALID_CPU_COUNT, ESLURM_INVALID_TASK_MEMORY, ESLURM_INVALID_NODE_COUNT }

-- Returns the failed checks (a set) and the node count the job needs on type pt.
local function evaluate(r, n, pt)
    local t = pt.type
    local failed = {}
    local any = false
    local function fail(d) failed[d] = true any = true end
    if not constraint_matches(n.constraint, t) then fail(DIM_CONSTRAINT) end
    if r.gpu_model ~= "" and (t.gpus == 0 or t.gpu_model ~= r.gpu_model) then fail(DIM_GPU_MODEL) end
    if n.wants_gpus and (t.gpus == 0 or n.gpus_per_node > t.gpus) then fail(DIM_GPUS) end
    if n.cpus_per_node > t.vcpus then fail(DIM_CPUS) end
    if n.mem_per_node_mib > pt.usable_memory_mib then fail(DIM_MEMORY) end

    -- How many tasks one node holds, then how many nodes the job needs.
    local per_node = r.tasks_per_node or floor(t.vcpus / n.cpus_per_task)
    if r.mem_per_cpu_mib and r.mem_per_cpu_mib > 0 then
        per_node = min(per_node, floor(pt.usable_memory_mib / (r.mem_per_cpu_mib * n.cpus_per_task)))
    end
    if r.gpus_per_task and r.gpus_per_task > 0 then per_node = min(per_node, floor(t.gpus / r.gpus_per_task)) end
    local nodes = max(1, r.min_nodes or 1)
    if r.num_tasks then
        if per_node == 0 then fail(DIM_NODES) return failed, any, 0 end
        nodes = max(nodes, ceil_div(r.num_tasks, per_node))
    end
    if r.min_cpus then nodes = max(nodes, ceil_div(r.min_cpus, t.vcpus)) end
    if r.gpus_per_job and t.gpus > 0 then nodes = max(nodes, ceil_div(r.gpus_per_job, t.gpus)) end
    if r.max_nodes and nodes > r.max_nodes then fail(DIM_NODES) end
    return failed, any, nodes
end

-- Minutes the estimate is based on, and why: the job's limit, else the
-- partition's DefaultTime, else its MaxTime (from slurm.conf, via part_list).
local function estimate_minutes(r, part_rec)
    if r.time_limit_min then return r.time_limit_min, "time_limit" end
    if not r.time_unlimited and part_rec then
        local d, m = part_rec.default_time, part_rec.max_time
        if d and d ~= NO_VAL and d ~= INFINITE then return d, "partition_default" end
        if m and m ~= NO_VAL and m ~= INFINITE then return m, "partition_max" end
    end
    return nil, "unknown"
end

local function type_list(p)
    local names = {}
    for i, pt in ipairs(p.types) do names[i] = pt.type.name end
    return table.concat(names, ", ")
end

-- Says why no type of p fits; returns the text and the Slurm error code.
local function explain(r, n, p, fits)
    for d = 1, #DIM_WORD do
        local all = true
        for _, f in ipairs(fits) do all = all and f.failed[d] == true end
        if all then
            local text
            if d == DIM_CONSTRAINT then
                text = "no instance type matches --constraint=" .. r.constraint .. " (it has " .. type_list(p) .. ")"
            elseif d == DIM_GPU_MODEL then
                text = "no instance type has " .. r.gpu_model .. " GPUs (it has " .. type_list(p) .. ")"
            elseif d == DIM_GPUS then
                text = "no instance type has " .. (n.gpus_per_node > 0 and n.gpus_per_node .. " GPUs per node" or "GPUs") ..
                       " (it has " .. type_list(p) .. ")"
            elseif d == DIM_CPUS then
                text = "no instance type has " .. n.cpus_per_node .. " CPUs per node (it has " .. type_list(p) .. ")"
            elseif d == DIM_MEMORY then
                text = "no instance type has " .. n.mem_per_node_mib .. " MiB of memory per node (it has " ..
                       type_list(p) .. ")"
            else
                text = "the job needs more than --nodes=" .. (r.max_nodes or 0) .. " nodes"
            end
            return text, DIM_ERROR[d]
        end
    end
    local lacks = {}
    for i, f in ipairs(fits) do
        local words = {}
        for d = 1, #DIM_WORD do if f.failed[d] then words[#words + 1] = DIM_WORD[d] end end
        lacks[i] = p.types[i].type.name .. " lacks " .. table.concat(words, ", ")
    end
    return "no single instance type meets every request: " .. table.concat(lacks, "; "),
           ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE
end

-- The cheapest fitting type of partition p (an estimate), or nil and the reason.
local function fit_partition(r, n, p, part_list)
    local minutes, basis = estimate_minutes(r, part_list and part_list[p.name])
    local best, best_rate
    local fits = {}
    for i, pt in ipairs(p.types) do
        local failed, any, nodes = evaluate(r, n, pt)
        fits[i] = { failed = failed }
        if not any then
            local price = pt.type.usd_per_hour
            local e = { partition = p, type = pt.type, nodes = nodes, usd_per_node_hour = price,
                        minutes = minutes, basis = basis }
            if price and minutes then e.usd = floor(nodes * price * minutes / 60.0 * 100.0 + 0.5) / 100.0 end
            -- Cheapest known rate wins; a known price beats an unknown one; first written wins ties.
            local rate = price and nodes * price or huge
            if not best or rate < best_rate then best, best_rate = e, rate end
        end
    end
    if best then return best end
    return nil, fits
end

-- Ranks estimates: known cost, then price known but no time limit, then
-- price unknown.
local TIME_UNKNOWN = 1e308
local function cost_key(e)
    if e.usd then return e.usd end
    if e.usd_per_node_hour and not e.minutes then return TIME_UNKNOWN end
    return huge
end

-- Cheapest first; equal ranks keep their order (table.sort is not stable).
local function sort_by_cost(list)
    for i, e in ipairs(list) do e.order, e.key = i, cost_key(e) end
    table.sort(list, function(a, b)
        if a.key ~= b.key then return a.key < b.key end
        return a.order < b.order
    end)
end

local function names_of(list)
    local names = {}
    for i, e in ipairs(list) do names[i] = e.partition.name end
    return table.concat(names, ",")
end

local function estimate_text(e)
    local what = e.nodes .. " x " .. e.type.name .. " on-demand"
    local when = ({ time_limit = "time limit", partition_default = "no time limit given: partition DefaultTime",
                    partition_max = "no time limit given: partition MaxTime" })[e.basis] or ""
    local s = "partition " .. e.partition.name .. ": "
    if not e.usd_per_node_hour then
        return s .. "estimate: price unknown (" .. what .. ", no " .. REGION .. " price in the catalog" ..
               (e.minutes and ", " .. format_minutes(e.minutes) .. " " .. when or "") .. ")"
    end
    local rate = string.format("$%.4f/h", e.usd_per_node_hour)
    if not e.minutes then
        return s .. "estimate: no time limit (job, DefaultTime or MaxTime); " .. what .. " at " .. rate .. " per node"
    end
    return s .. "estimate " .. format_usd(e.usd) .. " (" .. what .. " at " .. rate .. " for " ..
           format_minutes(e.minutes) .. ", " .. when .. ")"
end

local function admin_comment(e, fitting, max_usd)
    local j = {
        '"v":1',
        '"partition":' .. json_string(e.partition.name),
        '"instance_type":' .. json_string(e.type.name),
        '"capacity":"on-demand"',
        '"region":' .. json_string(REGION),
        '"nodes":' .. string.format("%d", e.nodes),
        '"usd_per_node_hour":' .. json_number(e.usd_per_node_hour),
        '"minutes":' .. (e.minutes and string.format("%d", e.minutes) or "null"),
        '"basis":' .. json_string(e.basis),
        '"est_usd":' .. json_number(e.usd),
    }
    if #fitting > 1 then
        j[#j + 1] = '"partitions":' .. json_string(names_of(fitting))
        j[#j + 1] = '"est_usd_max":' .. json_number(max_usd)
    end
    return "{" .. table.concat(j, ",") .. "}"
end

-- Judges one job. Returns nil (not ours: leave it alone), or a table:
-- { refuse = error code, message } or { partitions = new list or nil, message, admin_comment }.
local function decide(r, part_list)
    local candidates, has_unmanaged, routed = {}, false, false
    if r.partitions then
        for _, name in ipairs(r.partitions) do
            local p = by_name[name]
            if p then candidates[#candidates + 1] = p else has_unmanaged = true end
        end
    elseif ROUTE_JOBS then
        for i, p in ipairs(partitions) do candidates[i] = p end
        routed = true
    end
    if #candidates == 0 then return nil end

    local n = needs_of(r)
    local fitting, failing = {}, {}
    for _, p in ipairs(candidates) do
        local e, fits = fit_partition(r, n, p, part_list)
        if e then fitting[#fitting + 1] = e else failing[#failing + 1] = { partition = p, fits = fits } end
    end

    if #fitting == 0 then
        if has_unmanaged then return nil end  -- it may fit in a partition we do not manage
        local reasons, code = {}, nil
        for i, f in ipairs(failing) do
            local text, c = explain(r, n, f.partition, f.fits)
            reasons[i] = f.partition.name .. ": " .. text
            if code == nil then code = c elseif code ~= c then code = ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE end
        end
        if #candidates == 1 then
            local elsewhere = {}
            for _, p in ipairs(partitions) do
                if p ~= candidates[1] then
                    local e = fit_partition(r, n, p, part_list)
                    if e then elsewhere[#elsewhere + 1] = e end
                end
            end
            sort_by_cost(elsewhere)
            local msg = MSG .. "partition " .. reasons[1]
            if #elsewhere > 0 then msg = msg .. "; fits in: " .. names_of(elsewhere):gsub(",", ", ") end
            return { refuse = code, message = msg }
        end
        return { refuse = code, message = MSG .. "no partition can run this job: " .. table.concat(reasons, "; ") }
    end

    local d = {}
    if routed then
        sort_by_cost(fitting)
        d.partitions = names_of(fitting)
    elseif #failing > 0 then
        -- Keep the user's order, dropping managed partitions that can never run the job.
        local drop, kept = {}, {}
        for _, f in ipairs(failing) do drop[f.partition.name] = true end
        for _, name in ipairs(r.partitions) do
            if not drop[name] then kept[#kept + 1] = name end
        end
        d.partitions = table.concat(kept, ",")
    end
    local cheapest, max_usd = nil, nil
    for _, e in ipairs(fitting) do
        if not cheapest or cost_key(e) < cost_key(cheapest) then cheapest = e end
        if e.usd then max_usd = max(max_usd or 0, e.usd) end
    end
    d.admin_comment = admin_comment(cheapest, fitting, max_usd)
    if SHOW_ESTIMATE then
        local msg = MSG
        if routed then msg = msg .. "routed to " .. d.partitions .. " (cheapest first); " end
        msg = msg .. estimate_text(cheapest)
        if #fitting > 1 and max_usd and cheapest.usd and max_usd > cheapest.usd then
            msg = msg .. "; up to " .. format_usd(max_usd) .. " in another partition"
        end
        d.message = msg
    end
    return d
end

---------------------------------------------------------------------------
-- The job_submit/lua entry points
---------------------------------------------------------------------------

function slurm_job_submit(job_desc, part_list, submit_uid)
    if not ready then return SUCCESS end
    local d = decide(read_job(job_desc), part_list)
    if d == nil then return SUCCESS end
    if d.refuse then
        log_info("job_submit.lua: refused job from uid %d: %s", submit_uid, d.message:sub(#MSG + 1))
        slurm.user_msg(d.message)
        return d.refuse
    end
    if d.partitions then job_desc.partition = d.partitions end
    job_desc.admin_comment = d.admin_comment
    if d.message then slurm.user_msg(d.message) end
    return SUCCESS
end

-- Updates carry only the changed fields: judge a partition change against
-- the resources named in the same update.
function slurm_job_modify(job_desc, job_rec, part_list, modify_uid)
    if not ready or not job_desc.partition then return SUCCESS end
    local d = decide(read_job(job_desc), part_list)
    if d and d.refuse then
        log_info("job_submit.lua: refused update of job from uid %d: %s", modify_uid, d.message:sub(#MSG + 1))
        return d.refuse
    end
    return SUCCESS
end

log_info("job_submit.lua: loaded")
return SUCCESS
