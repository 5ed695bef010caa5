// Runs every suite of the policy core's unit tests.
#include "unit.hpp"

int main() {
    return run_suites("unit", {text_suite(), file_suite(), conf_suite(), catalog_suite(), request_suite(), policy_suite(),
                               store_suite(), firewall_suite(), executable_suite()});
}
