#include "slurm_host_options.hpp"

#include <dlfcn.h>
#include <getopt.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "slurm_exports.h"

namespace stratus::spank {

namespace {

template <class Fn>
Fn lookup(const char* name) noexcept {
    return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

std::vector<std::string> own_argv() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> args;
    size_t start = 0;
    while (start < all.size()) {
        size_t end = all.find('\0', start);
        if (end == std::string::npos) end = all.size();
        args.push_back(all.substr(start, end - start));
        start = end + 1;
    }
    return args;
}

// The long option `name` (no dashes, no "=value") matches, as getopt_long
// does: exactly, or as the unique prefix of one option.
const struct option* find_long(const struct option* table, const std::string& name) {
    const struct option* prefix_match = nullptr;
    int prefix_matches = 0;
    for (const struct option* o = table; o->name; ++o) {
        if (name == o->name) return o;
        if (std::strncmp(o->name, name.c_str(), name.size()) == 0) {
            prefix_match = o;
            ++prefix_matches;
        }
    }
    return prefix_matches == 1 ? prefix_match : nullptr;
}

// Index of the first operand in args (getopt_long with a leading '+':
// scanning stops at the first non-option), or args.size().
size_t first_operand(const std::vector<std::string>& args, const struct option* table, const std::string& shorts) {
    size_t i = 1;
    while (i < args.size()) {
        const std::string& a = args[i];
        if (a == "--") return i + 1;
        if (a.size() < 2 || a[0] != '-') return i;
        if (a[1] == '-') {
            size_t eq = a.find('=');
            const struct option* o = find_long(table, a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2));
            i += (o && o->has_arg == required_argument && eq == std::string::npos) ? 2 : 1;
            continue;
        }
        size_t next = i + 1;
        for (size_t c = 1; c < a.size(); ++c) {
            size_t at = shorts.find(a[c]);
            if (at == std::string::npos || a[c] == ':' || at + 1 >= shorts.size() || shorts[at + 1] != ':') continue;
            bool optional = at + 2 < shorts.size() && shorts[at + 2] == ':';
            if (c + 1 == a.size() && !optional) next = i + 2;  // "-N 2": the value is the next word
            break;                                             // the rest of the word is the value
        }
        i = next;
    }
    return args.size();
}

}  // namespace

std::optional<HostOptions> HostOptions::bind() noexcept {
    void* opt = dlsym(RTLD_DEFAULT, "opt");
    Fns fns{lookup<CreateFn>("slurm_opt_create_job_desc"), lookup<FreeFn>("slurm_free_job_desc_msg"),
            lookup<SetFn>("slurm_option_set"), lookup<TableFn>("slurm_option_table_create"),
            lookup<TableFreeFn>("slurm_option_table_destroy")};
    if (!opt || !fns.create || !fns.free || !fns.set || !fns.table || !fns.table_free) return std::nullopt;
    return HostOptions(opt, fns);
}

// slurm_opt_create_job_desc() copies every string of the command's options
// into the job description but one: submit_line is the command's own
// (opt.submit_line, in 22.05 to 26.05), which it sends to slurmctld after
// this plugin returns. Freeing it here made sbatch, salloc and srun send
// freed memory.
void HostOptions::DescDeleter::operator()(job_desc_msg_t* d) const noexcept {
    if (!d) return;
    d->submit_line = nullptr;
    free_(d);
}

// libslurm's allocations abort when memory runs out: NULL is its refusal
// of the options, never a lack of memory. With the defaults the command
// itself fills in when it submits (set_defaults), so that the job judged
// here is the one slurmctld's job_submit/stratus will see.
HostOptions::JobDesc HostOptions::job_desc() const {
    return JobDesc(fns_.create(opt_, true), DescDeleter(fns_.free));
}

bool HostOptions::set(const char* name, const char* value) const noexcept {
    return fns_.set(opt_, name, value, false) == SLURM_SUCCESS;
}

std::optional<std::string> HostOptions::command() const {
    char* shorts = nullptr;
    struct option* table = fns_.table(opt_, &shorts);
    if (!table) return std::nullopt;
    std::string short_spec = shorts ? shorts : "";
    std::vector<std::string> args = own_argv();
    size_t at = first_operand(args, table, short_spec);
    fns_.table_free(table);
    slurm_xfree(reinterpret_cast<void**>(&shorts));
    if (at >= args.size()) return std::nullopt;
    return args[at];
}

}  // namespace stratus::spank
