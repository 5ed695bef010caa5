#include "job_tags.hpp"

#include <exception>

#include "conf_reader.hpp"
#include "error.hpp"
#include "hostlist.hpp"
#include "node_instance.hpp"
#include "text.hpp"

namespace stratus {

JobTagFacts job_tag_facts(const EnvLookupFn& env) {
    auto get = [&](const char* name) { return env(name).value_or(""); };
    JobTagFacts f;
    f.context_name = get("SLURM_SCRIPT_CONTEXT");
    if (f.context_name == "prolog_slurmd") f.context = ScriptContext::prolog;
    else if (f.context_name == "epilog_slurmd") f.context = ScriptContext::epilog;
    f.job_id = get("SLURM_JOB_ID");
    if (f.job_id.empty()) f.job_id = get("SLURM_JOBID");
    f.user = get("SLURM_JOB_USER");
    f.account = get("SLURM_JOB_ACCOUNT");
    f.partition = get("SLURM_JOB_PARTITION");
    f.cost_center = get("SPANK_STRATUS_COST_CENTER");
    f.node = get("SLURMD_NODENAME");
    f.nodelist = get("SLURM_JOB_NODELIST");
    if (f.nodelist.empty()) f.nodelist = get("SLURM_NODELIST");
    if (auto n = parse_u64(get("SLURM_JOB_NUM_NODES")); n && *n <= 0xffffffffu) f.num_nodes = static_cast<uint32_t>(*n);
    f.cpus_per_node = get("SLURM_JOB_CPUS_PER_NODE");
    return f;
}

std::optional<std::vector<uint32_t>> expand_cpus_per_node(std::string_view text, size_t max_nodes) {
    std::vector<uint32_t> out;
    std::string_view rest = trim(text);
    if (rest.empty()) return std::nullopt;
    for (const std::string& item : split_list(rest)) {
        std::string_view v = item;
        uint64_t repeat = 1;
        size_t paren = v.find('(');
        if (paren != std::string_view::npos) {
            if (v.size() < paren + 4 || v.substr(paren, 2) != "(x" || v.back() != ')') return std::nullopt;
            auto r = parse_u64(v.substr(paren + 2, v.size() - paren - 3));
            if (!r || *r == 0 || *r > max_nodes) return std::nullopt;
            repeat = *r;
            v = v.substr(0, paren);
        }
        auto n = parse_u64(v);
        if (!n || *n > 0xffffffffu || out.size() + repeat > max_nodes) return std::nullopt;
        out.insert(out.end(), repeat, static_cast<uint32_t>(*n));
    }
    return out;
}

std::optional<uint32_t> job_cpus_on_node(const JobTagFacts& f) {
    auto cpus = expand_cpus_per_node(f.cpus_per_node);
    if (!cpus || cpus->empty()) return std::nullopt;
    bool uniform = true;
    for (uint32_t c : *cpus) uniform = uniform && c == cpus->front();
    // Every node has the same count: no need to find ours (nor to trust the list).
    if (uniform) return cpus->front();
    std::vector<std::string> nodes;
    try {
        nodes = hostlist_expand(f.nodelist);
    } catch (const HostlistError&) {
        return std::nullopt;
    }
    if (nodes.size() != cpus->size()) return std::nullopt;
    for (size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i] == f.node) return (*cpus)[i];
    return std::nullopt;
}

std::optional<uint32_t> slurm_node_cpus(const std::string& slurm_conf, const std::string& node) {
    struct Counts {
        std::optional<uint64_t> cpus, boards, sockets, cores, threads;
        void read(const ConfWord& w) {
            auto n = parse_u64(w.value);
            if (!n) return;
            if (iequals(w.key, "CPUs") || iequals(w.key, "Procs")) cpus = n;
            else if (iequals(w.key, "Boards")) boards = n;
            else if (iequals(w.key, "Sockets")) sockets = n;
            else if (iequals(w.key, "CoresPerSocket")) cores = n;
            else if (iequals(w.key, "ThreadsPerCore")) threads = n;
        }
    };
    Counts defaults;
    std::optional<Counts> found;
    try {
        read_conf_file(
            slurm_conf,
            [&](const ConfLine& l) {
                if (found || !iequals(l.words[0].key, "NodeName") || !l.words[0].has_value) return;
                bool is_default = iequals(l.words[0].value, "DEFAULT");
                if (!is_default && !hostlist_contains(l.words[0].value, node)) return;
                Counts c = defaults;
                for (size_t i = 1; i < l.words.size(); ++i) c.read(l.words[i]);
                if (is_default) defaults = c;
                else found = c;
            },
            nullptr, false);
    } catch (const ConfigError&) {
        // slurm.conf is Slurm's to judge; use what was read.
    }
    if (!found) return std::nullopt;
    uint64_t n = 0;
    if (found->cpus) n = *found->cpus;
    else if (found->sockets || found->cores || found->threads || found->boards)
        n = found->boards.value_or(1) * found->sockets.value_or(1) * found->cores.value_or(1) * found->threads.value_or(1);
    if (n == 0 || n > 0xffffffffu) return std::nullopt;
    return static_cast<uint32_t>(n);
}

Exclusivity job_exclusivity(const JobTagFacts& f, std::optional<uint32_t> node_cpus) {
    Exclusivity e;
    std::optional<uint32_t> held = job_cpus_on_node(f);
    std::string job = "job " + f.job_id;
    if (!held) {
        e.why = "cannot tell how many CPUs " + job + " has on node " + f.node + " (SLURM_JOB_CPUS_PER_NODE=" +
                f.cpus_per_node + ", SLURM_JOB_NODELIST=" + f.nodelist + ")";
        return e;
    }
    if (!node_cpus) {
        e.why = "the CPU count of node " + f.node + " is unknown (no CPUs= for it in slurm.conf, instance type unknown)";
        return e;
    }
    e.exclusive = *held >= *node_cpus;
    e.why = job + " has " + std::to_string(*held) + " of the " + std::to_string(*node_cpus) + " CPUs of node " + f.node;
    if (!e.exclusive) e.why += ": it shares the node";
    return e;
}

namespace {

const char* const kTagKeys[] = {"stratus:job-id", "stratus:user", "stratus:account", "stratus:cost-center",
                                "stratus:partition"};

std::string tag_value(const std::string& v) {
    if (v.size() <= kTagValueMax) return v;
    // Cut on a UTF-8 character boundary.
    size_t n = kTagValueMax;
    while (n > 0 && (static_cast<unsigned char>(v[n]) & 0xC0) == 0x80) --n;
    return v.substr(0, n);
}

std::string tags_text(const std::vector<JobTag>& tags) {
    std::string s;
    for (const JobTag& t : tags) s += (s.empty() ? "" : " ") + t.first + "=" + t.second;
    return s;
}

}  // namespace

std::vector<JobTag> job_tags(const JobTagFacts& f) {
    const std::string* values[] = {&f.job_id, &f.user, &f.account, &f.cost_center, &f.partition};
    std::vector<JobTag> tags;
    for (size_t i = 0; i < 5; ++i) tags.emplace_back(kTagKeys[i], tag_value(*values[i]));
    return tags;
}

std::vector<JobTag> cleared_job_tags() {
    std::vector<JobTag> tags;
    for (const char* key : kTagKeys) tags.emplace_back(key, "");
    return tags;
}

TagRunResult run_job_tagging(const JobTagFacts& f, TagTarget& target, const TagRunOptions& o) {
    TagRunResult r;
    auto failed = [&](const std::string& why) {
        r.action = TagRunResult::Action::failed;
        r.exit_code = o.fail_on_error ? 1 : 0;
        r.log.push_back(why + (o.fail_on_error ? " (TagFailure=fail: failing the " : " (TagFailure=ignore: the ") +
                        (f.context == ScriptContext::epilog ? "epilog" : "prolog") +
                        (o.fail_on_error ? ")" : " goes on)"));
        return r;
    };
    if (f.context == ScriptContext::other)
        return failed("not run as slurmd's Prolog or Epilog (SLURM_SCRIPT_CONTEXT=" + f.context_name + ")");
    if (f.job_id.empty()) return failed("no SLURM_JOB_ID in the environment");
    try {
        std::optional<uint32_t> node_cpus = o.node_cpus;
        std::string type_note;
        if (!node_cpus && o.catalog) {
            if (auto type = target.instance_type()) {
                if (const InstanceType* t = o.catalog->find(*type)) node_cpus = t->vcpus;
                else type_note = " (instance type " + *type + " is not in the catalog)";
            }
        }
        Exclusivity e = job_exclusivity(f, node_cpus);
        if (!e.exclusive) {
            r.action = TagRunResult::Action::shared_node;
            r.log.push_back(e.why + type_note + ": instance not tagged");
            return r;
        }
        r.instance_id = target.instance_id();
        if (f.context == ScriptContext::prolog) {
            std::vector<JobTag> tags = job_tags(f);
            target.create_tags(r.instance_id, tags);
            r.action = TagRunResult::Action::tagged;
            r.log.push_back(e.why + ": tagged " + r.instance_id + " with " + tags_text(tags));
        } else {
            target.create_tags(r.instance_id, cleared_job_tags());
            r.action = TagRunResult::Action::cleared;
            r.log.push_back("job " + f.job_id + " ended: blanked the job tags of " + r.instance_id);
        }
        return r;
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& ex) {
        return failed(std::string(f.context == ScriptContext::prolog ? "cannot tag" : "cannot blank the job tags of") +
                      (r.instance_id.empty() ? " this instance" : " " + r.instance_id) + " for job " + f.job_id + ": " +
                      ex.what());
    }
}

}  // namespace stratus
