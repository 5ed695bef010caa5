// A job's AdminComment as the cost tools read it (any text: never throws)
// and write it (the actual cost added to the keys there): what Stratus
// writes reads back, in Stratus (jansson) and in its own JSON reader.
#include <stdexcept>

#include "cost.hpp"
#include "cost_record.hpp"
#include "fuzz.hpp"
#include "json_value.hpp"

STRATUS_FUZZ_TARGET(admin_comment) {
    stratus::AdminComment before = stratus::parse_admin_comment(input);
    stratus::JobCost cost;
    cost.elapsed_s = 3600;
    stratus::NodeCost n;
    n.node = "node-1";
    n.instance_type = "c7g.large";
    n.micros_per_hour = 72500;
    n.micros = 72500;
    cost.nodes.push_back(n);
    cost.micros = 72500;
    cost.cents = 7;
    cost.micros_per_hour = 72500;
    std::string written;
    try {
        written = stratus::admin_comment_with_cost(input, cost);
    } catch (const std::invalid_argument&) {
        FUZZ_CHECK(before.present && !before.object, "refused a comment that parsed as an object");
        return;
    }
    stratus::AdminComment after = stratus::parse_admin_comment(written);
    FUZZ_CHECK(after.object, "written comment is not a JSON object: " + written);
    FUZZ_CHECK(after.actual_cents && *after.actual_cents == 7, "actual cost does not read back: " + written);
    FUZZ_CHECK(after.elapsed_s && *after.elapsed_s == 3600, "elapsed does not read back: " + written);
    try {
        FUZZ_CHECK(stratus::JsonValue::parse(written).is_object(), written);
    } catch (const stratus::JsonParseError& e) {
        FUZZ_CHECK(false, std::string(e.what()) + ": " + written);
    }
}
