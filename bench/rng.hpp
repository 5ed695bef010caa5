// The benchmarks' random source (bench_policy, lua_parity), also used by the
// randomized hostlist test (tests/unit/burst/test_parse.cpp).
#pragma once

#include <cstdint>
#include <vector>

namespace stratus::bench {

// SplitMix64: small, seedable and identical on every platform (unlike the
// standard distributions), so a seed always gives the same requests.
class Rng {
public:
    explicit Rng(uint64_t seed) : s_(seed) {}
    uint64_t next() {
        uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    uint32_t below(uint32_t n) { return n ? static_cast<uint32_t>(next() % n) : 0; }
    bool chance(uint32_t percent) { return below(100) < percent; }
    template <class T>
    const T& pick(const std::vector<T>& v) { return v[below(static_cast<uint32_t>(v.size()))]; }

private:
    uint64_t s_;
};

}  // namespace stratus::bench
