// The policy on a submission built from fuzz bytes, through the same
// translation of job_desc_msg_t as the plugins: a decision for any job,
// and on acceptance an AdminComment that reads back as a JSON object in
// Stratus' own reader and in jansson.
#include <algorithm>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "aws/json_doc.hpp"
#include "config.hpp"
#include "fuzz.hpp"
#include "json_value.hpp"
#include "policy.hpp"
#include "slurm_job.hpp"

namespace {

const stratus::Config& sandbox_config() {
    static const stratus::Config cfg = [] {
        stratus::fuzz::TempDir dir;
        std::string conf = dir.write("stratus.conf",
                                     "Region=us-east-1\n"
                                     "PartitionName=graviton InstanceTypes=hpc7g.16xlarge,c7gn.16xlarge\n"
                                     "PartitionName=hpc InstanceTypes=hpc7a.96xlarge\n"
                                     "PartitionName=gpu InstanceTypes=g6e.12xlarge,p5.48xlarge\n");
        std::string slurm = dir.write("slurm.conf", "PartitionName=graviton DefaultTime=60 MaxTime=1-00:00:00\n");
        return stratus::load_config(conf, slurm);
    }();
    return cfg;
}

// Bytes -> integers, little by little; zeros once the bytes run out.
struct Numbers {
    std::string_view bytes;
    template <class T>
    T next() {
        T v = 0;
        size_t n = std::min(sizeof(T), bytes.size());
        std::memcpy(&v, bytes.data(), n);
        bytes.remove_prefix(n);
        return v;
    }
};

// keep is a deque: adding a string moves none of those before it, whose
// characters the job description points at.
char* text(std::deque<std::string>& keep, std::string_view s) {
    if (s.empty()) return nullptr;
    keep.emplace_back(s);
    return &keep.back()[0];
}

}  // namespace

STRATUS_FUZZ_TARGET(policy) {
    std::vector<std::string_view> part = stratus::fuzz::split_parts(input, 9);
    std::deque<std::string> keep;
    job_desc_msg_t d;
    std::memset(&d, 0, sizeof d);
    Numbers n{part[0]};
    d.min_nodes = n.next<uint32_t>();
    d.max_nodes = n.next<uint32_t>();
    d.num_tasks = n.next<uint32_t>();
    d.min_cpus = n.next<uint32_t>();
    d.time_limit = n.next<uint32_t>();
    d.ntasks_per_node = n.next<uint16_t>();
    d.cpus_per_task = n.next<uint16_t>();
    d.pn_min_cpus = n.next<uint16_t>();
    d.pn_min_memory = n.next<uint64_t>();
    d.partition = text(keep, part[1]);
    d.tres_per_node = text(keep, part[2]);
    d.tres_per_job = text(keep, part[3]);
    d.tres_per_task = text(keep, part[4]);
    d.features = text(keep, part[5]);
    d.account = text(keep, part[6]);
    d.array_inx = text(keep, part[8]);
    // STRATUS_* values as SPANK passes them, one per line.
    std::vector<char*> env;
    std::string_view lines = part[7];
    while (!lines.empty() && env.size() < 16) {
        size_t nl = lines.find('\n');
        env.push_back(text(keep, lines.substr(0, nl)));
        lines.remove_prefix(nl == std::string_view::npos ? lines.size() : nl + 1);
    }
    env.erase(std::remove(env.begin(), env.end(), nullptr), env.end());
    d.spank_job_env = env.empty() ? nullptr : env.data();
    d.spank_job_env_size = static_cast<uint32_t>(env.size());

    stratus::JobRequest req;
    if (stratus::job_request_from_slurm(d, req)) return;  // refused as a bad option, with its message
    stratus::Decision dec = stratus::decide(sandbox_config(), req);
    FUZZ_CHECK(dec.verdict != stratus::Verdict::refuse || dec.message.rfind("stratus: ", 0) == 0,
               "refusal without the stratus: prefix: " + dec.message);
    if (dec.verdict != stratus::Verdict::accept) return;
    try {
        FUZZ_CHECK(stratus::JsonValue::parse(dec.admin_comment).is_object(), dec.admin_comment);
        stratus::aws::json_parse_object(dec.admin_comment);
    } catch (const std::exception& e) {
        FUZZ_CHECK(false, std::string(e.what()) + ": " + dec.admin_comment);
    }
}
