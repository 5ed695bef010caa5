#include "cost_report.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>

#include "budget.hpp"
#include "json.hpp"
#include "text.hpp"

namespace stratus {

std::optional<GroupBy> parse_group_by(std::string_view s) noexcept {
    if (iequals(s, "user")) return GroupBy::user;
    if (iequals(s, "account")) return GroupBy::account;
    if (iequals(s, "cost-center") || iequals(s, "cost_center")) return GroupBy::cost_center;
    if (iequals(s, "partition")) return GroupBy::partition;
    if (iequals(s, "instance-type") || iequals(s, "instance_type")) return GroupBy::instance_type;
    return std::nullopt;
}

const char* group_by_name(GroupBy g) noexcept {
    switch (g) {
    case GroupBy::user: return "user";
    case GroupBy::account: return "account";
    case GroupBy::cost_center: return "cost-center";
    case GroupBy::partition: return "partition";
    case GroupBy::instance_type: return "instance-type";
    }
    return "?";
}

namespace {

// The CSV/JSON column name of a grouping.
const char* group_column(GroupBy g) noexcept {
    switch (g) {
    case GroupBy::user: return "user";
    case GroupBy::account: return "account";
    case GroupBy::cost_center: return "cost_center";
    case GroupBy::partition: return "partition";
    case GroupBy::instance_type: return "instance_type";
    }
    return "key";
}

// Hundredths of an hour, half up: "0.05".
std::string node_hours_text(int64_t node_seconds) {
    int64_t hundredths = (node_seconds * 100 + 1800) / 3600;
    return cents_decimal(hundredths);
}

// spot / total in percent with one decimal, half up; "" when total is 0.
std::string percent_text(int64_t part, int64_t total) {
    if (total <= 0) return "";
    int64_t tenths = (part * 1000 + total / 2) / total;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

void add_to(CostRow& row, const JobCostRecord& r, int64_t cents, int64_t node_seconds) {
    row.jobs += 1;
    row.unpriced_jobs += r.priced ? 0 : 1;
    row.node_seconds += node_seconds;
    row.cents += cents;
    (r.capacity == Capacity::spot ? row.spot_cents : row.on_demand_cents) += cents;
}

std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string json_string(std::string_view s) {
    std::string out;
    json_escape_to(out, s);
    return out;
}

// The first `left` columns left-aligned (text), the others right-aligned
// (numbers), two spaces apart.
std::string render_table(const std::vector<std::vector<std::string>>& rows, size_t left = 1) {
    std::vector<size_t> width;
    for (const auto& row : rows)
        for (size_t i = 0; i < row.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], row[i].size());
        }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            if (i) line += "  ";
            std::string pad(width[i] - row[i].size(), ' ');
            line += i < left ? row[i] + pad : pad + row[i];
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

std::string upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

}  // namespace

std::optional<ReportFormat> parse_report_format(std::string_view s) noexcept {
    if (iequals(s, "table")) return ReportFormat::table;
    if (iequals(s, "csv")) return ReportFormat::csv;
    if (iequals(s, "json")) return ReportFormat::json;
    return std::nullopt;
}

bool charged_in(const JobCostRecord& r, std::time_t since, std::time_t until) noexcept {
    return r.start > 0 && r.end > 0 && r.end >= since && r.end < until;
}

CostReport build_cost_report(const std::vector<JobCostRecord>& records, GroupBy by, std::time_t since,
                             std::time_t until) {
    CostReport rep;
    rep.by = by;
    rep.since = since;
    rep.until = until;
    rep.total.key = "total";
    std::map<std::string, CostRow> rows;
    auto row = [&](const std::string& key) -> CostRow& {
        CostRow& r = rows[key];
        r.key = key;
        return r;
    };
    for (const JobCostRecord& r : records) {
        if (!charged_in(r, since, until)) continue;
        int64_t node_seconds = int64_t{r.nodes} * r.elapsed_s;
        add_to(rep.total, r, r.cents, node_seconds);
        switch (by) {
        case GroupBy::user: add_to(row(r.user.empty() ? "-" : r.user), r, r.cents, node_seconds); break;
        case GroupBy::account: add_to(row(r.account.empty() ? "-" : lower(r.account)), r, r.cents, node_seconds); break;
        case GroupBy::cost_center:
            add_to(row(r.cost_center.empty() ? "-" : r.cost_center), r, r.cents, node_seconds);
            break;
        case GroupBy::partition: add_to(row(r.partition.empty() ? "-" : r.partition), r, r.cents, node_seconds); break;
        case GroupBy::instance_type:
            if (r.types.empty()) add_to(row("unknown"), r, r.cents, node_seconds);
            for (const TypeShare& t : r.types) add_to(row(t.instance_type), r, t.cents, t.node_seconds);
            break;
        }
    }
    for (auto& [key, r] : rows) rep.rows.push_back(r);
    std::stable_sort(rep.rows.begin(), rep.rows.end(),
                     [](const CostRow& a, const CostRow& b) { return a.cents > b.cents; });
    return rep;
}

std::string report_table(const CostReport& r) {
    std::string out = "Actual cost by " + std::string(group_by_name(r.by)) + " of the jobs that ended " +
                      format_utc(r.since) + " .. " + format_utc(r.until) + "\n";
    std::vector<std::vector<std::string>> rows;
    rows.push_back({upper(group_by_name(r.by)), "JOBS", "NODE-HOURS", "COST", "ON-DEMAND", "SPOT", "SPOT%"});
    auto line = [](const CostRow& c, const std::string& key) {
        std::string pct = percent_text(c.spot_cents, c.cents);
        return std::vector<std::string>{key, std::to_string(c.jobs), node_hours_text(c.node_seconds), cents_usd(c.cents),
                                        cents_usd(c.on_demand_cents), cents_usd(c.spot_cents), pct.empty() ? "-" : pct + "%"};
    };
    for (const CostRow& c : r.rows) rows.push_back(line(c, c.key));
    rows.push_back(line(r.total, "TOTAL"));
    out += render_table(rows);
    if (r.total.jobs == 0) out += "(no job ended in this window)\n";
    if (r.total.unpriced_jobs)
        out += "(" + std::to_string(r.total.unpriced_jobs) +
               (r.total.unpriced_jobs == 1 ? " job without a recorded cost counts" : " jobs without a recorded cost count") +
               " as $0.00; see stratus-jobcost(8))\n";
    return out;
}

std::string report_csv(const CostReport& r) {
    std::string out = std::string("row,") + group_column(r.by) +
                      ",jobs,unpriced_jobs,node_hours,usd,on_demand_usd,spot_usd,spot_percent\n";
    auto line = [&](const char* kind, const CostRow& c, const std::string& key) {
        out += std::string(kind) + "," + csv_field(key) + "," + std::to_string(c.jobs) + "," +
               std::to_string(c.unpriced_jobs) + "," + node_hours_text(c.node_seconds) + "," + cents_decimal(c.cents) +
               "," + cents_decimal(c.on_demand_cents) + "," + cents_decimal(c.spot_cents) + "," +
               percent_text(c.spot_cents, c.cents) + "\n";
    };
    for (const CostRow& c : r.rows) line("group", c, c.key);
    line("total", r.total, "");
    return out;
}

std::string report_json(const CostReport& r) {
    auto row = [](const CostRow& c, bool with_key) {
        std::string pct = percent_text(c.spot_cents, c.cents);
        std::string s = "{";
        if (with_key) s += "\"key\":" + json_string(c.key) + ",";
        s += "\"jobs\":" + std::to_string(c.jobs) + ",\"unpriced_jobs\":" + std::to_string(c.unpriced_jobs) +
             ",\"node_hours\":" + node_hours_text(c.node_seconds) + ",\"usd\":" + cents_decimal(c.cents) +
             ",\"on_demand_usd\":" + cents_decimal(c.on_demand_cents) + ",\"spot_usd\":" + cents_decimal(c.spot_cents) +
             ",\"spot_percent\":" + (pct.empty() ? "null" : pct) + "}";
        return s;
    };
    std::string out = "{\"by\":" + json_string(group_by_name(r.by)) + ",\"since\":" + json_string(format_utc(r.since)) +
                      ",\"until\":" + json_string(format_utc(r.until)) + ",\"currency\":\"USD\",\"groups\":[";
    for (size_t i = 0; i < r.rows.size(); ++i) out += (i ? "," : "") + row(r.rows[i], true);
    out += "],\"total\":" + row(r.total, false) + "}\n";
    return out;
}

// ---- one job -----------------------------------------------------------------------

std::optional<int64_t> breakdown_cents(const JobBreakdown& b) noexcept {
    if (b.recorded && b.recorded_cents) return b.recorded_cents;
    return b.cost.cents;
}

namespace {

std::string duration_text(int64_t s) {
    char buf[48];
    if (s >= 86400)
        std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:%02lld", static_cast<long long>(s / 86400),
                      static_cast<long long>(s / 3600 % 24), static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
    else
        std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                      static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
    return buf;
}

std::string capacity_text(const NodeCost& n) {
    std::string s = capacity_name(n.capacity);
    if (n.micros_per_hour && n.priced_as != n.capacity) s += " (priced " + std::string(capacity_name(n.priced_as)) + ")";
    return s;
}

}  // namespace

std::string job_table(const JobBreakdown& b) {
    const AccountingJob& j = b.job;
    std::string out = "Job " + j.job_label + ": user " + (j.user.empty() ? "-" : j.user) + ", account " +
                      (j.account.empty() ? "-" : j.account) + ", partition " + (j.partition.empty() ? "-" : j.partition);
    if (!b.cost_center.empty()) out += ", cost center " + b.cost_center;
    out += "\n";
    out += "  " + std::string(j.start ? "started " + format_utc(j.start) : "not started");
    if (j.end) out += ", ended " + format_utc(j.end);
    else if (j.start) out += ", still running";
    if (!b.state.empty()) out += " (" + b.state + ")";
    out += ", " + duration_text(b.cost.elapsed_s) + " (" + std::to_string(b.cost.elapsed_s) + " s), " +
           capacity_name(b.cost.capacity) + "\n";
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"NODE", "INSTANCE", "CAPACITY", "ELAPSED", "USD/H", "COST"});
    for (const NodeCost& n : b.cost.nodes)
        rows.push_back({n.node, n.instance_type.empty() ? "unknown" : n.instance_type, capacity_text(n),
                        duration_text(b.cost.elapsed_s), n.micros_per_hour ? micros_decimal(*n.micros_per_hour, 4) : "unknown",
                        n.micros ? "$" + micros_decimal(*n.micros, 4) : "unknown"});
    std::optional<int64_t> cents = breakdown_cents(b);
    rows.push_back({"TOTAL", std::to_string(b.cost.nodes.size()) + " node" + (b.cost.nodes.size() == 1 ? "" : "s"), "",
                    duration_text(b.cost.elapsed_s),
                    b.cost.micros_per_hour ? micros_decimal(*b.cost.micros_per_hour, 4) : "unknown",
                    cents ? cents_usd(*cents) : "unknown"});
    out += render_table(rows, 3);
    if (b.recorded) {
        if (b.recorded_cents && b.cost.cents && *b.recorded_cents != *b.cost.cents)
            out += "(recorded actual_usd " + cents_usd(*b.recorded_cents) + " differs from its breakdown, " +
                   cents_usd(*b.cost.cents) + ": the AdminComment was edited)\n";
        if (!b.recorded_cents) out += "(recorded without a cost: a node's type or price was unknown)\n";
    } else {
        out += std::string("(not recorded yet: computed now from the catalog") +
               (j.end ? "; run stratus-jobcost " + j.job_label + " to record it)\n" : ")\n");
    }
    return out;
}

std::string job_csv(const JobBreakdown& b) {
    std::string out = "row,job,node,instance_type,capacity,priced_as,elapsed_s,usd_per_hour,usd\n";
    std::string job = csv_field(b.job.job_label), elapsed = std::to_string(b.cost.elapsed_s);
    for (const NodeCost& n : b.cost.nodes)
        out += "node," + job + "," + csv_field(n.node) + "," + csv_field(n.instance_type) + "," + capacity_name(n.capacity) +
               "," + capacity_name(n.priced_as) + "," + elapsed + "," +
               (n.micros_per_hour ? micros_decimal(*n.micros_per_hour, 6) : "") + "," +
               (n.micros ? micros_decimal(*n.micros, 6) : "") + "\n";
    std::optional<int64_t> cents = breakdown_cents(b);
    out += "total," + job + ",,," + capacity_name(b.cost.capacity) + ",," + elapsed + "," +
           (b.cost.micros_per_hour ? micros_decimal(*b.cost.micros_per_hour, 6) : "") + "," +
           (cents ? cents_decimal(*cents) : "") + "\n";
    return out;
}

std::string job_json(const JobBreakdown& b) {
    const AccountingJob& j = b.job;
    std::optional<int64_t> cents = breakdown_cents(b);
    std::string out = "{\"job\":" + json_string(j.job_label) + ",\"user\":" + json_string(j.user) +
                      ",\"account\":" + json_string(j.account) + ",\"partition\":" + json_string(j.partition) +
                      ",\"cost_center\":" + (b.cost_center.empty() ? "null" : json_string(b.cost_center)) +
                      ",\"start\":" + (j.start ? json_string(format_utc(j.start)) : "null") +
                      ",\"end\":" + (j.end ? json_string(format_utc(j.end)) : "null") +
                      ",\"elapsed_s\":" + std::to_string(b.cost.elapsed_s) + ",\"capacity\":" +
                      json_string(capacity_name(b.cost.capacity)) + ",\"recorded\":" + (b.recorded ? "true" : "false") +
                      ",\"usd\":" + (cents ? cents_decimal(*cents) : "null") + ",\"usd_per_hour\":" +
                      (b.cost.micros_per_hour ? micros_decimal(*b.cost.micros_per_hour, 6) : "null") + ",\"nodes\":[";
    for (size_t i = 0; i < b.cost.nodes.size(); ++i) {
        const NodeCost& n = b.cost.nodes[i];
        out += std::string(i ? "," : "") + "{\"node\":" + json_string(n.node) + ",\"instance_type\":" +
               (n.instance_type.empty() ? "null" : json_string(n.instance_type)) + ",\"capacity\":" +
               json_string(capacity_name(n.capacity)) + ",\"priced_as\":" + json_string(capacity_name(n.priced_as)) +
               ",\"usd_per_hour\":" + (n.micros_per_hour ? micros_decimal(*n.micros_per_hour, 6) : "null") +
               ",\"usd\":" + (n.micros ? micros_decimal(*n.micros, 6) : "null") + "}";
    }
    out += "]}\n";
    return out;
}

// ---- budgets ---------------------------------------------------------------------

SpendTotals sum_actual_spend(const std::vector<JobCostRecord>& records, std::time_t start, std::time_t end) {
    SpendTotals t;
    for (const JobCostRecord& r : records) {
        if (!charged_in(r, start, end) || !r.priced) continue;
        if (!r.account.empty()) t.account_cents[lower(r.account)] += r.cents;
        if (!r.cost_center.empty()) t.cost_center_cents[r.cost_center] += r.cents;
    }
    return t;
}

// ---- times -------------------------------------------------------------------------

std::optional<std::time_t> parse_report_time(std::string_view s, std::time_t now) noexcept {
    s = trim(s);
    if (iequals(s, "now")) return now;
    if (!s.empty() && s[0] == '@') {
        auto v = parse_u64(s.substr(1));
        if (!v || *v > 253402300799ULL) return std::nullopt;  // 9999-12-31T23:59:59Z
        return static_cast<std::time_t>(*v);
    }
    if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.remove_suffix(1);
    // YYYY-MM-DD[THH:MM[:SS]]
    auto num = [&](size_t pos, size_t len) -> std::optional<int> {
        if (pos + len > s.size()) return std::nullopt;
        auto v = parse_u64(s.substr(pos, len));
        if (!v) return std::nullopt;
        return static_cast<int>(*v);
    };
    if (s.size() != 10 && s.size() != 16 && s.size() != 19) return std::nullopt;
    if (s[4] != '-' || s[7] != '-') return std::nullopt;
    auto y = num(0, 4), mo = num(5, 2), d = num(8, 2);
    std::optional<int> h = 0, mi = 0, sec = 0;
    if (s.size() >= 16) {
        if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':') return std::nullopt;
        h = num(11, 2);
        mi = num(14, 2);
        if (s.size() == 19) {
            if (s[16] != ':') return std::nullopt;
            sec = num(17, 2);
        }
    }
    if (!y || !mo || !d || !h || !mi || !sec) return std::nullopt;
    if (*y < 1970 || *mo < 1 || *mo > 12 || *d < 1 || *h > 23 || *mi > 59 || *sec > 59) return std::nullopt;
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    if (*d > kDays[*mo - 1] + (*mo == 2 && leap ? 1 : 0)) return std::nullopt;
    struct tm tm {};
    tm.tm_year = *y - 1900;
    tm.tm_mon = *mo - 1;
    tm.tm_mday = *d;
    tm.tm_hour = *h;
    tm.tm_min = *mi;
    tm.tm_sec = *sec;
    return timegm(&tm);
}

std::time_t start_of_month_utc(std::time_t now) noexcept {
    struct tm tm {};
    if (!gmtime_r(&now, &tm)) return 0;
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    return timegm(&tm);
}

}  // namespace stratus
