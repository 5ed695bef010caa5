#include "burst_tool.hpp"

#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "conf_reader.hpp"
#include "error.hpp"
#include "text.hpp"

namespace stratus::tools {

void prepare_process_environment() {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!getenv("HOME")) {
        struct passwd pw, *found = nullptr;
        char buf[4096];
        if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &found) == 0 && found && found->pw_dir)
            setenv("HOME", found->pw_dir, 0);
    }
    if (!getenv("PATH")) setenv("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin", 0);
}

uint32_t slurm_resume_timeout(const std::string& slurm_conf) {
    uint32_t global = 60, partitions = 0;
    try {
        read_conf_file(
            slurm_conf,
            [&](const ConfLine& l) {
                for (const ConfWord& w : l.words) {
                    if (!iequals(w.key, "ResumeTimeout")) continue;
                    auto v = parse_u64(w.value);
                    if (!v || *v > 86400 * 7) continue;
                    if (iequals(l.words[0].key, "PartitionName")) partitions = std::max<uint32_t>(partitions, static_cast<uint32_t>(*v));
                    else global = static_cast<uint32_t>(*v);
                }
            },
            nullptr, false);
    } catch (const ConfigError&) {
    }
    return std::max(global, partitions);
}

aws::ClientConfig ec2_client_config(const Config& cfg, burst::BurstLog& log) {
    aws::SessionOptions so;
    so.region = cfg.region;
    aws::ClientConfig c = aws::make_client_config(so);
    c.endpoint = cfg.burst.ec2_endpoint;
    c.timeout = std::chrono::seconds(30);
    c.on_retry = [&log](const std::string& msg) { log.warning(msg); };
    return c;
}

void apply_test_hooks(burst::BurstContext& ctx) {
    if (const char* exit_after = getenv("STRATUS_TEST_EXIT_AFTER"); exit_after && *exit_after) {
        std::string point = exit_after;
        ctx.log.warning("TEST ONLY: STRATUS_TEST_EXIT_AFTER=" + point + ": the process ends there");
        burst::BurstLog* log = &ctx.log;
        ctx.checkpoint = [point, log](const char* at) {
            if (point != at) return;
            log->warning(std::string("TEST ONLY: exiting after ") + at + " (STRATUS_TEST_EXIT_AFTER)");
            _exit(3);
        };
    }
    if (const char* addr = getenv("STRATUS_TEST_NODE_ADDR"); addr && *addr) {
        ctx.node_addr_override = addr;
        ctx.log.warning(std::string("TEST ONLY: STRATUS_TEST_NODE_ADDR=") + addr + ": NodeAddr of every node");
    }
}

}  // namespace stratus::tools
