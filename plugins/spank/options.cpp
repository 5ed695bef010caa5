// Option registration and plugstack.conf arguments (every context).

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "firewall.hpp"
#include "slurm_exports.h"
#include "spank_stratus.hpp"
#include "text.hpp"

namespace stratus::spank {

Settings& settings() {
    static Settings s = [] {
        Settings fresh;
        fresh.from_cli.resize(option_specs().size());
        fresh.from_plugstack.resize(option_specs().size());
        return fresh;
    }();
    return s;
}

namespace {

constexpr int kDryRunVal = 100;  // option val for --stratus-dry-run; others use their index

void log_exception(const char* where, const char* what) noexcept { slurm_error("stratus: %s: %s", where, what); }

// Option callback: validates now so a bad value stops sbatch before anything
// is submitted, and stores it. Idempotent: Slurm may call it twice.
int option_cb(int val, const char* optarg, int /*remote*/) {
    return guarded("option", -1, log_exception, [&] {
        if (val == kDryRunVal) {
            settings().dry_run = true;
            return 0;
        }
        const auto& specs = option_specs();
        if (val < 0 || static_cast<size_t>(val) >= specs.size()) return -1;
        JobRequest scratch;
        if (auto err = apply_option(scratch, specs[static_cast<size_t>(val)].id, optarg ? optarg : "")) {
            slurm_error("%s", err->c_str());
            return -1;
        }
        settings().from_cli[static_cast<size_t>(val)] = optarg ? optarg : "";
        return 0;
    });
}

// Help texts must outlive the plugin's use of them: keep them in statics.
std::vector<std::string>& help_texts() {
    static std::vector<std::string> texts;
    return texts;
}

int parse_plugstack_arg(const std::string& arg) {
    size_t eq = arg.find('=');
    std::string key = arg.substr(0, eq), value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    Settings& s = settings();
    auto yes_no = [&](auto& field) {
        std::optional<bool> b = parse_bool(value);
        if (!b) {
            slurm_error("stratus: plugstack.conf: %s: expected yes or no: %s", key.c_str(), value.c_str());
            return -1;
        }
        field = *b;
        return 0;
    };
    if (eq == std::string::npos || value.empty()) {
        slurm_error("stratus: plugstack.conf: expected key=value: %s", arg.c_str());
        return -1;
    }
    if (key == "conf") { s.conf = value; return 0; }
    if (key == "enforce") return yes_no(s.enforce);
    if (key == "show_estimate") return yes_no(s.show_estimate);
    if (key == "arch_guard") return yes_no(s.arch_guard);
    if (key == "imds") return yes_no(s.imds);
    const auto& specs = option_specs();
    for (size_t i = 0; i < specs.size(); ++i) {
        std::string name = specs[i].name;  // defaults for options: arch=, instance-type=, cost-center=...
        std::string underscored = name;
        for (char& c : underscored)
            if (c == '-') c = '_';
        if (key != name && key != underscored) continue;
        JobRequest scratch;
        if (auto err = apply_option(scratch, specs[i].id, value)) {
            slurm_error("%s (from plugstack.conf)", err->c_str());
            return -1;
        }
        s.from_plugstack[i] = value;
        return 0;
    }
    slurm_error("stratus: plugstack.conf: unknown argument: %s", arg.c_str());
    return -1;
}

}  // namespace

int register_options(spank_t sp, int ac, char** av) {
    for (int i = 0; i < ac; ++i)
        if (parse_plugstack_arg(av[i] ? av[i] : "") != 0) return -1;

    const auto& specs = option_specs();
    std::vector<std::string>& texts = help_texts();
    texts.clear();
    texts.reserve(specs.size() + 1);
    static std::vector<struct spank_option> opts;
    opts.clear();
    for (size_t i = 0; i < specs.size(); ++i) {
        texts.push_back(std::string("[stratus] ") + specs[i].help + " (env " + specs[i].env + ")");
        opts.push_back({const_cast<char*>(specs[i].name), const_cast<char*>(specs[i].arginfo),
                        const_cast<char*>(texts.back().c_str()), 1, static_cast<int>(i), option_cb});
    }
    texts.push_back("[stratus] Print where the job would go and its cost estimate; submit nothing");
    opts.push_back({const_cast<char*>("stratus-dry-run"), nullptr, const_cast<char*>(texts.back().c_str()), 0,
                    kDryRunVal, option_cb});
    for (struct spank_option& o : opts) {
        spank_err_t rc = spank_option_register(sp, &o);
        if (rc != ESPANK_SUCCESS) {
            slurm_error("stratus: cannot register --%s: %s", o.name, spank_strerror(rc));
            return -1;
        }
    }
    return 0;
}

std::optional<std::string> resolve_options(JobRequest& req, const EnvLookup& env,
                                           std::vector<ResolvedOption>* resolved) {
    const auto& specs = option_specs();
    const Settings& s = settings();
    for (size_t i = 0; i < specs.size(); ++i) {
        std::optional<std::string> value = s.from_cli[i];
        std::string source;
        if (!value && (value = env(specs[i].env))) source = std::string(" (from ") + specs[i].env + ")";
        if (!value && (value = s.from_plugstack[i])) source = " (from plugstack.conf)";
        if (!value) continue;
        if (auto err = apply_option(req, specs[i].id, *value)) return *err + source;
        if (resolved) resolved->push_back({&specs[i], *value});
    }
    return std::nullopt;
}

std::string slurm_conf_path() { return default_slurm_conf_path(STRATUS_SLURM_CONFDIR); }

std::string stratus_conf_path() {
    // $STRATUS_CONF > plugstack conf= > next to slurm.conf
    const char* env = std::getenv("STRATUS_CONF");
    if ((!env || !*env) && !settings().conf.empty()) return settings().conf;
    return default_stratus_conf_path(STRATUS_SLURM_CONFDIR);
}

}  // namespace stratus::spank
