// Slurm hostlist expressions ("gpu-[1-4,07],login1"): membership, expansion
// and compression. Pure functions, no Slurm headers.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stratus {

// A hostlist that cannot be expanded (unbalanced brackets, a range that
// runs backwards, too many hosts). what() quotes the expression.
class HostlistError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// At most this many names come out of one expansion.
inline constexpr size_t kMaxHostlistHosts = 1000000;

// True if `host` is one of the hosts of a Slurm hostlist expression such as
// "gpu-[1-4,07],login1" (brackets with numbers, ranges and zero padding).
bool hostlist_contains(std::string_view hostlist, std::string_view host);

// Every host of the expression, in the order written, duplicates kept out
// (first occurrence wins). Items are separated by ',' (or blanks) outside
// brackets; inside brackets, comma-separated numbers and ranges "LO-HI".
// A range is padded to the width of LO ("[08-10]" -> 08 09 10). Several
// bracket groups in one item multiply ("r[1-2]n[1-2]" -> r1n1 r1n2 r2n1
// r2n2). Throws HostlistError for malformed input or more than
// kMaxHostlistHosts names.
std::vector<std::string> hostlist_expand(std::string_view hostlist);

// The shortest simple expression for `hosts`: names ending in digits are
// grouped by prefix (and by zero-padded width) into "prefix[1-3,7]";
// groups keep the order in which their prefix first appears, numbers are
// sorted and duplicates dropped. hostlist_expand(hostlist_compress(x))
// has the same set of names as x.
std::string hostlist_compress(const std::vector<std::string>& hosts);

}  // namespace stratus
