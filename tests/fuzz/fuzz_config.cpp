// stratus.conf, an Include file, a catalog CSV and slurm.conf, as the
// plugin loads them at start and on every change: any text gives a Config
// or a ConfigError, and a Config gives decisions.
#include "config.hpp"
#include "error.hpp"
#include "fuzz.hpp"
#include "policy.hpp"

STRATUS_FUZZ_TARGET(config) {
    std::vector<std::string_view> part = stratus::fuzz::split_parts(input, 4);
    stratus::fuzz::TempDir dir;
    std::string conf = dir.write("stratus.conf", part[0]);
    dir.write("inc.conf", part[1]);  // reached by "Include inc.conf"
    dir.write("prices.csv", part[2]);  // reached by "InstanceCatalog=prices.csv"
    std::string slurm_conf = dir.write("slurm.conf", part[3]);
    try {
        stratus::Config cfg = stratus::load_config(conf, slurm_conf);
        for (const stratus::PartitionConfig& p : cfg.partitions) {
            FUZZ_CHECK(!p.types.empty(), "partition " + p.name + " without instance types");
            stratus::JobRequest r;
            r.partitions = {p.name};
            stratus::decide(cfg, r);
        }
        stratus::decide(cfg, stratus::JobRequest{});
    } catch (const stratus::ConfigError&) {
    }
}
