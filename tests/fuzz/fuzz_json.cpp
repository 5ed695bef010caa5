// Stratus' own JSON reader (spend snapshot, resume files in the plugin's
// host): a value or JsonParseError, bounded depth, numbers whose cents
// agree with their value, and a value that writes back as it was read.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

#include "fuzz.hpp"
#include "json_value.hpp"

namespace {
void walk(const stratus::JsonValue& v, int depth) {
    FUZZ_CHECK(depth <= 64, "depth beyond the documented limit");
    if (v.is_number()) {
        double n = v.number();
        errno = 0;
        std::strtod(v.text().c_str(), nullptr);
        bool beyond_double = errno == ERANGE;
        FUZZ_CHECK(!std::isnan(n) || beyond_double, "number without a value: " + v.text());
        if (std::optional<int64_t> c = v.cents())
            FUZZ_CHECK(std::fabs(static_cast<double>(*c) / 100.0 - n) <= 0.005 + std::fabs(n) * 1e-12,
                       "cents disagree with the number: " + v.text());
    }
    for (const stratus::JsonValue& i : v.items()) walk(i, depth + 1);
    for (const auto& m : v.members()) walk(m.second, depth + 1);
}
}  // namespace

STRATUS_FUZZ_TARGET(json) {
    std::optional<stratus::JsonValue> v;
    try {
        v = stratus::JsonValue::parse(input);
    } catch (const stratus::JsonParseError&) {
        return;
    }
    walk(*v, 1);
    // What Stratus writes must read back (a parse error here is a finding too).
    std::string written = v->dump();
    FUZZ_CHECK(stratus::JsonValue::parse(written).dump() == written, "written JSON reads back differently: " + written);
}
