// The spend snapshot the plugin loads inside slurmctld: any text parses or
// is refused with std::runtime_error; what parses writes back and reads
// back the same.
#include <stdexcept>

#include "fuzz.hpp"
#include "spend_snapshot.hpp"

STRATUS_FUZZ_TARGET(spend_snapshot) {
    stratus::SpendSnapshot s;
    try {
        s = stratus::parse_spend_snapshot(input);
    } catch (const std::runtime_error&) {
        return;
    }
    std::string text = stratus::spend_snapshot_json(s);
    stratus::SpendSnapshot again = stratus::parse_spend_snapshot(text);  // must not throw
    FUZZ_CHECK(stratus::spend_snapshot_json(again) == text, "written snapshot reads back differently: " + text);
}
