#include "config_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "error.hpp"
#include "file.hpp"

namespace stratus {

struct ConfigStore::Stamp {
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    struct timespec mtime = {0, 0};
    bool operator==(const Stamp& o) const {
        return exists == o.exists && dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
               mtime.tv_nsec == o.mtime.tv_nsec;
    }
};

namespace {
// The watcher's copy of the spend ledger (job_submit_stratus(8)).
std::string ledger_path(const Config& cfg) { return cfg.burst.state_dir + "/ledger.json"; }
}  // namespace

ConfigStore::ConfigStore(std::string stratus_conf, std::string slurm_conf, Logger log)
    : stratus_conf_(std::move(stratus_conf)), slurm_conf_(std::move(slurm_conf)), log_(std::move(log)) {}

ConfigStore::~ConfigStore() { stop(); }

std::vector<ConfigStore::Stamp> ConfigStore::stamp(const std::vector<std::string>& files) const {
    std::vector<Stamp> out;
    out.reserve(files.size());
    for (const std::string& f : files) {
        Stamp s;
        struct stat st;
        if (::stat(f.c_str(), &st) == 0) {
            s.exists = true;
            s.dev = st.st_dev;
            s.ino = st.st_ino;
            s.size = st.st_size;
            s.mtime = st.st_mtim;
        }
        out.push_back(s);
    }
    return out;
}

bool ConfigStore::reload_if_changed() noexcept {
    try {
        std::lock_guard<std::mutex> lock(reload_mutex_);
        if (attempted_ && stamp(watched_) == stamps_) return false;
        attempted_ = true;
        // Stamp before reading, so an edit made while we read is seen next time.
        std::vector<std::string> files = watched_.empty() ? std::vector<std::string>{stratus_conf_, slurm_conf_} : watched_;
        std::vector<Stamp> before = stamp(files);
        try {
            auto cfg = std::make_shared<const Config>(load_config(stratus_conf_, slurm_conf_));
            watched_ = cfg->files;
            if (std::find(watched_.begin(), watched_.end(), slurm_conf_) == watched_.end()) watched_.push_back(slurm_conf_);
            stamps_ = (watched_ == files) ? before : stamp(watched_);
            std::atomic_store(&current_, cfg);
            log_(Level::info, "loaded " + stratus_conf_ + ": " + std::to_string(cfg->partitions.size()) +
                                  " partitions, " + std::to_string(cfg->catalog->types().size()) + " instance types");
            for (const std::string& w : cfg->warnings) log_(Level::error, "warning: " + w);
            return true;
        } catch (const ConfigError& e) {
            // Watch the file at fault too, and a missing one, so that fixing
            // or creating it triggers a reload.
            for (const std::string& f : {e.file(), e.unreadable_file()}) {
                if (f.empty() || std::find(files.begin(), files.end(), f) != files.end()) continue;
                files.push_back(f);
                before.push_back(stamp({f}).front());
            }
            watched_ = files;
            stamps_ = before;
            log_(Level::error, std::string(e.what()) +
                                   (current() ? " (keeping the configuration loaded before)" : " (no configuration in force)"));
        }
    } catch (const std::exception& e) {
        log_(Level::error, std::string("reloading ") + stratus_conf_ + ": " + e.what());
    }
    return false;
}

std::shared_ptr<const Config> ConfigStore::current() const noexcept { return std::atomic_load(&current_); }

std::shared_ptr<const SpendState> ConfigStore::spend() const noexcept { return std::atomic_load(&spend_); }

bool ConfigStore::reload_spend_if_changed(std::time_t now) noexcept {
    try {
        std::lock_guard<std::mutex> lock(reload_mutex_);
        auto cfg = current();
        if (!cfg || cfg->budget.budgets.empty()) return false;
        std::string path = cfg->spend_snapshot_path();
        Stamp now_stamp = stamp({path}).front();
        auto old = spend();
        bool changed = !old || old->path != path || !spend_stamp_ || !(*spend_stamp_ == now_stamp);
        bool loaded = false;
        if (!ledger_read_) {
            ledger_read_ = true;
            std::string lpath = ledger_path(*cfg);
            ledger_written_ = ledger_.json();  // nothing to write until something is held
            try {
                ledger_.load(read_regular_file(lpath));
                ledger_written_ = ledger_.json();
                log_(Level::info, "spend ledger " + lpath + ": holding " + std::to_string(ledger_.size()) +
                                      " accepted estimate(s) until a spend snapshot counts them");
            } catch (const FileReadError& e) {
                if (e.error_number() != ENOENT) log_(Level::error, std::string(e.what()) + " (starting with an empty spend ledger)");
            } catch (const std::runtime_error& e) {
                log_(Level::error, lpath + ": " + e.what() + " (starting with an empty spend ledger)");
            }
        }
        if (changed) {
            auto st = std::make_shared<const SpendState>(load_spend_state(path, old.get()));
            spend_stamp_ = std::make_unique<Stamp>(now_stamp);
            loaded = st->problem.empty();
            std::atomic_store(&spend_, st);
            if (loaded) {
                // The snapshot's commitments count what was accepted before it
                // read the jobs; a job accepted in the seconds before may not
                // have been created yet then, so those stay held (counted twice
                // at worst, until the next snapshot).
                if (st->snapshot->jobs_read_at) ledger_.prune(*st->snapshot->jobs_read_at - kLedgerOverlapSeconds);
                log_(Level::info, "loaded spend snapshot " + path + " (generated " + format_utc(st->snapshot->generated_at) +
                                      ", " + std::to_string(st->snapshot->periods.size()) +
                                      (st->snapshot->periods.size() == 1 ? " period)" : " periods)"));
            }
        }
        keep_ledger(*cfg);
        // Say once what is wrong with the snapshot, and once when it is fine again.
        auto st = spend();
        std::string condition;
        bool unenforced = false;
        if (!st->snapshot) {
            condition = st->problem.empty() ? "no spend snapshot at " + path : st->problem;
            unenforced = true;
        } else {
            const SpendSnapshot& snap = *st->snapshot;
            bool stale = spend_snapshot_stale(snap, now, cfg->budget.snapshot_max_age_s);
            std::string generated = format_utc(snap.generated_at);
            if (!st->problem.empty()) {
                condition = st->problem + " (keeping the snapshot generated " + generated + (stale ? ", which is stale)" : ")");
            } else if (stale) {
                condition = "spend snapshot " + path + " is stale: generated " + generated +
                            ", more than SpendSnapshotMaxAge=" + std::to_string(cfg->budget.snapshot_max_age_s) + " s ago";
            }
            unenforced = stale;
            if (!stale)
                for (const Budget& b : cfg->budget.budgets) {
                    auto w = period_window(b.period, now);
                    if (!w || snap.find(*w)) continue;
                    condition += (condition.empty() ? "" : "; ") + ("spend snapshot " + path + " (generated " + generated +
                                                                   ") has no figures for " + format_day(w->first) + ".." +
                                                                   format_day(w->last));
                    unenforced = true;
                    break;
                }
        }
        if (unenforced)
            condition += cfg->budget.refuse_on_stale ? "; jobs covered by a budget are refused (BudgetOnStale=refuse)"
                                                     : "; budgets are not enforced (BudgetOnStale=allow)";
        if (!condition.empty() && condition != spend_logged_) {
            log_(Level::error, condition);
        } else if (condition.empty() && !spend_logged_.empty()) {
            log_(Level::info, "spend snapshot " + path + " is current again (generated " +
                                  format_utc(st->snapshot->generated_at) + ")");
        }
        spend_logged_ = condition;
        return loaded;
    } catch (const std::exception& e) {
        log_(Level::error, std::string("reading the spend snapshot: ") + e.what());
    }
    return false;
}

// The watcher's copy of the ledger, off the submit path: written when it
// changed, atomically; a failure is logged once until it works again.
void ConfigStore::keep_ledger(const Config& cfg) noexcept {
    try {
        std::string path = ledger_path(cfg);
        std::string text = ledger_.json();
        if (text == ledger_written_) return;
        write_file_atomically(path, text, 0600);
        ledger_written_ = std::move(text);
        ledger_logged_.clear();
    } catch (const std::exception& e) {
        std::string problem = std::string(e.what()) + ": a restarted slurmctld would not hold what was accepted since the last spend snapshot";
        if (problem != ledger_logged_) log_(Level::error, problem);
        ledger_logged_ = std::move(problem);
    }
}

void ConfigStore::start_watching() {
    auto cfg = current();
    if (cfg && cfg->reload_interval_s == 0 && cfg->budget.budgets.empty()) return;
    std::lock_guard<std::mutex> lock(stop_mutex_);
    if (watcher_.joinable()) return;
    stopping_ = false;
    watcher_ = std::thread([this] { watch_loop(); });
}

void ConfigStore::stop() noexcept {
    {
        std::lock_guard<std::mutex> lock(stop_mutex_);
        stopping_ = true;
    }
    stop_cv_.notify_all();
    if (watcher_.joinable() && watcher_.get_id() != std::this_thread::get_id()) watcher_.join();
}

void ConfigStore::watch_loop() noexcept {
    try {
        std::unique_lock<std::mutex> lock(stop_mutex_);
        while (!stopping_) {
            auto cfg = current();
            uint32_t interval = cfg ? cfg->reload_interval_s : 10;
            bool budgets = cfg && !cfg->budget.budgets.empty();
            if (interval == 0 && !budgets) return;
            if (stop_cv_.wait_for(lock, std::chrono::seconds(interval ? interval : 10), [this] { return stopping_; }))
                return;
            lock.unlock();
            if (interval != 0) reload_if_changed();
            reload_spend_if_changed(std::time(nullptr));
            lock.lock();
        }
    } catch (...) {
        // Nothing here throws in practice (the mutex could, in theory): the
        // watcher just ends; the loaded config stays in force.
    }
}

}  // namespace stratus
