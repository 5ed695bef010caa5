// Holds the live Config and swaps in a new one when stratus.conf, one of its
// Includes or catalogs, or slurm.conf changes on disk. Readers never block
// and never do I/O: current() is an atomic shared_ptr load. A file that
// fails to parse is reported once (file:line) and the last good Config
// stays in force.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config.hpp"

namespace stratus {

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

    // Polls for changes in a background thread every ReloadInterval seconds
    // (the fallback is 10 s while no config is loaded). No-op when
    // ReloadInterval=0. stop() joins the thread.
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

    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;
    bool stopping_ = false;
    std::thread watcher_;
};

}  // namespace stratus
