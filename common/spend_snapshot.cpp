#include "spend_snapshot.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <system_error>

#include "config.hpp"
#include "file.hpp"
#include "job_estimate.hpp"
#include "json.hpp"
#include "json_value.hpp"
#include "text.hpp"

namespace stratus {

const SpendPeriod* SpendSnapshot::find(const PeriodWindow& w) const noexcept {
    for (const SpendPeriod& p : periods)
        if (p.window == w) return &p;
    return nullptr;
}

namespace {

[[noreturn]] void bad(const std::string& what) { throw std::runtime_error("spend snapshot: " + what); }

Day need_day(const JsonValue& period, const char* key, size_t index) {
    const JsonValue* v = period.find(key);
    if (!v || !v->is_string()) bad("periods[" + std::to_string(index) + "]: \"" + key + "\" must be a YYYY-MM-DD string");
    auto d = parse_day(v->text());
    if (!d) bad("periods[" + std::to_string(index) + "]: \"" + key + "\": not a date: " + v->text());
    return *d;
}

bool within_bound(int64_t cents) noexcept { return cents >= -kMaxSpendCents && cents <= kMaxSpendCents; }

// Adds `cents` to out[key]; false when the total is beyond the bound (or
// would not even fit in int64: what accounting hands build_spend_snapshot()
// is not bounded yet).
bool add_spend(std::map<std::string, int64_t>& out, const std::string& key, int64_t cents) {
    int64_t& total = out[key];
    return !__builtin_add_overflow(total, cents, &total) && within_bound(total);
}

std::string beyond_bound() { return "beyond +/-" + format_cents(kMaxSpendCents); }

void read_amounts(const JsonValue* obj, const std::string& where, bool lower_keys, std::map<std::string, int64_t>& out) {
    if (!obj || obj->is_null()) return;
    if (!obj->is_object()) bad(where + " must be an object");
    for (const auto& [name, amount] : obj->members()) {
        auto cents = amount.cents();
        if (!cents) bad(where + "[\"" + name + "\"]: not a dollar amount");
        if (!within_bound(*cents)) bad(where + "[\"" + name + "\"]: " + beyond_bound() + ": " + amount.text());
        std::string key = lower_keys ? lower(name) : name;
        if (!add_spend(out, key, *cents))
            bad(where + ": the amounts of \"" + key + "\" add up to " + beyond_bound());
    }
}

void write_amounts(std::string& out, const std::map<std::string, int64_t>& amounts) {
    out += '{';
    bool first = true;
    for (const auto& [name, cents] : amounts) {
        if (!first) out += ',';
        first = false;
        json_escape_to(out, name);
        out += ':';
        std::string usd = format_cents(cents);  // "$12.30", "-$1.05"
        usd.erase(usd.find('$'), 1);
        out += usd;
    }
    out += '}';
}

}  // namespace

SpendSnapshot parse_spend_snapshot(std::string_view json) {
    JsonValue doc = JsonValue::parse(json);
    if (!doc.is_object()) bad("not a JSON object");
    const JsonValue* v = doc.find("v");
    if (v && (!v->is_number() || v->number() != 1)) bad("unsupported format version " + (v ? v->text() : ""));
    SpendSnapshot s;
    const JsonValue* gen = doc.find("generated_at");
    if (!gen || !gen->is_string()) bad("\"generated_at\" must be a YYYY-MM-DDTHH:MM:SSZ string");
    auto t = parse_utc(gen->text());
    if (!t) bad("\"generated_at\": not a UTC time (YYYY-MM-DDTHH:MM:SSZ): " + gen->text());
    s.generated_at = *t;
    const JsonValue* periods = doc.find("periods");
    if (!periods || !periods->is_array()) bad("\"periods\" must be an array");
    for (size_t i = 0; i < periods->items().size(); ++i) {
        const JsonValue& p = periods->items()[i];
        if (!p.is_object()) bad("periods[" + std::to_string(i) + "] must be an object");
        SpendPeriod sp;
        sp.window.first = need_day(p, "first", i);
        sp.window.last = need_day(p, "last", i);
        if (sp.window.first > sp.window.last) bad("periods[" + std::to_string(i) + "]: \"first\" is after \"last\"");
        std::string where = "periods[" + std::to_string(i) + "].";
        read_amounts(p.find("accounts"), where + "accounts", true, sp.account_cents);
        read_amounts(p.find("cost_centers"), where + "cost_centers", false, sp.cost_center_cents);
        s.periods.push_back(std::move(sp));
    }
    const JsonValue* read_at = doc.find("jobs_read_at");
    const JsonValue* committed = doc.find("committed");
    if (read_at && !read_at->is_null()) {
        auto at = read_at->is_string() ? parse_utc(read_at->text()) : std::nullopt;
        if (!at) bad("\"jobs_read_at\": not a UTC time (YYYY-MM-DDTHH:MM:SSZ)");
        if (!committed || !committed->is_object()) bad("\"jobs_read_at\" without a \"committed\" object");
        s.jobs_read_at = *at;
        read_amounts(committed->find("accounts"), "committed.accounts", true, s.committed.account_cents);
        read_amounts(committed->find("cost_centers"), "committed.cost_centers", false, s.committed.cost_center_cents);
    } else if (committed && !committed->is_null()) {
        bad("\"committed\" without \"jobs_read_at\"");
    }
    if (const JsonValue* d = doc.find("default_accounts"); d && !d->is_null()) {
        if (!d->is_object()) bad("\"default_accounts\" must be an object");
        for (const auto& [uid, account] : d->members()) {
            auto n = parse_u64(uid);
            if (!n || *n > 0xffffffffu) bad("default_accounts: not a uid: " + uid);
            if (!account.is_string() || account.text().empty())
                bad("default_accounts[\"" + uid + "\"] must be an account name");
            s.default_accounts[static_cast<uint32_t>(*n)] = account.text();
        }
    }
    return s;
}

std::string spend_snapshot_json(const SpendSnapshot& s) {
    std::string out = "{\"v\":1,\"generated_at\":";
    json_escape_to(out, format_utc(s.generated_at));
    out += ",\"periods\":[";
    for (size_t i = 0; i < s.periods.size(); ++i) {
        const SpendPeriod& p = s.periods[i];
        if (i) out += ',';
        out += "{\"first\":\"" + format_day(p.window.first) + "\",\"last\":\"" + format_day(p.window.last) + "\",\"accounts\":";
        write_amounts(out, p.account_cents);
        out += ",\"cost_centers\":";
        write_amounts(out, p.cost_center_cents);
        out += '}';
    }
    out += ']';
    if (s.jobs_read_at) {
        out += ",\"jobs_read_at\":";
        json_escape_to(out, format_utc(*s.jobs_read_at));
        out += ",\"committed\":{\"accounts\":";
        write_amounts(out, s.committed.account_cents);
        out += ",\"cost_centers\":";
        write_amounts(out, s.committed.cost_center_cents);
        out += '}';
    }
    if (!s.default_accounts.empty()) {
        out += ",\"default_accounts\":{";
        bool first = true;
        for (const auto& [uid, account] : s.default_accounts) {
            if (!first) out += ',';
            first = false;
            out += "\"" + std::to_string(uid) + "\":";
            json_escape_to(out, account);
        }
        out += '}';
    }
    out += "}\n";
    return out;
}

SpendSnapshot read_spend_snapshot(const std::string& path) {
    std::string text;
    try {
        text = read_regular_file(path);
    } catch (const FileReadError& e) {
        if (e.error_number() == 0) throw;  // refused: not a regular file, too large
        throw std::system_error(e.error_number(), std::generic_category(), "cannot read " + path);
    }
    try {
        return parse_spend_snapshot(text);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
}

void write_spend_snapshot(const std::string& path, const SpendSnapshot& s) {
    write_file_atomically(path, spend_snapshot_json(s), 0644);  // sbatch reads it too
}

std::vector<PeriodWindow> snapshot_windows(const Config& cfg, std::time_t now) {
    std::vector<PeriodWindow> out;
    auto add = [&](const PeriodWindow& w) {
        if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
    };
    add(*period_window(BudgetPeriod{}, now));  // the month: always
    for (const Budget& b : cfg.budget.budgets)
        if (auto w = period_window(b.period, now)) add(*w);
    return out;
}

SpendSnapshot build_spend_snapshot(const Config& cfg, std::time_t now, const SpendSource& source,
                                   std::map<uint32_t, std::string> default_accounts) {
    SpendSnapshot s;
    s.generated_at = now;
    for (const PeriodWindow& w : snapshot_windows(cfg, now)) {
        // Up to now: spending cannot lie in the future, and a window that ends
        // later would only ask the accounting side about days to come.
        std::time_t end = std::min(start_of_day(w.last + 1), now);
        SpendTotals t = source(start_of_day(w.first), std::max(end, start_of_day(w.first)));
        SpendPeriod p;
        p.window = w;
        std::string in = " in " + format_day(w.first) + ".." + format_day(w.last);
        for (const auto& [name, cents] : t.account_cents)
            if (!add_spend(p.account_cents, lower(name), cents)) bad("account " + lower(name) + ": " + beyond_bound() + in);
        for (const auto& [name, cents] : t.cost_center_cents)
            if (!add_spend(p.cost_center_cents, name, cents)) bad("cost center " + name + ": " + beyond_bound() + in);
        s.periods.push_back(std::move(p));
    }
    s.default_accounts = std::move(default_accounts);
    return s;
}

SpendTotals committed_spend(const std::vector<LiveJobCost>& jobs, std::time_t now) {
    SpendTotals out;
    for (const LiveJobCost& j : jobs) {
        std::optional<JobEstimate> e = read_job_estimate(j.admin_comment);
        if (!e || !e->highest()) continue;
        double task = *e->highest() / e->tasks;  // one task's share of the highest estimate
        double usd = task * j.tasks;
        if (j.running && j.time_limit_min && *j.time_limit_min > 0) {
            double limit_s = 60.0 * *j.time_limit_min;
            double left = std::clamp((limit_s - static_cast<double>(now - j.start)) / limit_s, 0.0, 1.0);
            usd *= left;
        }
        int64_t cents = usd_to_cents(std::min(usd, kMaxUsd));
        std::string account = lower(j.account.empty() ? e->account : j.account);
        if (!account.empty() && !add_spend(out.account_cents, account, cents)) bad("account " + account + ": committed " + beyond_bound());
        if (!e->req.cost_center.empty() && !add_spend(out.cost_center_cents, e->req.cost_center, cents))
            bad("cost center " + e->req.cost_center + ": committed " + beyond_bound());
    }
    return out;
}

SpendState load_spend_state(const std::string& path, const SpendState* previous) {
    SpendState st;
    st.path = path;
    if (previous && previous->path == path) st.snapshot = previous->snapshot;
    try {
        st.snapshot = std::make_shared<const SpendSnapshot>(read_spend_snapshot(path));
    } catch (const std::system_error& e) {
        st.problem = e.code() == std::errc::no_such_file_or_directory ? "no spend snapshot at " + path : e.what();
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        st.problem = e.what();
    }
    return st;
}

bool spend_snapshot_stale(const SpendSnapshot& s, std::time_t now, uint32_t max_age_s) noexcept {
    return now > s.generated_at && static_cast<uint64_t>(now - s.generated_at) > max_age_s;
}

}  // namespace stratus
