#include "node_instance.hpp"

#include "conf_reader.hpp"
#include "error.hpp"
#include "text.hpp"

namespace stratus {

std::optional<std::string> node_features(const std::string& slurm_conf, const std::string& node) {
    std::optional<std::string> found;
    std::string default_features;
    try {
        read_conf_file(
            slurm_conf,
            [&](const ConfLine& l) {
                if (found || !iequals(l.words[0].key, "NodeName") || !l.words[0].has_value) return;
                std::string features;
                bool has = false;
                for (const ConfWord& w : l.words)
                    if (iequals(w.key, "Features") || iequals(w.key, "Feature")) { features = w.value; has = true; }
                if (iequals(l.words[0].value, "DEFAULT")) {
                    if (has) default_features = features;
                    return;
                }
                if (hostlist_contains(l.words[0].value, node)) found = has ? features : default_features;
            },
            nullptr, false);
    } catch (const ConfigError&) {
        // A line we cannot read: slurm.conf is Slurm's to judge; keep what we found.
    }
    return found;
}

const InstanceType* instance_type_in_features(const Catalog& catalog, std::string_view features) {
    std::string list(features);
    for (char& c : list)
        if (c == '&') c = ',';
    for (const std::string& f : split_list(list))
        if (const InstanceType* t = catalog.find(f)) return t;
    return nullptr;
}

}  // namespace stratus
