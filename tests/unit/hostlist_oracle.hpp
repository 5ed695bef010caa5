// A differential oracle for hostlists (common/hostlist.hpp), for the unit
// tests and fuzz harnesses: hostlist_size, hostlist_expand,
// hostlist_contains and hostlist_compress must agree with each other.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hostlist.hpp"

namespace hostlist_oracle {

// Empty when the functions agree about `expr` and `host`, else what they
// disagree on:
// - a malformed expression (hostlist_size throws) expands to an error and
//   contains no host;
// - one within the bounds expands, without duplicates, to at most the names
//   and bytes hostlist_size counts; hostlist_contains finds every name and
//   finds `host` exactly when it is listed; compressing the names and
//   expanding them again gives the same set.
// Calls hostlist_contains once per name: give it small expressions.
inline std::string disagreement(std::string_view expr, std::string_view host) {
    using namespace stratus;
    HostlistSize size;
    try {
        size = hostlist_size(expr);
    } catch (const HostlistError&) {
        if (hostlist_contains(expr, host)) return "a malformed expression contains the host";
        try {
            hostlist_expand(expr);
        } catch (const HostlistError&) {
            return "";
        }
        return "a malformed expression expands";
    }
    std::vector<std::string> names;
    try {
        names = hostlist_expand(expr);
    } catch (const HostlistError& e) {
        if (size.hosts > kMaxHostlistHosts || size.bytes > kMaxHostlistBytes) return "";
        return std::string("refused within the bounds: ") + e.what();
    }
    std::set<std::string> listed(names.begin(), names.end());
    if (listed.size() != names.size()) return "duplicate names";
    if (names.size() > size.hosts) return "more names than hostlist_size counts";
    uint64_t bytes = 0;
    for (const std::string& n : names) {
        bytes += n.size();
        if (!hostlist_contains(expr, n)) return "contains misses the listed " + n;
    }
    if (bytes > size.bytes) return "more bytes than hostlist_size counts";
    if (hostlist_contains(expr, host) != (listed.count(std::string(host)) > 0))
        return "contains and expand disagree about the host";
    std::vector<std::string> back = hostlist_expand(hostlist_compress(names));
    if (std::set<std::string>(back.begin(), back.end()) != listed)
        return "compressed as \"" + hostlist_compress(names) + "\", which names other hosts";
    return "";
}

}  // namespace hostlist_oracle
