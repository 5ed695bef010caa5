#include "node_instance.hpp"

#include "conf_reader.hpp"
#include "error.hpp"
#include "text.hpp"

namespace stratus {

namespace {

// Does `host` match `pattern` (one hostlist item, brackets allowed)?
bool match_item(std::string_view pattern, std::string_view host) {
    size_t open = pattern.find('[');
    if (open == std::string_view::npos) return pattern == host;
    size_t close = pattern.find(']', open);
    if (close == std::string_view::npos) return false;
    std::string_view prefix = pattern.substr(0, open), rest = pattern.substr(close + 1);
    if (host.substr(0, prefix.size()) != prefix) return false;
    host.remove_prefix(prefix.size());
    size_t digits = 0;
    while (digits < host.size() && host[digits] >= '0' && host[digits] <= '9') ++digits;
    // Try every split of the leading digits so that "[1-2]0" style patterns work too.
    for (size_t len = digits; len > 0; --len) {
        std::string_view num = host.substr(0, len);
        auto value = parse_u64(num);
        if (!value) continue;
        for (const std::string& range : split_list(pattern.substr(open + 1, close - open - 1))) {
            size_t dash = range.find('-');
            std::string_view lo_s = std::string_view(range).substr(0, dash);
            std::string_view hi_s = dash == std::string::npos ? lo_s : std::string_view(range).substr(dash + 1);
            auto lo = parse_u64(lo_s), hi = parse_u64(hi_s);
            if (!lo || !hi || *value < *lo || *value > *hi) continue;
            // Zero-padded ranges ("[01-10]") give names of the padded width.
            if (lo_s.size() > 1 && lo_s[0] == '0' && num.size() != lo_s.size()) continue;
            if (!(lo_s.size() > 1 && lo_s[0] == '0') && num.size() > 1 && num[0] == '0') continue;
            if (match_item(rest, host.substr(len))) return true;
        }
    }
    return false;
}

}  // namespace

bool hostlist_contains(std::string_view hostlist, std::string_view host) {
    size_t start = 0;
    int depth = 0;
    for (size_t i = 0; i <= hostlist.size(); ++i) {
        char c = i < hostlist.size() ? hostlist[i] : ',';
        if (c == '[') ++depth;
        else if (c == ']') --depth;
        else if (c == ',' && depth == 0) {
            if (match_item(trim(hostlist.substr(start, i - start)), host)) return true;
            start = i + 1;
        }
    }
    return false;
}

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
