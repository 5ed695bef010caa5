// Budgets at submit and per-job EC2 tags: common/budget.hpp (money, days,
// periods), the Budget= lines of stratus.conf, common/json_value.hpp,
// common/spend_snapshot.hpp, the budget step (common/budget_check.hpp), the
// snapshot in the ConfigStore, and common/job_tags.hpp (stratus-tag's logic).
// A test program of its own (own main), so it does not touch test_core.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "budget.hpp"
#include "budget_check.hpp"
#include "config.hpp"
#include "job_update.hpp"
#include "config_store.hpp"
#include "error.hpp"
#include "job_tags.hpp"
#include "json_value.hpp"
#include "policy.hpp"
#include "spend_snapshot.hpp"
#include "text.hpp"
#include "expect.hpp"
#include "support.hpp"

using namespace stratus;

namespace {

// Replaces a file the way writers should (new inode), so watchers see it.
void replace_file(const std::string& path, const std::string& text) {
    write_file(path + ".new", text);
    ck_assert(std::rename((path + ".new").c_str(), path.c_str()) == 0);
}

std::time_t at(const char* utc) {
    auto t = parse_utc(utc);
    ck_assert_msg(t.has_value(), "bad time in a test: %s", utc);
    return *t;
}

const char* const kSlurmConf =
    "ClusterName=sandbox\n"
    "PartitionName=graviton Nodes=g[1-4] DefaultTime=1:00:00 MaxTime=1-0\n"
    "PartitionName=hpc Nodes=h[1-2]\n"
    "PartitionName=gpu Nodes=p[1-2] DefaultTime=30 MaxTime=12:00:00\n";

const char* const kPartitions =
    "PartitionName=graviton InstanceTypes=hpc7g.16xlarge,c7gn.16xlarge\n"
    "PartitionName=hpc InstanceTypes=hpc7a.96xlarge\n"
    "PartitionName=gpu InstanceTypes=g6e.12xlarge,p5.48xlarge\n";

// stratus.conf with `extra` lines after the partitions; dir is kept for paths.
Config conf(const std::string& extra, std::string* dir_out = nullptr) {
    std::string dir = test_dir();
    write_file(dir + "/stratus.conf", std::string(kPartitions) + extra);
    write_file(dir + "/slurm.conf", kSlurmConf);
    if (dir_out) *dir_out = dir;
    return load_config(dir + "/stratus.conf", dir + "/slurm.conf");
}

struct CaughtError {
    std::string what;
    unsigned line = 0;
};

CaughtError conf_error(const std::string& extra) {
    try {
        conf(extra);
    } catch (const ConfigError& e) {
        return {e.what(), e.line()};
    }
    ck_abort_msg("no ConfigError for: %s", extra.c_str());
    return {};
}

// "FILE:LINE: KEY: MESSAGE" -> ":LINE: KEY: MESSAGE" (the directory is random).
std::string tail_of(const std::string& what) { return what.substr(what.find("stratus.conf") + 12); }

// ---- money and days ------------------------------------------------------------

START_TEST(money) {
    EXPECT_STR(format_cents(4120), "$41.20");
    EXPECT_STR(format_cents(500000), "$5000.00");
    EXPECT_STR(format_cents(0), "$0.00");
    EXPECT_STR(format_cents(7), "$0.07");
    EXPECT_STR(format_cents(-305), "-$3.05");
    ck_assert(parse_usd_cents("5000") == 500000);
    ck_assert(parse_usd_cents("1200.5") == 120050);
    ck_assert(parse_usd_cents("$99.99") == 9999);
    ck_assert(parse_usd_cents("0") == 0);
    for (const char* bad : {"", "$", "1.234", "12,5", "-5", "1.", ".5", "abc", "1e3", "99999999999999"})
        ck_assert_msg(!parse_usd_cents(bad), "accepted %s", bad);
    ck_assert(usd_to_cents(96.0) == 9600);
    ck_assert(usd_to_cents(6.73) == 673);
    ck_assert(usd_to_cents(2.31) == 231);
    ck_assert(usd_to_cents(0.004) == 0);
    ck_assert(usd_to_cents(0.005) == 1);
}
END_TEST

START_TEST(days) {
    auto d = parse_day("2026-11-28");
    ck_assert(d.has_value());
    EXPECT_STR(format_day(*d), "2026-11-28");
    ck_assert(parse_day("1970-01-01") == 0);
    ck_assert(parse_day("2028-02-29").has_value());
    for (const char* bad : {"2026-02-29", "2026-13-01", "2026-11-31", "2026-00-10", "26-11-01", "2026/11/01",
                            "2026-11-1", "1969-12-31", ""})
        ck_assert_msg(!parse_day(bad), "accepted %s", bad);
    EXPECT_STR(format_day(first_of_month(*d)), "2026-11-01");
    EXPECT_STR(format_day(last_of_month(*d)), "2026-11-30");
    EXPECT_STR(format_day(last_of_month(*parse_day("2028-02-03"))), "2028-02-29");
    EXPECT_STR(format_day(last_of_month(*parse_day("2026-12-31"))), "2026-12-31");
    EXPECT_STR(format_day(first_of_month(*parse_day("2027-01-01"))), "2027-01-01");
    std::time_t t = at("2026-11-28T07:25:18Z");
    EXPECT_STR(format_utc(t), "2026-11-28T07:25:18Z");
    ck_assert(day_of(t) == *d);
    ck_assert(start_of_day(*d) == at("2026-11-28T00:00:00Z"));
    ck_assert(day_of(at("2026-11-28T23:59:59Z")) == *d);
    for (const char* bad : {"2026-11-28 07:25:18Z", "2026-11-28T07:25:18", "2026-11-28T24:00:00Z", "2026-11-28T07:25Z"})
        ck_assert_msg(!parse_utc(bad), "accepted %s", bad);
}
END_TEST

START_TEST(periods) {
    auto month = parse_budget_period("month");
    ck_assert(month && month->monthly);
    EXPECT_STR(budget_period_text(*month), "month");
    EXPECT_STR(budget_period_phrase(*month), "this month");
    auto range = parse_budget_period("2026-11-01..2026-12-31");
    ck_assert(range && !range->monthly);
    EXPECT_STR(budget_period_text(*range), "2026-11-01..2026-12-31");
    EXPECT_STR(budget_period_phrase(*range), "in 2026-11-01..2026-12-31");
    ck_assert(parse_budget_period("2026-11-05..2026-11-05").has_value());  // one day
    for (const char* bad : {"", "weekly", "2026-12-31..2026-11-01", "2026-11-01..", "..2026-11-01", "2026-11-01-2026-12-31"})
        ck_assert_msg(!parse_budget_period(bad), "accepted %s", bad);

    // The month: the calendar month (UTC) of `now`.
    auto w = period_window(*month, at("2026-11-28T07:25:18Z"));
    ck_assert(w);
    EXPECT_STR(format_day(w->first) + ".." + format_day(w->last), "2026-11-01..2026-11-30");
    w = period_window(*month, at("2026-12-31T23:59:59Z"));
    EXPECT_STR(format_day(w->first) + ".." + format_day(w->last), "2026-12-01..2026-12-31");
    w = period_window(*month, at("2027-01-01T00:00:00Z"));
    EXPECT_STR(format_day(w->first) + ".." + format_day(w->last), "2027-01-01..2027-01-31");
    // A range: both days in full, nothing outside.
    ck_assert(!period_window(*range, at("2026-10-31T23:59:59Z")));
    ck_assert(period_window(*range, at("2026-11-01T00:00:00Z")));
    ck_assert(period_window(*range, at("2026-12-31T23:59:59Z")));
    ck_assert(!period_window(*range, at("2027-01-01T00:00:00Z")));
}
END_TEST

// ---- stratus.conf -----------------------------------------------------------------

START_TEST(conf_budgets) {
    std::string dir;
    Config c = conf(
        "Budget=account:chem Amount=5000 Period=month\n"
        "Budget=cost-center:proj-x Amount=1200.50 Period=2026-11-01..2026-12-31\n"
        "Budget=account:phys Amount=$300\n"
        "Budget=account:chem Amount=20000 Period=2026-10-01..2026-12-31\n",
        &dir);
    ck_assert_uint_eq(c.budget.budgets.size(), 4);
    const Budget& chem = c.budget.budgets[0];
    ck_assert(chem.scope == BudgetScope::account);
    EXPECT_STR(chem.name, "chem");
    ck_assert(chem.amount_cents == 500000);
    ck_assert(chem.period.monthly);
    EXPECT_STR(chem.file, dir + "/stratus.conf");
    ck_assert_uint_eq(chem.line, 4);
    const Budget& px = c.budget.budgets[1];
    ck_assert(px.scope == BudgetScope::cost_center);
    EXPECT_STR(px.name, "proj-x");
    ck_assert(px.amount_cents == 120050);
    EXPECT_STR(budget_period_text(px.period), "2026-11-01..2026-12-31");
    ck_assert(c.budget.budgets[2].period.monthly);  // Period defaults to month
    // Defaults of the other keys.
    EXPECT_STR(c.spend_snapshot_path(), "/var/lib/stratus/spend.json");
    ck_assert_uint_eq(c.budget.snapshot_max_age_s, 3600);
    ck_assert(!c.budget.refuse_on_stale);
    ck_assert(!c.tag_failure_fails);
}
END_TEST

START_TEST(conf_keys) {
    std::string dir;
    Config c = conf("SpendSnapshot=state/spend.json SpendSnapshotMaxAge=900 BudgetOnStale=refuse TagFailure=fail\n", &dir);
    EXPECT_STR(c.spend_snapshot_path(), dir + "/state/spend.json");  // relative to the file
    ck_assert_uint_eq(c.budget.snapshot_max_age_s, 900);
    ck_assert(c.budget.refuse_on_stale);
    ck_assert(c.tag_failure_fails);
    Config d = conf("StateDir=/srv/stratus\nBudgetOnStale=allow TagFailure=ignore\n");
    EXPECT_STR(d.spend_snapshot_path(), "/srv/stratus/spend.json");
    ck_assert(!d.budget.refuse_on_stale);
    ck_assert(!d.tag_failure_fails);
    Config e = conf("SpendSnapshot=/run/spend.json\n");
    EXPECT_STR(e.spend_snapshot_path(), "/run/spend.json");
}
END_TEST

START_TEST(conf_errors) {
    // kPartitions has 3 lines: the extra line is line 4.
    struct Case { const char* line; const char* error; };
    const Case cases[] = {
        {"Budget=group:chem Amount=5\n", ":4: Budget: expected account:NAME or cost-center:NAME: group:chem"},
        {"Budget=chem Amount=5\n", ":4: Budget: expected account:NAME or cost-center:NAME: chem"},
        {"Budget=account: Amount=5\n", ":4: Budget: missing the account name: account:"},
        {"Budget= Amount=5\n", ":4: Budget: missing value"},
        {"Budget=account:chem\n", ":4: Amount: budget account:chem has no Amount"},
        {"Budget=account:chem Amount=12,5\n", ":4: Amount: not a dollar amount (digits, at most two decimals): 12,5"},
        {"Budget=account:chem Amount=5 Period=week\n",
         ":4: Period: expected month or FIRST..LAST (YYYY-MM-DD..YYYY-MM-DD, FIRST not after LAST): week"},
        {"Budget=account:chem Amount=5 Period=2026-12-31..2026-11-01\n",
         ":4: Period: expected month or FIRST..LAST (YYYY-MM-DD..YYYY-MM-DD, FIRST not after LAST): 2026-12-31..2026-11-01"},
        {"Budget=account:chem Amount=5 Partition=gpu\n", ":4: Partition: unknown budget key"},
        {"Budget=account:chem Amount=5 Budget=account:phys\n", ":4: Budget: one budget per line"},
        {"Region=us-east-1 Budget=account:chem\n", ":4: Budget: Budget must start its line"},
        {"SpendSnapshotMaxAge=0\n", ":4: SpendSnapshotMaxAge: must be at least 1 second: 0"},
        {"SpendSnapshotMaxAge=soon\n", ":4: SpendSnapshotMaxAge: not a whole number from 0 to 100000000: soon"},
        {"BudgetOnStale=maybe\n", ":4: BudgetOnStale: expected allow or refuse: maybe"},
        {"TagFailure=later\n", ":4: TagFailure: expected fail or ignore: later"},
        {"SpendSnapshot=\n", ":4: SpendSnapshot: missing value"},
    };
    for (const Case& k : cases) {
        CaughtError e = conf_error(k.line);
        EXPECT_STR(tail_of(e.what), k.error);
    }
    // Duplicates name the first declaration; accounts compare case-insensitively.
    CaughtError dup = conf_error("Budget=account:chem Amount=5\n\nBudget=account:CHEM Amount=6 Period=month\n");
    ck_assert_uint_eq(dup.line, 6);
    ck_assert_msg(dup.what.find(":6: Budget: duplicate budget account:CHEM for period month (first declared at ") !=
                      std::string::npos && dup.what.find("stratus.conf:4)") != std::string::npos,
                  "%s", dup.what.c_str());
    // Same name, other period or other scope: not duplicates.
    Config ok = conf("Budget=account:x Amount=5\nBudget=account:x Amount=5 Period=2026-01-01..2026-03-31\n"
                     "Budget=cost-center:x Amount=5\nBudget=cost-center:X Amount=5\n");
    ck_assert_uint_eq(ok.budget.budgets.size(), 4);
}
END_TEST

// ---- the JSON reader ---------------------------------------------------------------

START_TEST(json_reader) {
    JsonValue v = JsonValue::parse(
        " {\"a\": [1, -2.5e1, true, false, null], \"s\": \"x\\\"\\\\\\/\\n\\u00e9\\ud83d\\ude00\", \"o\": {}, \"a\": 3} ");
    ck_assert(v.is_object());
    const JsonValue* a = v.find("a");  // the last of a repeated key
    ck_assert(a && a->is_number() && a->number() == 3);
    ck_assert_uint_eq(v.members().size(), 4);
    const JsonValue& first = v.members()[0].second;
    ck_assert(first.is_array() && first.items().size() == 5);
    ck_assert(first.items()[1].number() == -25.0);
    ck_assert(first.items()[2].boolean() && !first.items()[3].boolean() && first.items()[4].is_null());
    EXPECT_STR(v.find("s")->text(), "x\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
    EXPECT_STR(JsonValue::parse("\"caf\xc3\xa9 \xf0\x9f\x98\x80\"").text(), "caf\xc3\xa9 \xf0\x9f\x98\x80");
    ck_assert(v.find("o")->is_object() && v.find("o")->members().empty());
    ck_assert(!v.find("missing"));
    for (const char* bad : {"", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "{} x", "\"\\q\"", "01", "1.", "-", "\"a\nb\"",
                            "{a:1}", "tru", "[1 2]",
                            // not UTF-8, or half a surrogate pair: text that would not write back as read
                            "\"ch\x9b\x92\"", "\"a\xc3\"", "\"\xc0\xaf\"", "\"\\ud800\"", "\"\\udc00\"",
                            "\"\\ud800\\u0041\""}) {
        try {
            JsonValue::parse(bad);
            ck_abort_msg("parsed %s", bad);
        } catch (const JsonParseError&) {
        }
    }
    std::string deep(100, '[');
    try {
        JsonValue::parse(deep + std::string(100, ']'));
        ck_abort_msg("parsed 100 nested arrays");
    } catch (const JsonParseError& e) {
        ck_assert(std::string(e.what()).find("nested too deeply") != std::string::npos);
    }
}
END_TEST

START_TEST(json_cents) {
    struct Case { const char* text; std::optional<int64_t> cents; };
    const Case cases[] = {{"4958.80", 495880}, {"4958.8", 495880}, {"0", 0}, {"12", 1200}, {"0.005", 1},
                          {"0.0049", 0}, {"12.345", 1235}, {"-1.5", -150}, {"-0.005", -1}, {"1e2", 10000},
                          {"1.5E-1", 15}, {"2.31", 231}, {"0.1", 10}, {"89999999999999.99", 8999999999999999},
                          {"90000000000000.01", std::nullopt}, {"1e300", std::nullopt}};
    for (const Case& k : cases) {
        std::optional<int64_t> got = JsonValue::parse(k.text).cents();
        ck_assert_msg(got == k.cents, "%s -> %lld (%s)", k.text, got ? static_cast<long long>(*got) : -999LL,
                      got ? "value" : "none");
    }
    ck_assert(!JsonValue::parse("\"12\"").cents());
}
END_TEST

// ---- the spend snapshot -------------------------------------------------------------

const char* const kSnapshot =
    "{\"v\":1,\"generated_at\":\"2026-11-28T07:00:00Z\",\"writer\":\"test\",\n"
    " \"periods\":[{\"first\":\"2026-11-01\",\"last\":\"2026-11-30\",\n"
    "   \"accounts\":{\"chem\":4958.80,\"Phys\":12},\"cost_centers\":{\"proj-x\":311.5,\"Proj-X\":1}},\n"
    "  {\"first\":\"2026-11-01\",\"last\":\"2026-12-31\",\"accounts\":{},\"cost_centers\":{\"proj-x\":1100}}],\n"
    " \"default_accounts\":{\"1000\":\"chem\",\"0\":\"phys\"}}\n";

START_TEST(snapshot_parse) {
    SpendSnapshot s = parse_spend_snapshot(kSnapshot);
    ck_assert(s.generated_at == at("2026-11-28T07:00:00Z"));
    ck_assert_uint_eq(s.periods.size(), 2);
    const SpendPeriod* nov = s.find({*parse_day("2026-11-01"), *parse_day("2026-11-30")});
    ck_assert(nov);
    ck_assert(nov->account_cents.at("chem") == 495880);
    ck_assert(nov->account_cents.at("phys") == 1200);  // accounts: lower case
    ck_assert(nov->cost_center_cents.at("proj-x") == 31150);
    ck_assert(nov->cost_center_cents.at("Proj-X") == 100);  // cost centers: as written
    ck_assert(s.find({*parse_day("2026-11-01"), *parse_day("2026-12-31")}));
    ck_assert(!s.find({*parse_day("2026-12-01"), *parse_day("2026-12-31")}));
    EXPECT_STR(s.default_accounts.at(1000), "chem");
    EXPECT_STR(s.default_accounts.at(0), "phys");

    // Written and read back: the same figures.
    SpendSnapshot back = parse_spend_snapshot(spend_snapshot_json(s));
    EXPECT_STR(spend_snapshot_json(back), spend_snapshot_json(s));
    const std::string want =
               "{\"v\":1,\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[{\"first\":\"2026-11-01\",\"last\":\"2026-11-30\","
               "\"accounts\":{\"chem\":4958.80,\"phys\":12.00},\"cost_centers\":{\"Proj-X\":1.00,\"proj-x\":311.50}}";
    EXPECT_STR(spend_snapshot_json(s).substr(0, want.size()), want);

    struct Case { const char* doc; const char* error; };
    const Case bad[] = {
        {"[]", "spend snapshot: not a JSON object"},
        {"{\"periods\":[]}", "spend snapshot: \"generated_at\" must be a YYYY-MM-DDTHH:MM:SSZ string"},
        {"{\"generated_at\":\"yesterday\",\"periods\":[]}",
         "spend snapshot: \"generated_at\": not a UTC time (YYYY-MM-DDTHH:MM:SSZ): yesterday"},
        {"{\"generated_at\":\"2026-11-28T07:00:00Z\"}", "spend snapshot: \"periods\" must be an array"},
        {"{\"v\":2,\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[]}", "spend snapshot: unsupported format version 2"},
        {"{\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[{\"first\":\"2026-11-01\"}]}",
         "spend snapshot: periods[0]: \"last\" must be a YYYY-MM-DD string"},
        {"{\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[{\"first\":\"2026-11-31\",\"last\":\"2026-11-30\"}]}",
         "spend snapshot: periods[0]: \"first\": not a date: 2026-11-31"},
        {"{\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[{\"first\":\"2026-11-30\",\"last\":\"2026-11-01\"}]}",
         "spend snapshot: periods[0]: \"first\" is after \"last\""},
        {"{\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[{\"first\":\"2026-11-01\",\"last\":\"2026-11-30\","
         "\"accounts\":{\"chem\":\"12\"}}]}",
         "spend snapshot: periods[0].accounts[\"chem\"]: not a dollar amount"},
        {"{\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[],\"default_accounts\":{\"bob\":\"chem\"}}",
         "spend snapshot: default_accounts: not a uid: bob"},
    };
    for (const Case& k : bad) {
        try {
            parse_spend_snapshot(k.doc);
            ck_abort_msg("parsed %s", k.doc);
        } catch (const std::runtime_error& e) {
            EXPECT_STR(e.what(), k.error);
        }
    }
}
END_TEST

// Every amount and every sum of one period stays within +/-$10^12 (beyond
// any bill), so no sum can pass int64: 1,025 entries of "a":9e13 did (UBSan).
START_TEST(snapshot_amount_limits) {
    auto doc = [](const std::string& accounts) {
        return "{\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[{\"first\":\"2026-11-01\",\"last\":\"2026-11-30\","
               "\"accounts\":{" + accounts + "}}]}";
    };
    auto error = [](const std::string& json) {
        try {
            parse_spend_snapshot(json);
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("parsed");
    };
    std::string many;
    for (int i = 0; i < 1025; ++i) many += std::string(i ? "," : "") + "\"a\":9e13";
    EXPECT_STR(error(doc(many)), "spend snapshot: periods[0].accounts[\"a\"]: beyond +/-$1000000000000.00: 9e13");
    EXPECT_STR(error(doc("\"a\":-1000000000000.01")),
               "spend snapshot: periods[0].accounts[\"a\"]: beyond +/-$1000000000000.00: -1000000000000.01");
    // Within the bound one by one, not together (repeated keys, and keys equal but for case, add up).
    EXPECT_STR(error(doc("\"chem\":600000000000,\"Chem\":400000000000.01")),
               "spend snapshot: periods[0].accounts: the amounts of \"chem\" add up to beyond +/-$1000000000000.00");
    EXPECT_STR(error(doc("\"a\":-600000000000,\"a\":-600000000000")),
               "spend snapshot: periods[0].accounts: the amounts of \"a\" add up to beyond +/-$1000000000000.00");
    // The bound itself, and sums that come back within it, are fine.
    SpendSnapshot s = parse_spend_snapshot(doc("\"a\":1000000000000,\"b\":-1000000000000,\"c\":900000000000,\"c\":-900000000000"));
    ck_assert(s.periods[0].account_cents.at("a") == 100000000000000LL);
    ck_assert(s.periods[0].account_cents.at("b") == -100000000000000LL);
    ck_assert(s.periods[0].account_cents.at("c") == 0);

    // Nor does stratus-spend write a snapshot that would not be read.
    Config c = conf("");
    std::string what;
    try {
        build_spend_snapshot(c, at("2026-11-28T07:00:00Z"), [](std::time_t, std::time_t) {
            SpendTotals t;
            t.account_cents["Chem"] = t.account_cents["chem"] = 60000000000000;
            return t;
        });
    } catch (const std::runtime_error& e) {
        what = e.what();
    }
    EXPECT_STR(what, "spend snapshot: account chem: beyond +/-$1000000000000.00 in 2026-11-01..2026-11-30");
}
END_TEST

START_TEST(snapshot_files) {
    std::string dir = test_dir();
    SpendSnapshot s = parse_spend_snapshot(kSnapshot);
    std::string path = dir + "/spend.json";
    ::umask(077);
    write_spend_snapshot(path, s);
    ::umask(022);
    EXPECT_STR(read_file(path), spend_snapshot_json(s));
    struct stat st;
    ck_assert(::stat(path.c_str(), &st) == 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0644);  // readable by sbatch whatever the umask
    ino_t first_inode = st.st_ino;
    write_spend_snapshot(path, s);  // replaced by rename: a new inode, no temporary left
    ck_assert(::stat(path.c_str(), &st) == 0);
    ck_assert(st.st_ino != first_inode);
    // No temporary file is left beside it.
    DIR* d = ::opendir(dir.c_str());
    ck_assert(d != nullptr);
    while (dirent* e = ::readdir(d)) ck_assert_msg(std::string(e->d_name).find(".tmp") == std::string::npos, "%s left", e->d_name);
    ::closedir(d);
    SpendSnapshot back = read_spend_snapshot(path);
    ck_assert(back.generated_at == s.generated_at);

    try {
        write_spend_snapshot(dir + "/missing/spend.json", s);
        ck_abort_msg("wrote into a missing directory");
    } catch (const std::system_error& e) {
        ck_assert_msg(std::string(e.what()).find("cannot create a temporary file for " + dir + "/missing/spend.json") == 0, "%s",
                      e.what());
    }
    try {
        read_spend_snapshot(dir + "/none.json");
        ck_abort_msg("read a missing file");
    } catch (const std::system_error& e) {
        ck_assert(e.code() == std::errc::no_such_file_or_directory);
    }
    write_file(dir + "/bad.json", "{\"v\":1,");
    try {
        read_spend_snapshot(dir + "/bad.json");
        ck_abort_msg("parsed a truncated file");
    } catch (const std::runtime_error& e) {
        EXPECT_STR(e.what(), dir + "/bad.json: JSON: unexpected end of the document at byte 7");
    }

    // The state the plugins hold: the last good snapshot stays, with the problem.
    SpendState ok = load_spend_state(path, nullptr);
    ck_assert(ok.snapshot && ok.problem.empty());
    SpendState missing = load_spend_state(dir + "/none.json", nullptr);
    ck_assert(!missing.snapshot);
    EXPECT_STR(missing.problem, "no spend snapshot at " + dir + "/none.json");
    replace_file(path, "garbage");
    SpendState kept = load_spend_state(path, &ok);
    ck_assert(kept.snapshot == ok.snapshot);
    EXPECT_STR(kept.problem, path + ": JSON: unexpected character 'g' at byte 0");
    ck_assert(!load_spend_state(dir + "/bad.json", &ok).snapshot);  // another path: nothing kept
}
END_TEST

// The snapshot is read inside slurmctld: a path naming a FIFO, a device or a
// runaway file is refused at once, and the last good snapshot stays.
START_TEST(snapshot_file_limits) {
    std::string dir = test_dir();
    std::string path = dir + "/spend.json";
    write_spend_snapshot(path, parse_spend_snapshot(kSnapshot));
    SpendState ok = load_spend_state(path, nullptr);
    ck_assert(ok.snapshot && ok.problem.empty());

    ck_assert_int_eq(::unlink(path.c_str()), 0);
    ck_assert_int_eq(::mkfifo(path.c_str(), 0600), 0);
    SpendState kept = load_spend_state(path, &ok);
    ck_assert(kept.snapshot == ok.snapshot);
    EXPECT_STR(kept.problem, "cannot read " + path + ": not a regular file (a FIFO)");
    ck_assert_int_eq(::unlink(path.c_str()), 0);

    EXPECT_STR(load_spend_state("/dev/zero", nullptr).problem,
               "cannot read /dev/zero: not a regular file (a character device)");
    EXPECT_STR(load_spend_state(dir, nullptr).problem, "cannot read " + dir + ": not a regular file (a directory)");
    write_file(path, "");
    ck_assert_int_eq(::truncate(path.c_str(), (16 << 20) + 1), 0);  // sparse: no disk used
    EXPECT_STR(load_spend_state(path, nullptr).problem, "cannot read " + path + ": larger than 16 MiB");
}
END_TEST

START_TEST(snapshot_staleness) {
    SpendSnapshot s;
    s.generated_at = at("2026-11-28T07:00:00Z");
    ck_assert(!spend_snapshot_stale(s, at("2026-11-28T08:00:00Z"), 3600));  // exactly the limit: fresh
    ck_assert(spend_snapshot_stale(s, at("2026-11-28T08:00:01Z"), 3600));
    ck_assert(!spend_snapshot_stale(s, at("2026-11-28T06:00:00Z"), 60));  // from the future (clock skew): fresh
    EXPECT_STR(age_text(45), "45 s");
    EXPECT_STR(age_text(3600 * 2 + 300), "2h05");
    EXPECT_STR(age_text(-5), "0 s");
}
END_TEST

START_TEST(snapshot_build) {
    Config c = conf(
        "Budget=account:chem Amount=5000\n"
        "Budget=cost-center:proj-x Amount=1200 Period=2026-11-01..2026-12-31\n"
        "Budget=cost-center:proj-y Amount=1200 Period=2026-11-01..2026-12-31\n"  // same window: asked once
        "Budget=account:old Amount=10 Period=2025-01-01..2025-12-31\n");          // over: not asked
    std::time_t now = at("2026-11-28T07:25:18Z");
    std::vector<PeriodWindow> w = snapshot_windows(c, now);
    ck_assert_uint_eq(w.size(), 2);
    EXPECT_STR(format_day(w[0].first) + ".." + format_day(w[0].last), "2026-11-01..2026-11-30");
    EXPECT_STR(format_day(w[1].first) + ".." + format_day(w[1].last), "2026-11-01..2026-12-31");
    std::vector<std::pair<std::time_t, std::time_t>> asked;
    SpendSnapshot s = build_spend_snapshot(
        c, now,
        [&](std::time_t start, std::time_t end) {
            asked.emplace_back(start, end);
            SpendTotals t;
            t.account_cents["Chem"] = 4120 * static_cast<int64_t>(asked.size());
            t.cost_center_cents["proj-x"] = 99;
            return t;
        },
        {{1000, "chem"}});
    ck_assert_uint_eq(asked.size(), 2);
    ck_assert(asked[0].first == at("2026-11-01T00:00:00Z") && asked[0].second == now);  // up to now, not the month's end
    ck_assert(asked[1].first == at("2026-11-01T00:00:00Z") && asked[1].second == now);
    ck_assert(s.generated_at == now);
    ck_assert(s.periods[0].account_cents.at("chem") == 4120);  // lower case
    ck_assert(s.periods[1].account_cents.at("chem") == 8240);
    ck_assert(s.periods[1].cost_center_cents.at("proj-x") == 99);
    EXPECT_STR(s.default_accounts.at(1000), "chem");
    // No budgets: the month alone (for reports).
    ck_assert_uint_eq(snapshot_windows(conf(""), now).size(), 1);
}
END_TEST

// ---- the budget step ---------------------------------------------------------------

std::shared_ptr<SpendState> state(const std::string& json, const std::string& path = "/var/lib/stratus/spend.json") {
    auto st = std::make_shared<SpendState>();
    st->path = path;
    st->snapshot = std::make_shared<const SpendSnapshot>(parse_spend_snapshot(json));
    return st;
}

// chem spent $4958.80 in November; proj-x $1100 in the Nov-Dec range.
const char* const kNow = "2026-11-28T07:25:18Z";

// A job; in gpu it asks for 8 GPUs per node, so it is priced on p5.48xlarge ($55.04/h).
JobRequest job(const char* partition, uint32_t nodes, uint32_t minutes, const char* account = "chem",
               const char* cost_center = "") {
    JobRequest r;
    if (partition) r.partitions = split_list(partition);
    if (partition && std::string(partition) == "gpu") r.gpus.per_node = 8;
    r.min_nodes = nodes;
    if (minutes) r.time_limit_min = minutes;
    r.account = account;
    r.cost_center = cost_center;
    return r;
}

struct Run {
    Decision d;
    BudgetOutcome out;
};

Run judge(const Config& c, const JobRequest& r, const SpendState* spend, const char* now = kNow,
          std::optional<uint32_t> uid = std::nullopt) {
    Run run;
    run.d = decide(c, r);
    run.out = apply_budgets(c, r, spend, nullptr, at(now), uid, run.d);
    return run;
}

void expect_budget_refusal(const Run& r, const std::string& message) {
    ck_assert_msg(r.d.verdict == Verdict::refuse, "accepted: %s", r.d.message.c_str());
    ck_assert(r.d.refusal == Refusal::budget);
    ck_assert(r.out.refused);
    EXPECT_STR(r.d.message, message);
    ck_assert(!r.d.new_partitions && !r.d.estimate && !r.d.max_usd);
    EXPECT_STR(r.d.admin_comment, "");
}

void expect_accepted(const Run& r) {
    ck_assert_msg(r.d.verdict == Verdict::accept, "refused: %s", r.d.message.c_str());
    ck_assert(!r.out.refused);
    ck_assert(!r.d.admin_comment.empty());
}

START_TEST(budget_refuses_with_the_numbers) {
    Config c = conf("Budget=account:chem Amount=5000 Period=month\n");
    auto spend = state(kSnapshot);
    // $41.20 left. 2 x hpc7g.16xlarge for 12h = $40.40: fits.
    expect_accepted(judge(c, job("graviton", 2, 12 * 60), spend.get()));
    // 1 x p5.48xlarge for 1h = $55.04: does not.
    Run r = judge(c, job("gpu", 1, 60), spend.get());
    expect_budget_refusal(r, "stratus: account chem has $41.20 of $5000.00 left this month; this job may cost up to $55.04");
    // The account is matched case-insensitively, as Slurm does.
    expect_budget_refusal(judge(c, job("gpu", 1, 60, "CHEM"), spend.get()),
                          "stratus: account chem has $41.20 of $5000.00 left this month; this job may cost up to $55.04");
    // Other accounts, and jobs without one, are not covered.
    expect_accepted(judge(c, job("gpu", 1, 60, "phys"), spend.get()));
    expect_accepted(judge(c, job("gpu", 1, 60, ""), spend.get()));
    // Not managed or refused by decide(): left alone.
    Run other = judge(c, job("debug", 1, 60), spend.get());
    ck_assert(other.d.verdict == Verdict::not_managed && !other.out.refused);
    JobRequest too_big = job("gpu", 1, 60);
    too_big.gpus.per_node = 16;
    Run infeasible = judge(c, too_big, spend.get());
    ck_assert(infeasible.d.refusal == Refusal::gpu);
}
END_TEST

START_TEST(budget_cents_arithmetic) {
    // A budget of exactly what is spent plus an estimate: equal fits, one cent more does not.
    // 1 x hpc7g.16xlarge for 60 min = $1.68.
    const char* snap = "{\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[{\"first\":\"2026-11-01\","
                       "\"last\":\"2026-11-30\",\"accounts\":{\"chem\":0.10}}]}";
    auto spend = state(snap);
    expect_accepted(judge(conf("Budget=account:chem Amount=1.78\n"), job("graviton", 1, 60), spend.get()));
    expect_budget_refusal(judge(conf("Budget=account:chem Amount=1.77\n"), job("graviton", 1, 60), spend.get()),
                          "stratus: account chem has $1.67 of $1.77 left this month; this job may cost up to $1.68");
    // Overspent: nothing left, said as $0.00.
    expect_budget_refusal(judge(conf("Budget=account:chem Amount=0.05\n"), job("graviton", 1, 60), spend.get()),
                          "stratus: account chem has $0.00 of $0.05 left this month; this job may cost up to $1.68");
}
END_TEST

START_TEST(budget_highest_estimate) {
    // A job without a partition is routed to graviton and gpu (hpc has no
    // price): the cheapest is $1.68, the highest $10.49 (g6e.12xlarge).
    Config c = conf("Budget=account:chem Amount=4965\n");  // $6.20 left
    auto spend = state(kSnapshot);
    JobRequest r = job(nullptr, 1, 60);
    Decision plain = decide(c, r);
    ck_assert(plain.estimate && plain.estimate->usd && *plain.estimate->usd == 1.68);
    ck_assert(plain.max_usd && *plain.max_usd == 10.49);
    expect_budget_refusal(judge(c, r, spend.get()),
                          "stratus: account chem has $6.20 of $4965.00 left this month; this job may cost up to $10.49");
    // Named partitions: the highest over them too.
    expect_budget_refusal(judge(c, job("graviton,gpu", 1, 60), spend.get()),
                          "stratus: account chem has $6.20 of $4965.00 left this month; this job may cost up to $10.49");
    // --max-cost is still checked against the estimate first, and narrows the partitions the budget sees.
    JobRequest capped = job(nullptr, 1, 60);
    capped.max_cost_usd = 5;
    expect_accepted(judge(c, capped, spend.get()));
    capped.max_cost_usd = 1;
    Run r2 = judge(c, capped, spend.get());
    ck_assert(r2.d.refusal == Refusal::max_cost);
}
END_TEST

START_TEST(budget_cost_centers_and_ranges) {
    Config c = conf("Budget=cost-center:proj-x Amount=1200 Period=2026-11-01..2026-12-31\n");
    auto spend = state(kSnapshot);  // proj-x spent $1100 in the range
    expect_accepted(judge(c, job("gpu", 1, 60, "chem", "proj-x"), spend.get()));  // $55.04 of $100
    expect_budget_refusal(
        judge(c, job("gpu", 2, 60, "", "proj-x"), spend.get()),
        "stratus: cost center proj-x has $100.00 of $1200.00 left in 2026-11-01..2026-12-31; this job may cost up to $110.08");
    // Cost centers compare exactly.
    expect_accepted(judge(c, job("gpu", 2, 60, "", "Proj-X"), spend.get()));
    // Outside its dates the range does not apply.
    expect_accepted(judge(c, job("gpu", 2, 60, "", "proj-x"), spend.get(), "2027-01-01T00:00:00Z"));
    // Both an account and a cost center budget: each must hold.
    Config both = conf("Budget=account:chem Amount=100000\n"
                       "Budget=cost-center:proj-x Amount=1200 Period=2026-11-01..2026-12-31\n");
    expect_budget_refusal(
        judge(both, job("gpu", 2, 60, "chem", "proj-x"), spend.get()),
        "stratus: cost center proj-x has $100.00 of $1200.00 left in 2026-11-01..2026-12-31; this job may cost up to $110.08");
}
END_TEST

START_TEST(budget_unknown_cost) {
    // hpc7a.96xlarge has no price: the cost is unknown. Refused only when nothing is left.
    const char* spent_all = "{\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[{\"first\":\"2026-11-01\","
                            "\"last\":\"2026-11-30\",\"accounts\":{\"chem\":5000}}]}";
    Config c = conf("Budget=account:chem Amount=5000\n");
    expect_accepted(judge(c, job("hpc", 1, 60), state(kSnapshot).get()));
    expect_budget_refusal(judge(c, job("hpc", 1, 60), state(spent_all).get()),
                          "stratus: account chem has $0.00 of $5000.00 left this month; this job's cost is unknown "
                          "(no price or time limit)");
}
END_TEST

START_TEST(budget_stale_snapshot) {
    auto spend = state(kSnapshot);  // generated 07:00
    const char* late = "2026-11-28T08:00:01Z";  // 3601 s later
    // allow (the default): the job passes, the budget is reported unchecked.
    Config allow = conf("Budget=account:chem Amount=5000\n");
    Run r = judge(allow, job("gpu", 1, 60), spend.get(), late);
    expect_accepted(r);
    ck_assert_uint_eq(r.out.unchecked.size(), 1);
    EXPECT_STR(r.out.unchecked[0],
               "budget of account chem not checked: the spend snapshot /var/lib/stratus/spend.json is 1h00 old "
               "(generated 2026-11-28T07:00:00Z, SpendSnapshotMaxAge=3600) (BudgetOnStale=allow)");
    // refuse: covered jobs are refused, with why; others pass.
    Config refuse = conf("Budget=account:chem Amount=5000\nBudgetOnStale=refuse SpendSnapshotMaxAge=600\n");
    expect_budget_refusal(judge(refuse, job("graviton", 1, 60), spend.get(), "2026-11-28T07:10:01Z"),
                          "stratus: account chem has a budget of $5000.00 this month but what it spent is unknown: "
                          "the spend snapshot /var/lib/stratus/spend.json is 10 min old (generated 2026-11-28T07:00:00Z, "
                          "SpendSnapshotMaxAge=600); jobs it covers are refused until the snapshot is refreshed "
                          "(BudgetOnStale=refuse)");
    expect_accepted(judge(refuse, job("graviton", 1, 60), spend.get(), "2026-11-28T07:10:00Z"));
    expect_accepted(judge(refuse, job("graviton", 1, 60, "phys"), spend.get(), late));
    // No snapshot at all: the same rule.
    SpendState none;
    none.path = "/var/lib/stratus/spend.json";
    none.problem = "no spend snapshot at /var/lib/stratus/spend.json";
    expect_budget_refusal(judge(refuse, job("graviton", 1, 60), &none),
                          "stratus: account chem has a budget of $5000.00 this month but what it spent is unknown: "
                          "no spend snapshot at /var/lib/stratus/spend.json; jobs it covers are refused until the "
                          "snapshot is refreshed (BudgetOnStale=refuse)");
    expect_accepted(judge(allow, job("graviton", 1, 60), &none));
    expect_accepted(judge(allow, job("graviton", 1, 60), nullptr));
    ck_assert(judge(refuse, job("graviton", 1, 60), nullptr).d.refusal == Refusal::budget);
    // A new month the snapshot has no figures for: the same rule.
    Config allow_week = conf("Budget=account:chem Amount=5000\nSpendSnapshotMaxAge=604800\n");
    Run dec = judge(allow_week, job("gpu", 1, 60), spend.get(), "2026-12-01T00:10:00Z");
    expect_accepted(dec);
    EXPECT_STR(dec.out.unchecked.at(0),
               "budget of account chem not checked: the spend snapshot /var/lib/stratus/spend.json (generated "
               "2026-11-28T07:00:00Z) has no figures for 2026-12-01..2026-12-31 (BudgetOnStale=allow)");
    Config refuse_long = conf("Budget=account:chem Amount=5000\nBudgetOnStale=refuse SpendSnapshotMaxAge=604800\n");
    ck_assert(judge(refuse_long, job("gpu", 1, 60), spend.get(), "2026-12-01T00:10:00Z").d.refusal == Refusal::budget);
}
END_TEST

START_TEST(budget_default_account) {
    Config c = conf("Budget=account:chem Amount=5000\n");
    auto spend = state(kSnapshot);  // uid 1000 -> chem, uid 0 -> phys
    JobRequest r = job("gpu", 1, 60, "");
    expect_budget_refusal(judge(c, r, spend.get(), kNow, 1000u),
                          "stratus: account chem has $41.20 of $5000.00 left this month; this job may cost up to $55.04");
    expect_accepted(judge(c, r, spend.get(), kNow, 0u));
    expect_accepted(judge(c, r, spend.get(), kNow, 4242u));
    // An explicit --account wins over the default.
    expect_accepted(judge(c, job("gpu", 1, 60, "phys"), spend.get(), kNow, 1000u));
}
END_TEST

START_TEST(budget_none_declared) {
    Config c = conf("");
    Run r = judge(c, job("gpu", 1, 60), nullptr);
    expect_accepted(r);
    ck_assert(r.out.unchecked.empty());
}
END_TEST

// chem: $10 budget, $1 spent; the snapshot read the jobs at 07:00.
const char* const kCommitted =
    "{\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[{\"first\":\"2026-11-01\",\"last\":\"2026-11-30\","
    "\"accounts\":{\"chem\":1.00}}],\"jobs_read_at\":\"2026-11-28T07:00:00Z\","
    "\"committed\":{\"accounts\":{\"chem\":2.00},\"cost_centers\":{\"proj-x\":0.50}}}";

START_TEST(budget_report_table) {
    Config c = conf("Budget=account:chem Amount=5000\n"
                    "Budget=cost-center:proj-x Amount=1200 Period=2026-11-01..2026-12-31\n"
                    "Budget=account:old Amount=10 Period=2025-01-01..2025-12-31\n"
                    "Budget=account:phys Amount=7.5 Period=2026-11-15..2026-11-30\n");
    auto spend = state(kSnapshot);
    EXPECT_STR(budget_report(c, spend.get(), at(kNow)),
               "spend snapshot /var/lib/stratus/spend.json: generated 2026-11-28T07:00:00Z, 25 min ago (current, "
               "SpendSnapshotMaxAge=3600)\n"
               "BUDGET              PERIOD                  AMOUNT    SPENT     COMMITTED  LEFT\n"
               "account chem        2026-11-01..2026-11-30  $5000.00  $4958.80  -          $41.20\n"
               "cost center proj-x  2026-11-01..2026-12-31  $1200.00  $1100.00  -          $100.00\n"
               "account old         2025-01-01..2025-12-31  $10.00    -         -          (not running)\n"
               "account phys        2026-11-15..2026-11-30  $7.50     ?         ?          (not in the snapshot)\n");
    EXPECT_STR(budget_report(c, spend.get(), at("2026-11-28T09:00:00Z"), "CHEM"),
               "spend snapshot /var/lib/stratus/spend.json: generated 2026-11-28T07:00:00Z, 2h00 ago (STALE, "
               "SpendSnapshotMaxAge=3600)\n"
               "BUDGET        PERIOD                  AMOUNT    SPENT     COMMITTED  LEFT\n"
               "account chem  2026-11-01..2026-11-30  $5000.00  $4958.80  -          $41.20\n");
    // With commitments: what pending and running jobs may still cost is not left.
    EXPECT_STR(budget_report(conf("Budget=account:chem Amount=10\n"), state(kCommitted).get(), at(kNow), "chem"),
               "spend snapshot /var/lib/stratus/spend.json: generated 2026-11-28T07:00:00Z, 25 min ago (current, "
               "SpendSnapshotMaxAge=3600)\n"
               "BUDGET        PERIOD                  AMOUNT  SPENT  COMMITTED  LEFT\n"
               "account chem  2026-11-01..2026-11-30  $10.00  $1.00  $2.00      $7.00\n");
    SpendState none;
    none.path = "/x/spend.json";
    none.problem = "no spend snapshot at /x/spend.json";
    EXPECT_STR(budget_report(conf(""), &none, at(kNow)), "no spend snapshot at /x/spend.json\nno budgets in stratus.conf\n");
}
END_TEST

// ---- the snapshot in the ConfigStore ----------------------------------------------------

struct StoreLog {
    std::mutex m;
    std::vector<std::pair<ConfigStore::Level, std::string>> lines;
    ConfigStore::Logger logger() {
        return [this](ConfigStore::Level l, const std::string& t) {
            std::lock_guard<std::mutex> g(m);
            lines.emplace_back(l, t);
        };
    }
    std::string last() {
        std::lock_guard<std::mutex> g(m);
        return lines.empty() ? "" : lines.back().second;
    }
    size_t size() {
        std::lock_guard<std::mutex> g(m);
        return lines.size();
    }
};

START_TEST(store_snapshot) {
    std::string dir = test_dir();
    std::string snap = dir + "/spend.json";
    write_file(dir + "/stratus.conf", std::string(kPartitions) + "Budget=account:chem Amount=5000\nSpendSnapshot=" + snap +
                                           "\nReloadInterval=0\n");
    write_file(dir + "/slurm.conf", kSlurmConf);
    StoreLog log;
    ConfigStore store(dir + "/stratus.conf", dir + "/slurm.conf", log.logger());
    ck_assert(store.reload_if_changed());
    ck_assert(!store.spend());
    std::time_t now = at(kNow);

    // Missing at first: said once, with the consequence.
    ck_assert(!store.reload_spend_if_changed(now));
    ck_assert(store.spend() && !store.spend()->snapshot);
    EXPECT_STR(log.last(), "no spend snapshot at " + snap + "; budgets are not enforced (BudgetOnStale=allow)");
    size_t lines = log.size();
    store.reload_spend_if_changed(now);
    ck_assert_uint_eq(log.size(), lines);

    // Written: loaded, and said to be current again.
    replace_file(snap, kSnapshot);
    ck_assert(store.reload_spend_if_changed(now));
    auto first = store.spend();
    ck_assert(first->snapshot && first->snapshot->generated_at == at("2026-11-28T07:00:00Z"));
    EXPECT_STR(log.lines[lines].second, "loaded spend snapshot " + snap + " (generated 2026-11-28T07:00:00Z, 2 periods)");
    EXPECT_STR(log.last(), "spend snapshot " + snap + " is current again (generated 2026-11-28T07:00:00Z)");
    ck_assert(!store.reload_spend_if_changed(now));  // unchanged: not read again
    ck_assert(store.spend() == first);

    // A broken file: the last good snapshot stays.
    replace_file(snap, "{\"v\":1");
    ck_assert(!store.reload_spend_if_changed(now));
    ck_assert(store.spend()->snapshot == first->snapshot);
    EXPECT_STR(log.last(), snap + ": JSON: unexpected end of the document at byte 6 (keeping the snapshot generated "
                                  "2026-11-28T07:00:00Z)");
    // Later it goes stale: said once.
    lines = log.size();
    store.reload_spend_if_changed(at("2026-11-28T08:30:00Z"));
    EXPECT_STR(log.last(), snap + ": JSON: unexpected end of the document at byte 6 (keeping the snapshot generated "
                                  "2026-11-28T07:00:00Z, which is stale); budgets are not enforced (BudgetOnStale=allow)");
    store.reload_spend_if_changed(at("2026-11-28T08:31:00Z"));
    ck_assert_uint_eq(log.size(), lines + 1);

    // A fresh good one.
    std::string fresh = kSnapshot;
    fresh.replace(fresh.find("07:00:00Z"), 9, "08:30:00Z");
    replace_file(snap, fresh);
    ck_assert(store.reload_spend_if_changed(at("2026-11-28T08:31:00Z")));
    EXPECT_STR(log.last(), "spend snapshot " + snap + " is current again (generated 2026-11-28T08:30:00Z)");
    // And stale with nothing new: said with refuse's consequence once BudgetOnStale=refuse.
    replace_file(dir + "/stratus.conf", std::string(kPartitions) + "Budget=account:chem Amount=5000\nSpendSnapshot=" +
                                            snap + "\nReloadInterval=0\nBudgetOnStale=refuse\n");
    ck_assert(store.reload_if_changed());
    store.reload_spend_if_changed(at("2026-11-28T10:00:00Z"));
    EXPECT_STR(log.last(), "spend snapshot " + snap + " is stale: generated 2026-11-28T08:30:00Z, more than "
                           "SpendSnapshotMaxAge=3600 s ago; jobs covered by a budget are refused (BudgetOnStale=refuse)");
}
END_TEST

START_TEST(store_without_budgets) {
    std::string dir = test_dir();
    write_file(dir + "/stratus.conf", std::string(kPartitions) + "ReloadInterval=0\n");
    write_file(dir + "/slurm.conf", kSlurmConf);
    StoreLog log;
    ConfigStore store(dir + "/stratus.conf", dir + "/slurm.conf", log.logger());
    ck_assert(store.reload_if_changed());
    size_t lines = log.size();
    ck_assert(!store.reload_spend_if_changed(at(kNow)));
    ck_assert(!store.spend());
    ck_assert_uint_eq(log.size(), lines);  // no snapshot, no budgets: nothing to say
}
END_TEST

START_TEST(store_watcher_reads_snapshot) {
    // ReloadInterval=1: the watcher thread picks up a snapshot written later.
    std::string dir = test_dir();
    std::string snap = dir + "/spend.json";
    write_file(dir + "/stratus.conf", std::string(kPartitions) + "Budget=account:chem Amount=5000\nSpendSnapshot=" + snap +
                                           "\nReloadInterval=1\n");
    write_file(dir + "/slurm.conf", kSlurmConf);
    StoreLog log;
    ConfigStore store(dir + "/stratus.conf", dir + "/slurm.conf", log.logger());
    store.reload_if_changed();
    store.start_watching();
    replace_file(snap, kSnapshot);
    for (int i = 0; i < 100 && !(store.spend() && store.spend()->snapshot); ++i) ::usleep(50000);
    ck_assert_msg(store.spend() && store.spend()->snapshot, "the watcher did not read the snapshot within 5 s");
    store.stop();
}
END_TEST

// ---- per-job tags --------------------------------------------------------------------

using Env = std::map<std::string, std::string>;

JobTagFacts facts(const Env& e) {
    return job_tag_facts([&](const char* n) -> std::optional<std::string> {
        auto it = e.find(n);
        if (it == e.end()) return std::nullopt;
        return it->second;
    });
}

Env prolog_env() {
    return {{"SLURM_SCRIPT_CONTEXT", "prolog_slurmd"}, {"SLURM_JOB_ID", "42"}, {"SLURM_JOB_USER", "alice"},
            {"SLURM_JOB_ACCOUNT", "chem"}, {"SLURM_JOB_PARTITION", "graviton"},
            {"SPANK_STRATUS_COST_CENTER", "proj-x"}, {"SLURMD_NODENAME", "graviton-hpc7g-2"},
            {"SLURM_NODELIST", "graviton-hpc7g-[1-2]"}, {"SLURM_JOB_NUM_NODES", "2"},
            {"SLURM_JOB_CPUS_PER_NODE", "64(x2)"}};
}

START_TEST(tag_facts) {
    JobTagFacts f = facts(prolog_env());
    ck_assert(f.context == ScriptContext::prolog);
    EXPECT_STR(f.job_id, "42");
    EXPECT_STR(f.user, "alice");
    EXPECT_STR(f.account, "chem");
    EXPECT_STR(f.partition, "graviton");
    EXPECT_STR(f.cost_center, "proj-x");
    EXPECT_STR(f.node, "graviton-hpc7g-2");
    EXPECT_STR(f.nodelist, "graviton-hpc7g-[1-2]");
    ck_assert(f.num_nodes == 2u);
    EXPECT_STR(f.cpus_per_node, "64(x2)");
    Env e = prolog_env();
    e["SLURM_SCRIPT_CONTEXT"] = "epilog_slurmd";
    e["SLURM_JOB_NODELIST"] = "a[1-2]";  // preferred to SLURM_NODELIST
    e.erase("SLURM_JOB_ID");
    e["SLURM_JOBID"] = "43";
    f = facts(e);
    ck_assert(f.context == ScriptContext::epilog);
    EXPECT_STR(f.job_id, "43");
    EXPECT_STR(f.nodelist, "a[1-2]");
    e["SLURM_SCRIPT_CONTEXT"] = "prolog_slurmctld";
    ck_assert(facts(e).context == ScriptContext::other);
}
END_TEST

START_TEST(tag_cpus_on_node) {
    auto cpus = expand_cpus_per_node("64(x2),32");
    ck_assert(cpus && cpus->size() == 3 && (*cpus)[0] == 64 && (*cpus)[1] == 64 && (*cpus)[2] == 32);
    cpus = expand_cpus_per_node("2,1");
    ck_assert(cpus && cpus->size() == 2 && (*cpus)[1] == 1);
    for (const char* bad : {"", "64(x)", "64(x0)", "x", "64(2)", "64(x2"}) ck_assert_msg(!expand_cpus_per_node(bad), "%s", bad);

    JobTagFacts f = facts(prolog_env());
    ck_assert(job_cpus_on_node(f) == 64u);  // uniform: no need for the node's place
    f.cpus_per_node = "2,1";
    f.node = "graviton-hpc7g-1";
    ck_assert(job_cpus_on_node(f) == 2u);
    f.node = "graviton-hpc7g-2";
    ck_assert(job_cpus_on_node(f) == 1u);
    f.node = "elsewhere";
    ck_assert(!job_cpus_on_node(f));
    f.node = "graviton-hpc7g-1";
    f.cpus_per_node = "2,1,4";  // does not match the node list
    ck_assert(!job_cpus_on_node(f));
    f.cpus_per_node = "2,1";
    f.nodelist = "graviton-hpc7g-[1-";  // malformed
    ck_assert(!job_cpus_on_node(f));
    f.nodelist = "graviton-hpc7g-1,other-[01-02]";
    f.cpus_per_node = "8,4(x2)";
    f.node = "other-02";
    ck_assert(job_cpus_on_node(f) == 4u);
    f.node = "graviton-hpc7g-1";
    ck_assert(job_cpus_on_node(f) == 8u);
    f.cpus_per_node = "";
    ck_assert(!job_cpus_on_node(f));
}
END_TEST

START_TEST(tag_node_cpus_from_slurm_conf) {
    std::string dir = test_dir();
    write_file(dir + "/slurm.conf",
               "NodeName=s1 Sockets=2 CoresPerSocket=24 ThreadsPerCore=2\n"
               "NodeName=b1 Boards=2 Sockets=2 CoresPerSocket=4\n"
               "NodeName=DEFAULT CPUs=8\n"
               "NodeName=g[1-4] CPUs=64 RealMemory=1000\n"
               "NodeName=d1\n");
    std::string path = dir + "/slurm.conf";
    ck_assert(slurm_node_cpus(path, "g3") == 64u);
    ck_assert(slurm_node_cpus(path, "d1") == 8u);  // NodeName=DEFAULT before it
    ck_assert(slurm_node_cpus(path, "s1") == 96u);
    ck_assert(slurm_node_cpus(path, "b1") == 16u);
    ck_assert(!slurm_node_cpus(path, "g5"));
    ck_assert(!slurm_node_cpus(dir + "/none.conf", "g1"));
}
END_TEST

START_TEST(tag_exclusivity) {
    JobTagFacts f = facts(prolog_env());
    Exclusivity e = job_exclusivity(f, 64);
    ck_assert(e.exclusive);
    EXPECT_STR(e.why, "job 42 has 64 of the 64 CPUs of node graviton-hpc7g-2");
    f.cpus_per_node = "2,1";
    e = job_exclusivity(f, 64);
    ck_assert(!e.exclusive);
    EXPECT_STR(e.why, "job 42 has 1 of the 64 CPUs of node graviton-hpc7g-2: it shares the node");
    e = job_exclusivity(f, std::nullopt);
    ck_assert(!e.exclusive);
    EXPECT_STR(e.why,
               "the CPU count of node graviton-hpc7g-2 is unknown (no CPUs= for it in slurm.conf, instance type unknown)");
    f.cpus_per_node = "";
    e = job_exclusivity(f, 64);
    ck_assert(!e.exclusive);
    EXPECT_STR(e.why, "cannot tell how many CPUs job 42 has on node graviton-hpc7g-2 (SLURM_JOB_CPUS_PER_NODE=, "
                      "SLURM_JOB_NODELIST=graviton-hpc7g-[1-2])");
}
END_TEST

std::string tags_text(const std::vector<JobTag>& tags) {
    std::string s;
    for (const JobTag& t : tags) s += (s.empty() ? "" : " ") + t.first + "=" + t.second;
    return s;
}

START_TEST(tag_sets) {
    JobTagFacts f = facts(prolog_env());
    EXPECT_STR(tags_text(job_tags(f)), "stratus:job-id=42 stratus:user=alice stratus:account=chem "
                                       "stratus:cost-center=proj-x stratus:partition=graviton");
    f.cost_center.clear();
    f.account.clear();
    EXPECT_STR(tags_text(job_tags(f)), "stratus:job-id=42 stratus:user=alice stratus:account= "
                                       "stratus:cost-center= stratus:partition=graviton");
    EXPECT_STR(tags_text(cleared_job_tags()), "stratus:job-id= stratus:user= stratus:account= "
                                              "stratus:cost-center= stratus:partition=");
    f.partition = std::string(255, 'p') + "\xc3\xa9";  // 257 bytes: cut before the 2-byte character
    ck_assert_uint_eq(job_tags(f)[4].second.size(), 255);
    f.partition = std::string(300, 'p');
    ck_assert_uint_eq(job_tags(f)[4].second.size(), 256);
}
END_TEST

struct FakeTarget : TagTarget {
    std::string id = "i-0123456789abcdef0";
    std::optional<std::string> type = std::string("hpc7g.16xlarge");
    bool fail_id = false, fail_tags = false;
    std::vector<std::pair<std::string, std::vector<JobTag>>> calls;
    std::string instance_id() override {
        if (fail_id) throw std::runtime_error("imds token: connection refused");
        return id;
    }
    std::optional<std::string> instance_type() override { return type; }
    void create_tags(const std::string& i, const std::vector<JobTag>& t) override {
        if (fail_tags) throw std::runtime_error("ec2 CreateTags: UnauthorizedOperation: not allowed (HTTP 403)");
        calls.emplace_back(i, t);
    }
};

START_TEST(tag_runs) {
    Catalog catalog = Catalog::builtin();
    TagRunOptions o;
    o.catalog = &catalog;
    o.node_cpus = 64;

    FakeTarget t;
    TagRunResult r = run_job_tagging(facts(prolog_env()), t, o);
    ck_assert(r.action == TagRunResult::Action::tagged && r.exit_code == 0);
    ck_assert_uint_eq(t.calls.size(), 1);
    EXPECT_STR(t.calls[0].first, "i-0123456789abcdef0");
    EXPECT_STR(tags_text(t.calls[0].second), "stratus:job-id=42 stratus:user=alice stratus:account=chem "
                                             "stratus:cost-center=proj-x stratus:partition=graviton");
    EXPECT_STR(r.log.at(0), "job 42 has 64 of the 64 CPUs of node graviton-hpc7g-2: tagged i-0123456789abcdef0 with "
                            "stratus:job-id=42 stratus:user=alice stratus:account=chem stratus:cost-center=proj-x "
                            "stratus:partition=graviton");

    // The epilog blanks them.
    Env e = prolog_env();
    e["SLURM_SCRIPT_CONTEXT"] = "epilog_slurmd";
    FakeTarget t2;
    r = run_job_tagging(facts(e), t2, o);
    ck_assert(r.action == TagRunResult::Action::cleared && r.exit_code == 0);
    EXPECT_STR(tags_text(t2.calls.at(0).second), tags_text(cleared_job_tags()));
    EXPECT_STR(r.log.at(0), "job 42 ended: blanked the job tags of i-0123456789abcdef0");

    // A shared node: nothing is called.
    e = prolog_env();
    e["SLURM_JOB_CPUS_PER_NODE"] = "4(x2)";
    FakeTarget t3;
    r = run_job_tagging(facts(e), t3, o);
    ck_assert(r.action == TagRunResult::Action::shared_node && r.exit_code == 0 && t3.calls.empty());
    EXPECT_STR(r.log.at(0), "job 42 has 4 of the 64 CPUs of node graviton-hpc7g-2: it shares the node: instance not tagged");

    // Without slurm.conf's count: the instance type's vCPUs (hpc7g.16xlarge: 64).
    TagRunOptions by_type = o;
    by_type.node_cpus.reset();
    FakeTarget t4;
    ck_assert(run_job_tagging(facts(prolog_env()), t4, by_type).action == TagRunResult::Action::tagged);
    t4.type = "nope.large";
    r = run_job_tagging(facts(prolog_env()), t4, by_type);
    ck_assert(r.action == TagRunResult::Action::shared_node);
    ck_assert_msg(r.log.at(0).find("(instance type nope.large is not in the catalog): instance not tagged") !=
                      std::string::npos, "%s", r.log.at(0).c_str());
}
END_TEST

START_TEST(tag_failures) {
    Catalog catalog = Catalog::builtin();
    TagRunOptions ignore;
    ignore.catalog = &catalog;
    ignore.node_cpus = 64;
    TagRunOptions fail = ignore;
    fail.fail_on_error = true;

    FakeTarget t;
    t.fail_tags = true;
    TagRunResult r = run_job_tagging(facts(prolog_env()), t, ignore);
    ck_assert(r.action == TagRunResult::Action::failed && r.exit_code == 0);
    EXPECT_STR(r.log.at(0), "cannot tag i-0123456789abcdef0 for job 42: ec2 CreateTags: UnauthorizedOperation: not "
                            "allowed (HTTP 403) (TagFailure=ignore: the prolog goes on)");
    r = run_job_tagging(facts(prolog_env()), t, fail);
    ck_assert(r.exit_code == 1);
    EXPECT_STR(r.log.at(0), "cannot tag i-0123456789abcdef0 for job 42: ec2 CreateTags: UnauthorizedOperation: not "
                            "allowed (HTTP 403) (TagFailure=fail: failing the prolog)");

    FakeTarget no_imds;
    no_imds.fail_id = true;
    Env e = prolog_env();
    e["SLURM_SCRIPT_CONTEXT"] = "epilog_slurmd";
    r = run_job_tagging(facts(e), no_imds, fail);
    ck_assert(r.exit_code == 1 && no_imds.calls.empty());
    EXPECT_STR(r.log.at(0), "cannot blank the job tags of this instance for job 42: imds token: connection refused "
                            "(TagFailure=fail: failing the epilog)");

    e["SLURM_SCRIPT_CONTEXT"] = "prolog_slurmctld";
    FakeTarget t2;
    r = run_job_tagging(facts(e), t2, ignore);
    ck_assert(r.action == TagRunResult::Action::failed && r.exit_code == 0 && t2.calls.empty());
    EXPECT_STR(r.log.at(0), "not run as slurmd's Prolog or Epilog (SLURM_SCRIPT_CONTEXT=prolog_slurmctld) "
                            "(TagFailure=ignore: the prolog goes on)");
    e = prolog_env();
    e.erase("SLURM_JOB_ID");
    r = run_job_tagging(facts(e), t2, fail);
    ck_assert(r.exit_code == 1);
    EXPECT_STR(r.log.at(0), "no SLURM_JOB_ID in the environment (TagFailure=fail: failing the prolog)");
}
END_TEST

// ---- committed spend, the ledger, updates (issue: budgets that cannot be escaped) ----------


START_TEST(snapshot_commitments_round_trip) {
    SpendSnapshot s = parse_spend_snapshot(kCommitted);
    ck_assert(s.jobs_read_at && *s.jobs_read_at == at("2026-11-28T07:00:00Z"));
    ck_assert_int_eq(s.committed.account_cents.at("chem"), 200);
    ck_assert_int_eq(s.committed.cost_center_cents.at("proj-x"), 50);
    SpendSnapshot back = parse_spend_snapshot(spend_snapshot_json(s));
    ck_assert(back.jobs_read_at == s.jobs_read_at);
    ck_assert(back.committed.account_cents == s.committed.account_cents);
    // Half a pair is refused: commitments without the time they were read, or the reverse.
    for (const char* bad : {"{\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[],\"committed\":{}}",
                            "{\"generated_at\":\"2026-11-28T07:00:00Z\",\"periods\":[],\"jobs_read_at\":\"2026-11-28T07:00:00Z\"}"}) {
        try {
            parse_spend_snapshot(bad);
            ck_abort_msg("parsed %s", bad);
        } catch (const std::runtime_error&) {
        }
    }
}
END_TEST

// What pending and running jobs may still cost: the highest estimate per
// task, a running task's share of its time limit left, arrays by task.
START_TEST(committed_spend_of_jobs) {
    Config c = conf("");
    JobRequest r = job("graviton", 1, 60);  // $1.68
    std::string one = decide(c, r).admin_comment;
    r.array_tasks = 10;  // $16.83 for 10 tasks
    std::string array = decide(c, r).admin_comment;
    std::time_t now = at("2026-11-28T07:00:00Z");
    std::vector<LiveJobCost> jobs = {
        {"chem", one, false, 1, 0, 60},                  // pending: $1.68
        {"chem", one, true, 1, now - 45 * 60, 60},       // running, a quarter left: $0.42
        {"phys", array, false, 4, 0, 60},                // 4 pending tasks of the array: 4 x $1.683 = $6.73
        {"phys", array, true, 1, now - 30 * 60, 60},     // a running task, half left: $0.84
        {"phys", "site comment", false, 1, 0, 60},       // no estimate: nothing
    };
    SpendTotals t = committed_spend(jobs, now);
    ck_assert_int_eq(t.account_cents.at("chem"), 168 + 42);
    ck_assert_int_eq(t.account_cents.at("phys"), 673 + 84);
}
END_TEST

START_TEST(ledger_holds_until_a_snapshot_counts) {
    Config c = conf("Budget=account:chem Amount=10 Period=month\n");
    auto spend = state(kCommitted);
    SpendLedger ledger;
    // $10 - $1 spent - $2 committed = $7 left: four jobs of $1.68 fit ($6.72), the fifth does not.
    for (int i = 0; i < 4; ++i) {
        Run r;
        r.d = decide(c, job("graviton", 1, 60));
        r.out = apply_budgets(c, job("graviton", 1, 60), spend.get(), &ledger, at(kNow), std::nullopt, r.d);
        expect_accepted(r);
    }
    ck_assert_uint_eq(ledger.size(), 4);
    Run fifth;
    fifth.d = decide(c, job("graviton", 1, 60));
    fifth.out = apply_budgets(c, job("graviton", 1, 60), spend.get(), &ledger, at(kNow), std::nullopt, fifth.d);
    expect_budget_refusal(fifth, "stratus: account chem has $0.28 of $10.00 left this month ($8.72 of it held by pending and "
                                 "running jobs); this job may cost up to $1.68");
    // A snapshot that read the jobs after they were accepted counts them: the holds end.
    ledger.prune(at(kNow) + 1);
    ck_assert_uint_eq(ledger.size(), 0);
    // The ledger written and read back holds the same.
    ledger.locked([&](SpendLedger& l) { l.hold(SpendLedger::Entry{at(kNow), "CHEM", "proj-x", 168}); });
    SpendLedger copy;
    copy.load(ledger.json());
    ck_assert_int_eq(copy.locked([](SpendLedger& l) { return l.account_cents("chem"); }), 168);
    ck_assert_int_eq(copy.locked([](SpendLedger& l) { return l.cost_center_cents("proj-x"); }), 168);
    // Without commitments in the snapshot nothing is held (they would never be released).
    SpendLedger none;
    Run old;
    old.d = decide(c, job("graviton", 1, 60));
    old.out = apply_budgets(c, job("graviton", 1, 60), state(kSnapshot).get(), &none, at(kNow), std::nullopt, old.d);
    ck_assert_uint_eq(none.size(), 0);
}
END_TEST

// 50 submissions at once from 8 threads against a budget that fits 10:
// exactly 10 are accepted (the check and the hold are one step).
START_TEST(ledger_concurrent_submissions) {
    Config c = conf("Budget=account:chem Amount=19.80 Period=month\n");  // $19.80 - $1 - $2 = $16.80 = 10 x $1.68
    auto spend = state(kCommitted);
    SpendLedger ledger;
    std::atomic<int> accepted{0}, next{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            while (next.fetch_add(1) < 50) {
                JobRequest r = job("graviton", 1, 60);
                Decision d = decide(c, r);
                apply_budgets(c, r, spend.get(), &ledger, at(kNow), std::nullopt, d);
                if (d.verdict == Verdict::accept) ++accepted;
            }
        });
    for (std::thread& t : threads) t.join();
    ck_assert_int_eq(accepted.load(), 10);
    ck_assert_uint_eq(ledger.size(), 10);
}
END_TEST

// Updates: re-priced from the request in the AdminComment with the changed fields.
START_TEST(updates_judged_with_the_job_record) {
    Config c = conf("Budget=account:chem Amount=10 Period=month\n");
    auto spend = state(kCommitted);
    SpendLedger ledger;
    JobRequest r = job("graviton", 1, 60);
    r.max_cost_usd = 5.0;
    std::string comment = decide(c, r).admin_comment;
    // Nothing priced changes: passes, AdminComment untouched.
    JobRequest none;
    UpdateDecision u = judge_update(c, comment, "chem", none, false, spend.get(), &ledger, at(kNow));
    ck_assert(u.verdict == Verdict::not_managed && u.admin_comment.empty());
    // 2 h: $3.37, within --max-cost and the budget ($7 left): accepted, the $1.69 more held.
    JobRequest longer;
    longer.time_limit_min = 120;
    u = judge_update(c, comment, "chem", longer, false, spend.get(), &ledger, at(kNow));
    ck_assert_msg(u.verdict == Verdict::accept, "%s", u.message.c_str());
    ck_assert_msg(u.admin_comment.find("\"est_usd\":3.37") != std::string::npos, "%s", u.admin_comment.c_str());
    ck_assert_msg(u.admin_comment.find("\"req\":{\"p\":\"graviton\",\"N\":1,\"t\":120,\"A\":\"chem\"}") != std::string::npos,
                  "%s", u.admin_comment.c_str());
    ck_assert_int_eq(ledger.locked([](SpendLedger& l) { return l.account_cents("chem"); }), 169);
    // 10 days: above --max-cost, refused with the reason; by an administrator, priced and held.
    JobRequest ten_days;
    ten_days.time_limit_min = 14400;
    u = judge_update(c, comment, "chem", ten_days, false, spend.get(), &ledger, at(kNow));
    ck_assert(u.verdict == Verdict::refuse && u.refusal == Refusal::max_cost);
    ck_assert_msg(u.message.find("stratus: --max-cost: the estimate is $403.97, above $5.00") == 0, "%s", u.message.c_str());
    u = judge_update(c, comment, "chem", ten_days, true, spend.get(), &ledger, at(kNow));
    ck_assert_msg(u.verdict == Verdict::accept, "%s", u.message.c_str());
    // Without --max-cost, 5 h more than the budget has left: refused as a budget.
    r.max_cost_usd.reset();
    comment = decide(c, r).admin_comment;
    JobRequest five;
    five.time_limit_min = 300;
    u = judge_update(c, comment, "chem", five, false, spend.get(), &ledger, at(kNow));
    ck_assert(u.verdict == Verdict::refuse && u.refusal == Refusal::budget);
    ck_assert_msg(u.message.find("; this update may cost up to $6.74") != std::string::npos, "%s", u.message.c_str());
    // A new partition that cannot run the job: refused as at submit.
    JobRequest to_hpc;
    to_hpc.partitions = {"hpc"};
    to_hpc.gpus.per_node = 1;
    u = judge_update(c, comment, "chem", to_hpc, false, spend.get(), &ledger, at(kNow));
    ck_assert(u.verdict == Verdict::refuse && u.refusal == Refusal::gpu);
    // Keys others keep in the AdminComment stay.
    std::string with_wait = comment.substr(0, comment.size() - 1) + ",\"wait_reason\":\"no capacity\"}";
    u = judge_update(c, with_wait, "chem", longer, true, spend.get(), &ledger, at(kNow));
    ck_assert_msg(u.admin_comment.find(",\"wait_reason\":\"no capacity\"}") != std::string::npos, "%s", u.admin_comment.c_str());
    // A job without a Stratus estimate: only a partition change is judged, against the update alone.
    u = judge_update(c, "site text", "chem", longer, false, spend.get(), &ledger, at(kNow));
    ck_assert(u.verdict == Verdict::not_managed);
}
END_TEST

Suite* budget_suite() {
    Suite* s = suite_create("budget");
    TCase* tc = make_tcase("money_days_periods");
    tcase_add_test(tc, money);
    tcase_add_test(tc, days);
    tcase_add_test(tc, periods);
    suite_add_tcase(s, tc);
    tc = make_tcase("stratus_conf");
    tcase_add_test(tc, conf_budgets);
    tcase_add_test(tc, conf_keys);
    tcase_add_test(tc, conf_errors);
    suite_add_tcase(s, tc);
    tc = make_tcase("json");
    tcase_add_test(tc, json_reader);
    tcase_add_test(tc, json_cents);
    suite_add_tcase(s, tc);
    tc = make_tcase("snapshot");
    tcase_add_test(tc, snapshot_parse);
    tcase_add_test(tc, snapshot_amount_limits);
    tcase_add_test(tc, snapshot_files);
    tcase_add_test(tc, snapshot_file_limits);
    tcase_add_test(tc, snapshot_staleness);
    tcase_add_test(tc, snapshot_build);
    suite_add_tcase(s, tc);
    tc = make_tcase("check");
    tcase_add_test(tc, budget_refuses_with_the_numbers);
    tcase_add_test(tc, budget_cents_arithmetic);
    tcase_add_test(tc, budget_highest_estimate);
    tcase_add_test(tc, budget_cost_centers_and_ranges);
    tcase_add_test(tc, budget_unknown_cost);
    tcase_add_test(tc, budget_stale_snapshot);
    tcase_add_test(tc, budget_default_account);
    tcase_add_test(tc, budget_none_declared);
    tcase_add_test(tc, budget_report_table);
    tcase_add_test(tc, snapshot_commitments_round_trip);
    tcase_add_test(tc, committed_spend_of_jobs);
    tcase_add_test(tc, ledger_holds_until_a_snapshot_counts);
    tcase_add_test(tc, ledger_concurrent_submissions);
    tcase_add_test(tc, updates_judged_with_the_job_record);
    suite_add_tcase(s, tc);
    tc = make_tcase("store");
    tcase_add_test(tc, store_snapshot);
    tcase_add_test(tc, store_without_budgets);
    tcase_add_test(tc, store_watcher_reads_snapshot);
    suite_add_tcase(s, tc);
    return s;
}

Suite* tags_suite() {
    Suite* s = suite_create("job_tags");
    TCase* tc = make_tcase("tags");
    tcase_add_test(tc, tag_facts);
    tcase_add_test(tc, tag_cpus_on_node);
    tcase_add_test(tc, tag_node_cpus_from_slurm_conf);
    tcase_add_test(tc, tag_exclusivity);
    tcase_add_test(tc, tag_sets);
    tcase_add_test(tc, tag_runs);
    tcase_add_test(tc, tag_failures);
    suite_add_tcase(s, tc);
    return s;
}

}  // namespace

int main() { return run_suites("budget", {budget_suite(), tags_suite()}); }
