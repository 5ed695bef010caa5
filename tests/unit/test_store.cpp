// common/config_store.hpp: reloading on change, keeping the last good
// configuration, and the watcher thread.
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "config_store.hpp"
#include "unit.hpp"

using namespace stratus;
using Level = ConfigStore::Level;

namespace {

const char* const kThree =
    "PartitionName=graviton InstanceTypes=hpc7g.16xlarge,c7gn.16xlarge\n"
    "PartitionName=hpc InstanceTypes=hpc7a.96xlarge\n"
    "PartitionName=gpu InstanceTypes=g6e.12xlarge,p5.48xlarge\n";
const char* const kTwo =
    "PartitionName=graviton InstanceTypes=hpc7g.16xlarge\n"
    "PartitionName=gpu InstanceTypes=p5.48xlarge\n";

// Collects log lines; the watcher thread logs too.
struct Log {
    std::mutex mutex;
    std::vector<std::pair<Level, std::string>> lines;
    size_t size() {
        std::lock_guard<std::mutex> l(mutex);
        return lines.size();
    }
    std::pair<Level, std::string> at(size_t i) {
        std::lock_guard<std::mutex> l(mutex);
        return lines.at(i);
    }
};

struct Fixture {
    std::string dir = test_dir();
    std::string conf = dir + "/stratus.conf";
    std::string slurm = dir + "/slurm.conf";
    std::shared_ptr<Log> log = std::make_shared<Log>();
    ConfigStore::Logger logger() {
        auto l = log;
        return [l](Level level, const std::string& text) {
            std::lock_guard<std::mutex> g(l->mutex);
            l->lines.emplace_back(level, text);
        };
    }
};

void expect_log(Log& log, size_t index, Level level, const std::string& text) {
    ck_assert_msg(log.size() > index, "no log line %zu (have %zu)", index, log.size());
    auto line = log.at(index);
    ck_assert_msg(line.first == level, "log line %zu has the wrong level: %s", index, line.second.c_str());
    EXPECT_STR(line.second, text);
}

template <class Pred>
bool wait_until(Pred pred, double seconds) {
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

double seconds_to(const std::function<void()>& f) {
    auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

START_TEST(reload_cycle) {
    Fixture f;
    write_file(f.conf, kThree);
    write_file(f.slurm, "PartitionName=graviton Nodes=g1 DefaultTime=30\n");
    ConfigStore store(f.conf, f.slurm, f.logger());
    ck_assert_ptr_null(store.current().get());

    ck_assert(store.reload_if_changed());
    auto first = store.current();
    ck_assert_ptr_nonnull(first.get());
    ck_assert_uint_eq(first->partitions.size(), 3);
    ck_assert_uint_eq(first->partitions[0].default_time->minutes, 30);
    ck_assert_uint_eq(f.log->size(), 2);
    expect_log(*f.log, 0, Level::info, "loaded " + f.conf + ": 3 partitions, 152 instance types");
    // What loads but will not work as written is said loudly, with file:line, at every load.
    const std::string hpc7a_warning = "warning: " + f.conf + ":2: hpc7a.96xlarge is not offered in us-east-1 (offered in "
                                      "eu-north-1, eu-west-1, eu-west-3, us-east-2); jobs are not routed to it";
    expect_log(*f.log, 1, Level::error, hpc7a_warning);
    f.log->lines.erase(f.log->lines.begin() + 1);

    // Nothing changed.
    ck_assert(!store.reload_if_changed());
    ck_assert(!store.reload_if_changed());
    ck_assert_ptr_eq(store.current().get(), first.get());
    ck_assert_uint_eq(f.log->size(), 1);

    // An edit.
    write_file(f.conf, kTwo);
    ck_assert(store.reload_if_changed());
    auto second = store.current();
    ck_assert_ptr_ne(second.get(), first.get());
    ck_assert_uint_eq(second->partitions.size(), 2);
    ck_assert_uint_eq(first->partitions.size(), 3);  // a reader's snapshot stays intact
    expect_log(*f.log, 1, Level::info, "loaded " + f.conf + ": 2 partitions, 152 instance types");

    // A bad edit: reported once with file:line, the previous config stays.
    write_file(f.conf, std::string("Region=us-east-1\nBogus=1\n") + kTwo);
    ck_assert(!store.reload_if_changed());
    ck_assert_ptr_eq(store.current().get(), second.get());
    ck_assert_uint_eq(f.log->size(), 3);
    expect_log(*f.log, 2, Level::error,
               f.conf + ":2: Bogus: unknown key (keeping the configuration loaded before)");
    ck_assert(!store.reload_if_changed());
    ck_assert_uint_eq(f.log->size(), 3);

    // The fix.
    write_file(f.conf, std::string("Region=us-east-1\n") + kThree);
    ck_assert(store.reload_if_changed());
    ck_assert_uint_eq(store.current()->partitions.size(), 3);
    expect_log(*f.log, 3, Level::info, "loaded " + f.conf + ": 3 partitions, 152 instance types");
    expect_log(*f.log, 4, Level::error,
               "warning: " + f.conf + ":3: hpc7a.96xlarge is not offered in us-east-1 (offered in eu-north-1, eu-west-1, "
               "eu-west-3, us-east-2); jobs are not routed to it");

    // slurm.conf is watched too.
    write_file(f.slurm, "PartitionName=graviton Nodes=g1 DefaultTime=1:00:00\n");
    ck_assert(store.reload_if_changed());
    ck_assert_uint_eq(store.current()->partitions[0].default_time->minutes, 60);
    ck_assert(!store.reload_if_changed());
}
END_TEST

START_TEST(reload_include_and_catalog) {
    Fixture f;
    write_file(f.conf, "Include parts.conf\nInstanceCatalog=prices.csv\n");
    write_file(f.dir + "/parts.conf", kThree);
    write_file(f.dir + "/prices.csv", "instance_type,region,spot_usd_per_hour\nhpc7g.16xlarge,us-east-1,0.5\n");
    ConfigStore store(f.conf, f.slurm, f.logger());  // no slurm.conf: fine
    ck_assert(store.reload_if_changed());
    ck_assert(!store.reload_if_changed());
    ck_assert_double_eq(*store.current()->partitions[0].types[0].usd_per_hour[1], 0.5);

    write_file(f.dir + "/parts.conf", kTwo);
    ck_assert(store.reload_if_changed());
    ck_assert_uint_eq(store.current()->partitions.size(), 2);

    write_file(f.dir + "/prices.csv", "instance_type,region,spot_usd_per_hour\nhpc7g.16xlarge,us-east-1,0.625\n");
    ck_assert(store.reload_if_changed());
    ck_assert_double_eq(*store.current()->partitions[0].types[0].usd_per_hour[1], 0.625);

    // A bad edit in the Include'd file, then its fix.
    write_file(f.dir + "/parts.conf", std::string("\n") + kTwo + "PartitionName=x\n");
    ck_assert(!store.reload_if_changed());
    expect_log(*f.log, f.log->size() - 1, Level::error,
               f.dir + "/parts.conf:4: InstanceTypes: partition x has no InstanceTypes (keeping the configuration loaded "
                       "before)");
    ck_assert_uint_eq(store.current()->partitions.size(), 2);
    write_file(f.dir + "/parts.conf", kThree);
    ck_assert(store.reload_if_changed());
    ck_assert_uint_eq(store.current()->partitions.size(), 3);

    // slurm.conf appearing later is noticed.
    write_file(f.slurm, "PartitionName=gpu Nodes=p1 Default=YES\n");
    ck_assert(store.reload_if_changed());
    EXPECT_STR(store.current()->default_partition, "gpu");
}
END_TEST

START_TEST(reload_when_missing_files_appear) {
    Fixture f;
    write_file(f.conf, std::string(kThree) + "Include later.conf\n");
    ConfigStore store(f.conf, f.slurm, f.logger());
    ck_assert(!store.reload_if_changed());
    expect_log(*f.log, 0, Level::error,
               f.conf + ":4: Include: cannot read " + f.dir + "/later.conf: No such file or directory (no configuration in "
                        "force)");
    ck_assert(!store.reload_if_changed());  // nothing changed: no new attempt, no new log line
    ck_assert_uint_eq(f.log->size(), 1);
    write_file(f.dir + "/later.conf", "RouteJobs=no\n");  // only the missing file appears
    ck_assert(store.reload_if_changed());
    ck_assert(!store.current()->route_jobs);

    // Same for a catalog named before it exists.
    write_file(f.conf, std::string(kThree) + "InstanceCatalog=prices.csv\n");
    ck_assert(!store.reload_if_changed());
    ck_assert(!store.current()->route_jobs);  // the last good configuration stays in force
    write_file(f.dir + "/prices.csv", "instance_type,region,spot_usd_per_hour\nhpc7g.16xlarge,us-east-1,0.5\n");
    ck_assert(store.reload_if_changed());
    ck_assert_double_eq(*store.current()->partitions[0].types[0].usd_per_hour[1], 0.5);
}
END_TEST

// An Include or catalog that names a FIFO or a device is a configuration
// error like any other: refused at once, the last good configuration kept.
START_TEST(reload_keeps_config_over_special_files) {
    Fixture f;
    write_file(f.conf, kThree);
    ConfigStore store(f.conf, f.slurm, f.logger());
    ck_assert(store.reload_if_changed());
    ck_assert_int_eq(mkfifo((f.dir + "/fifo.conf").c_str(), 0600), 0);
    write_file(f.conf, std::string(kTwo) + "Include fifo.conf\n");
    ck_assert(!store.reload_if_changed());
    expect_log(*f.log, f.log->size() - 1, Level::error,
               f.conf + ":3: Include: cannot read " + f.dir + "/fifo.conf: not a regular file (a FIFO) (keeping the "
                        "configuration loaded before)");
    write_file(f.conf, std::string(kTwo) + "InstanceCatalog=/dev/zero\n");
    ck_assert(!store.reload_if_changed());
    expect_log(*f.log, f.log->size() - 1, Level::error,
               f.conf + ":3: InstanceCatalog: cannot read /dev/zero: not a regular file (a character device) (keeping "
                        "the configuration loaded before)");
    ck_assert_uint_eq(store.current()->partitions.size(), 3);
}
END_TEST

START_TEST(reload_without_config) {
    Fixture f;
    ConfigStore store(f.conf, f.slurm, f.logger());
    ck_assert(!store.reload_if_changed());
    ck_assert_ptr_null(store.current().get());
    expect_log(*f.log, 0, Level::error,
               f.conf + ":0: cannot read " + f.conf + ": No such file or directory (no configuration in force)");
    ck_assert(!store.reload_if_changed());
    ck_assert_uint_eq(f.log->size(), 1);
    // A bad first file, then a good one.
    write_file(f.conf, "PartitionName=a InstanceTypes=zz.huge\n");
    ck_assert(!store.reload_if_changed());
    expect_log(*f.log, 1, Level::error,
               f.conf + ":1: InstanceTypes: unknown instance type: zz.huge (no configuration in force)");
    ck_assert_ptr_null(store.current().get());
    write_file(f.conf, kThree);
    ck_assert(store.reload_if_changed());
    ck_assert_ptr_nonnull(store.current().get());
}
END_TEST

START_TEST(watcher_picks_up_edits) {
    Fixture f;
    write_file(f.conf, std::string("ReloadInterval=1\n") + kThree);
    ConfigStore store(f.conf, f.slurm, f.logger());
    ck_assert(store.reload_if_changed());
    store.start_watching();
    store.start_watching();  // a second call is harmless
    write_file(f.conf, std::string("ReloadInterval=1\n") + kTwo);
    ck_assert_msg(wait_until([&] { return store.current()->partitions.size() == 2; }, 10),
                  "the watcher did not reload within 10 s");
    double took = seconds_to([&] { store.stop(); });
    ck_assert_msg(took < 0.5, "stop() took %.3f s", took);
    // Stopped: edits are no longer picked up by themselves.
    write_file(f.conf, std::string("ReloadInterval=1\n") + kThree);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ck_assert_uint_eq(store.current()->partitions.size(), 2);
    // And it can start again.
    store.start_watching();
    ck_assert(wait_until([&] { return store.current()->partitions.size() == 3; }, 10));
    store.stop();
    store.stop();  // idempotent
}
END_TEST

START_TEST(watcher_stops_promptly) {
    // No config loaded: the watcher polls every 10 s, stop() must not wait for it.
    Fixture f;
    {
        ConfigStore store(f.conf, f.slurm, f.logger());
        store.reload_if_changed();
        store.start_watching();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        double took = seconds_to([&] { store.stop(); });
        ck_assert_msg(took < 0.5, "stop() took %.3f s", took);
    }
    // The destructor stops a running watcher just as fast.
    write_file(f.conf, std::string("ReloadInterval=3600\n") + kThree);
    double took = seconds_to([&] {
        ConfigStore store(f.conf, f.slurm, f.logger());
        ck_assert(store.reload_if_changed());
        store.start_watching();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    });
    ck_assert_msg(took < 1.0, "~ConfigStore took %.3f s", took);
    // ReloadInterval=0: no watcher at all.
    write_file(f.conf, std::string("ReloadInterval=0\n") + kThree);
    ConfigStore store(f.conf, f.slurm, f.logger());
    ck_assert(store.reload_if_changed());
    store.start_watching();
    write_file(f.conf, std::string("ReloadInterval=0\n") + kTwo);
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    ck_assert_uint_eq(store.current()->partitions.size(), 3);
    took = seconds_to([&] { store.stop(); });
    ck_assert(took < 0.5);
}
END_TEST

Suite* store_suite() {
    Suite* s = suite_create("config_store");
    TCase* tc = make_tcase("reload");
    tcase_add_test(tc, reload_cycle);
    tcase_add_test(tc, reload_include_and_catalog);
    tcase_add_test(tc, reload_when_missing_files_appear);
    tcase_add_test(tc, reload_without_config);
    tcase_add_test(tc, reload_keeps_config_over_special_files);
    suite_add_tcase(s, tc);
    tc = make_tcase("watcher");
    tcase_add_test(tc, watcher_picks_up_edits);
    tcase_add_test(tc, watcher_stops_promptly);
    suite_add_tcase(s, tc);
    return s;
}
