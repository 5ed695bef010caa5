// Holds the live Config and swaps in a new one when stratus.conf, one of its
// Includes or catalogs, or slurm.conf changes on disk. Readers never block
// and never do I/O: current() is an atomic shared_ptr load. A file that
// fails to parse is reported once (file:line) and the last good Config
// stays in force.
//
// When stratus.conf declares budgets, the store also keeps the spend
// snapshot (spend_snapshot.hpp) in memory the same way: the watcher re-reads
// it when it changes on disk, keeps the last good one when a new one does
// not parse, and logs when it goes missing or stale. And it keeps the spend
// ledger (budget_check.hpp) of what was accepted since the snapshot read
// slurmctld's jobs: a loaded snapshot ends the holds it counts, and the
// watcher keeps a copy in StateDir/ledger.json (read once at start, so a
// restarted slurmctld holds them again).
#pragma once

#include <condition_variable>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "budget_check.hpp"
#include "config.hpp"
#include "spend_snapshot.hpp"

namespace stratus {

// What the ledger keeps held from before a snapshot read slurmctld's jobs.
inline constexpr std::time_t kLedgerOverlapSeconds = 5;

class ConfigStore {
public:
    enum class Level { info, error };
    // Must not throw.
    using Logger = std::function<void(Level, const std::string&)>;

    ConfigStore(std::string stratus_conf, std::string slurm_conf, Logger log);
    ~ConfigStore();  // stops the watcher
    ConfigStore(const ConfigStore&) = delete;
    ConfigStore& operator=(const ConfigStore&) = delete;

    // Reloads if any watched file changed since the last attempt (or nothing
    // was ever loaded). Returns true when a new Config took effect. Never
    // throws; errors are logged.
    bool reload_if_changed() noexcept;

    // The Config in force; nullptr until a file loaded successfully.
    std::shared_ptr<const Config> current() const noexcept;

    // The spend snapshot in force; nullptr until one was looked for (never
    // while the config declares no budgets). An atomic load: no I/O.
    std::shared_ptr<const SpendState> spend() const noexcept;

    // Re-reads the spend snapshot of the config in force if the file (or
    // its path) changed since the last look, and logs when it goes missing,
    // fails to parse, or becomes stale at `now`. Returns true when a new
    // snapshot took effect. Does nothing while no budget is declared. Never
    // throws; errors are logged.
    bool reload_spend_if_changed(std::time_t now) noexcept;

    // What job_submit/stratus holds against budgets until the next snapshot.
    SpendLedger& ledger() noexcept { return ledger_; }

    // Polls for changes in a background thread every ReloadInterval seconds
    // (the fallback is 10 s while no config is loaded), the spend snapshot
    // included. No-op when ReloadInterval=0, unless budgets are declared:
    // then only the snapshot is polled, every 10 s. stop() joins the thread.
    void start_watching();
    void stop() noexcept;

private:
    struct Stamp;
    std::vector<Stamp> stamp(const std::vector<std::string>& files) const;
    void watch_loop() noexcept;

    const std::string stratus_conf_, slurm_conf_;
    const Logger log_;
    std::shared_ptr<const Config> current_;
    std::mutex reload_mutex_;  // one reload at a time
    std::vector<std::string> watched_;
    std::vector<Stamp> stamps_;
    bool attempted_ = false;

    std::shared_ptr<const SpendState> spend_;
    std::unique_ptr<Stamp> spend_stamp_;  // of spend_->path when last read
    std::string spend_logged_;            // the last snapshot condition logged

    SpendLedger ledger_;
    bool ledger_read_ = false;    // StateDir/ledger.json read (once, at the first snapshot look)
    std::string ledger_written_;  // what was written there last
    std::string ledger_logged_;   // the last problem keeping it logged
    void keep_ledger(const Config& cfg) noexcept;

    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;
    bool stopping_ = false;
    std::thread watcher_;
};

}  // namespace stratus
