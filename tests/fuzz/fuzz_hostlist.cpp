// Hostlist expressions (slurm.conf, resume files, AdminComment instance
// maps) against their own oracle (tests/unit/hostlist_oracle.hpp): size,
// expand, contains and compress agree. Large expressions are only matched
// and sized, in bounded time; the oracle checks the small ones name by name.
#include "fuzz.hpp"
#include "hostlist.hpp"
#include "hostlist_oracle.hpp"

STRATUS_FUZZ_TARGET(hostlist) {
    std::vector<std::string_view> part = stratus::fuzz::split_parts(input, 2);
    std::string_view expr = part[0], host = part[1];
    bool contains = stratus::hostlist_contains(expr, host);
    stratus::HostlistSize size;
    try {
        size = stratus::hostlist_size(expr);
    } catch (const stratus::HostlistError&) {
        FUZZ_CHECK(!contains, "a malformed expression contains " + std::string(host));
        return;
    }
    if (size.hosts > 2000) return;
    std::string why = hostlist_oracle::disagreement(expr, host);
    FUZZ_CHECK(why.empty(), std::string(expr) + " / " + std::string(host) + ": " + why);
}
