// stratus-tag: slurmd's Prolog and Epilog that tag the EC2 instance a job has
// to itself with the job's id, user, account, cost center and partition,
// and blank those tags when the job ends. The decisions are in
// common/job_tags.cpp; this program only reads the environment and
// stratus.conf, and talks to IMDSv2 and EC2. See stratus-tag(8).

#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "aws/client.hpp"
#include "aws/credentials.hpp"
#include "aws/ec2.hpp"
#include "aws/imds.hpp"
#include "config.hpp"
#include "error.hpp"
#include "firewall.hpp"
#include "job_tags.hpp"

namespace {

const char kUsage[] =
    "Usage: stratus-tag [--conf FILE] [--on-failure=fail|ignore] [prolog|epilog]\n"
    "\n"
    "Run by slurmd as Prolog and Epilog (slurm.conf Prolog=, Epilog=). On a node\n"
    "the job has to itself (all its CPUs), the prolog tags this EC2 instance with\n"
    "stratus:job-id, stratus:user, stratus:account, stratus:cost-center and\n"
    "stratus:partition; the epilog blanks them. The instance id comes from IMDSv2.\n"
    "\n"
    "  prolog|epilog          what to do (default: from SLURM_SCRIPT_CONTEXT)\n"
    "  --conf FILE            stratus.conf (default: $STRATUS_CONF, else next to\n"
    "                         $SLURM_CONF, else " STRATUS_SLURM_CONFDIR "/stratus.conf)\n"
    "  --on-failure=fail|ignore\n"
    "                         exit 1 (slurmd then drains the node) or 0 when tagging\n"
    "                         fails; default: TagFailure= of stratus.conf, else ignore\n"
    "  -h, --help             this text\n"
    "\n"
    "Environment: SLURM_SCRIPT_CONTEXT, SLURM_JOB_ID, SLURM_JOB_USER, SLURM_JOB_ACCOUNT,\n"
    "SLURM_JOB_PARTITION, SLURM_JOB_NODELIST, SLURM_JOB_NUM_NODES, SLURM_JOB_CPUS_PER_NODE,\n"
    "SLURMD_NODENAME, SPANK_STRATUS_COST_CENTER (set by slurmd); AWS_EC2_METADATA_SERVICE_ENDPOINT,\n"
    "AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL and the usual AWS credential variables.\n"
    "Messages go to syslog (daemon, \"stratus-tag\") and stderr.\n";

void say(int priority, const std::string& text) {
    syslog(priority, "%s", text.c_str());
    std::fprintf(stderr, "stratus-tag: %s\n", text.c_str());
}

void report(const char* where, const char* what) noexcept {
    syslog(LOG_ERR, "%s: internal error: %s", where, what);
    std::fprintf(stderr, "stratus-tag: %s: internal error: %s\n", where, what);
}

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    if (!v) return std::nullopt;
    return std::string(v);
}

// This instance, through IMDSv2, and EC2 CreateTags in its region.
class Ec2Target final : public stratus::TagTarget {
public:
    Ec2Target(const stratus::Config* cfg) : cfg_(cfg) {
        stratus::aws::ImdsOptions o;
        imds_ = std::make_shared<stratus::aws::ImdsClient>(o);
    }

    std::string instance_id() override {
        auto id = imds_->get("/latest/meta-data/instance-id");
        if (!id || id->empty()) throw std::runtime_error("IMDS has no instance-id: not an EC2 instance?");
        return *id;
    }

    std::optional<std::string> instance_type() override {
        try {
            return imds_->get("/latest/meta-data/instance-type");
        } catch (const std::exception&) {
            return std::nullopt;  // only a fallback for the CPU count; instance_id() reports IMDS trouble
        }
    }

    void create_tags(const std::string& id, const std::vector<stratus::JobTag>& tags) override {
        namespace aws = stratus::aws;
        aws::ClientConfig c;
        // The instance's own region first: that is where it can be tagged.
        std::optional<std::string> region;
        try {
            region = imds_->get("/latest/meta-data/placement/region");
        } catch (const std::exception&) {
        }
        c.region = region && !region->empty() ? *region : (cfg_ ? cfg_->region : "");
        if (c.region.empty()) c.region = aws::resolve_region("", aws::Env::process(), "", nullptr).value_or("");
        if (cfg_) c.endpoint = cfg_->burst.ec2_endpoint;
        aws::CredentialsOptions co;
        co.imds = imds_;
        c.credentials = aws::default_credentials_chain(co);
        // A prolog holds up the job: a few quick attempts, then give up.
        c.retry.max_attempts = 3;
        c.connect_timeout = std::chrono::milliseconds(3000);
        c.timeout = std::chrono::milliseconds(10000);
        c.on_retry = [](const std::string& text) { say(LOG_WARNING, text); };
        aws::ec2::Ec2Client ec2(std::move(c));
        std::vector<aws::ec2::Tag> t;
        for (const stratus::JobTag& tag : tags) t.push_back({tag.first, tag.second});
        ec2.create_tags({id}, t);
    }

private:
    const stratus::Config* cfg_;
    std::shared_ptr<stratus::aws::ImdsClient> imds_;
};

int run(int argc, char** argv) {
    std::string conf_path;
    std::optional<bool> fail_override;
    std::optional<stratus::ScriptContext> context;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (a == "--conf" && i + 1 < argc) {
            conf_path = argv[++i];
        } else if (a.rfind("--conf=", 0) == 0) {
            conf_path = a.substr(7);
        } else if (a == "--on-failure=fail") {
            fail_override = true;
        } else if (a == "--on-failure=ignore") {
            fail_override = false;
        } else if (a == "prolog") {
            context = stratus::ScriptContext::prolog;
        } else if (a == "epilog") {
            context = stratus::ScriptContext::epilog;
        } else {
            std::fprintf(stderr, "stratus-tag: unknown argument: %s (see stratus-tag --help)\n", a.c_str());
            return 2;
        }
    }
    openlog("stratus-tag", LOG_PID, LOG_DAEMON);

    std::optional<stratus::Config> cfg;
    if (conf_path.empty()) conf_path = stratus::default_stratus_conf_path(STRATUS_SLURM_CONFDIR);
    std::string slurm_conf = stratus::default_slurm_conf_path(STRATUS_SLURM_CONFDIR);
    try {
        cfg = stratus::load_config(conf_path, slurm_conf);
    } catch (const stratus::ConfigError& e) {
        say(LOG_ERR, std::string(e.what()) + " (tagging with the defaults)");
    }

    stratus::JobTagFacts facts = stratus::job_tag_facts(env);
    if (context) {
        facts.context = *context;
        if (facts.context_name.empty()) facts.context_name = *context == stratus::ScriptContext::prolog ? "prolog" : "epilog";
    }
    stratus::TagRunOptions o;
    o.fail_on_error = fail_override.value_or(cfg && cfg->tag_failure_fails);
    o.node_cpus = stratus::slurm_node_cpus(slurm_conf, facts.node);
    std::shared_ptr<const stratus::Catalog> catalog =
        cfg ? cfg->catalog : std::make_shared<const stratus::Catalog>(stratus::Catalog::builtin());
    o.catalog = catalog.get();

    int rc = 0;
    try {
        Ec2Target target(cfg ? &*cfg : nullptr);
        stratus::TagRunResult r = stratus::run_job_tagging(facts, target, o);
        int priority = r.action == stratus::TagRunResult::Action::failed ? LOG_ERR : LOG_INFO;
        for (const std::string& line : r.log) say(priority, line);
        rc = r.exit_code;
    } catch (const std::exception& e) {  // the IMDS endpoint setting is unusable, ...
        say(LOG_ERR, std::string("cannot tag: ") + e.what());
        rc = o.fail_on_error ? 1 : 0;
    }
    closelog();
    return rc;
}

}  // namespace

int main(int argc, char** argv) {
    // An internal error counts as a tagging failure only if the admin asked;
    // without knowing, it must not fail the job: exit 0.
    return stratus::guarded("main", 0, report, [&] { return run(argc, argv); });
}
