#include "config_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>

#include "error.hpp"

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

void ConfigStore::start_watching() {
    auto cfg = current();
    if (cfg && cfg->reload_interval_s == 0) return;
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
            if (interval == 0) return;
            if (stop_cv_.wait_for(lock, std::chrono::seconds(interval), [this] { return stopping_; })) return;
            lock.unlock();
            reload_if_changed();
            lock.lock();
        }
    } catch (...) {
        // Nothing here throws in practice (the mutex could, in theory): the
        // watcher just ends; the loaded config stays in force.
    }
}

}  // namespace stratus
