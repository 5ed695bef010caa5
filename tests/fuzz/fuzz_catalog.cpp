// An instance catalog override merged over the built-in catalog: on a
// ConfigError the catalog is unchanged (strong guarantee), and every type
// it holds afterwards is usable.
#include "catalog.hpp"
#include "error.hpp"
#include "fuzz.hpp"

namespace {
std::string fingerprint(const stratus::Catalog& c) {
    std::string f;
    for (const stratus::InstanceType& t : c.types()) {
        f += t.name + ',' + std::to_string(t.vcpus) + ',' + std::to_string(t.memory_mib) + ',' + std::to_string(t.gpus);
        for (const stratus::RegionOffer& p : t.regions) {
            f += ',' + p.region;
            for (const std::string& z : p.zones) f += ':' + z;
            for (const auto& usd : {p.usd_per_hour[0], p.usd_per_hour[1], p.spot_snapshot_min, p.spot_snapshot_max})
                f += usd ? ',' + std::to_string(*usd) : std::string(",-");
        }
        f += ';';
    }
    return f;
}
}  // namespace

STRATUS_FUZZ_TARGET(catalog) {
    static const stratus::Catalog builtin = stratus::Catalog::builtin();
    stratus::Catalog c = builtin;
    std::string before = fingerprint(c);
    try {
        c.merge_csv(input, "fuzz.csv");
    } catch (const stratus::ConfigError&) {
        FUZZ_CHECK(fingerprint(c) == before, "a refused merge changed the catalog");
        return;
    }
    for (const stratus::InstanceType& t : c.types()) {
        FUZZ_CHECK(c.find(t.name) == &t, "type " + t.name + " not found by name");
        FUZZ_CHECK(t.vcpus > 0 && t.memory_mib > 0, "type " + t.name + " without CPUs or memory");
    }
}
