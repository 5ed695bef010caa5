// Slurm hostlist expressions ("gpu-[1-4,07],login1"): membership, expansion
// and compression. Pure functions, no Slurm headers.
//
// Syntax, the same for every function here: items are separated by ',' or
// white space outside brackets. An item is literal text with bracket groups
// in it; inside brackets, comma-separated numbers and ranges "LO-HI" (white
// space around them ignored). Numbers are decimal and fit in 64 bits (at
// most 20 digits). A range names each number from LO to HI padded with
// zeros to the width of LO as written ("[08-11]" -> 08 09 10 11, "[8-11]" ->
// 8 9 10 11); a number longer than that width has no leading zeros
// ("[08-100]" -> 08 ... 99 100). Several groups in one item multiply
// ("r[1-2]n[1-2]" -> r1n1 r1n2 r2n1 r2n2). Malformed: unbalanced or nested
// brackets, empty brackets, a piece that is not a number or range, a range
// that runs backwards, more than kMaxHostlistLength bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stratus {

// A hostlist that cannot be expanded (malformed, or more names than the
// bounds below). what() quotes the expression (its start, if long).
class HostlistError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// Longer expressions are malformed: a 1 MiB list already holds 100000
// uncompressed names of 9 characters, and slurmctld writes its lists
// compressed.
inline constexpr size_t kMaxHostlistLength = size_t{1} << 20;

// At most this many names come out of one expansion.
inline constexpr size_t kMaxHostlistHosts = 1000000;

// At most this many bytes of names come out of one expansion (as
// hostlist_size() counts them): kMaxHostlistHosts names of 32 bytes, half
// the longest host name Linux allows. An expansion at the bounds takes
// about 150 MB (the names, their std::string and the duplicate check), not
// the gigabytes a 2 KB expression could ask for otherwise.
inline constexpr size_t kMaxHostlistBytes = size_t{32} << 20;

// What an expression expands to before duplicates are dropped: the number
// of names, and their bytes counted per item as its names times its longest
// name (an upper bound). Both saturate at UINT64_MAX.
struct HostlistSize {
    uint64_t hosts = 0;
    uint64_t bytes = 0;
};

// The size of `hostlist` without expanding it, in time linear in its
// length. Throws HostlistError for a malformed expression, never for size.
HostlistSize hostlist_size(std::string_view hostlist);

// True if `host` is one of the names of `hostlist`, as hostlist_expand()
// would list them without its bounds on names and bytes; false for a
// malformed expression. Expands nothing: time O(length of hostlist x length
// of host), so "n[1-9999999999999999999]" is as quick as "n[1-9]". Throws
// only std::bad_alloc.
bool hostlist_contains(std::string_view hostlist, std::string_view host);

// Every name of the expression, in the order written, duplicates kept out
// (first occurrence wins). Throws HostlistError for a malformed expression
// or one whose size (hostlist_size(), duplicates included) exceeds
// kMaxHostlistHosts names or kMaxHostlistBytes bytes; the size is checked
// before anything is expanded.
std::vector<std::string> hostlist_expand(std::string_view hostlist);

// hostlist_expand() for lists Slurm itself wrote (a partition's nodes, a
// job's node list): an expression it cannot read gives no names rather than
// an error. Throws only std::bad_alloc.
std::vector<std::string> hostlist_names(std::string_view hostlist);

// The shortest simple expression for `hosts`: names ending in digits are
// grouped by prefix (and by zero-padded width) into "prefix[1-3,7]";
// groups keep the order in which their prefix first appears, numbers are
// sorted and duplicates dropped. hostlist_expand(hostlist_compress(x))
// has the same set of names as x, for names without ',', white space or
// brackets (no hostlist can name those).
std::string hostlist_compress(const std::vector<std::string>& hosts);

}  // namespace stratus
