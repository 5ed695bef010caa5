// common/request.hpp: Stratus options and Slurm TRES parsing.
#include <vector>

#include "request.hpp"
#include "unit.hpp"

using namespace stratus;

namespace {

// Applies a bad value on top of `req` and checks the message and that
// nothing changed.
void expect_bad(JobRequest req, Option id, const char* value, const std::string& message) {
    JobRequest before = req;
    auto err = apply_option(req, id, value);
    ck_assert_msg(err.has_value(), "--%s=%s accepted", option_spec(id).name, value);
    EXPECT_STR(*err, message);
    ck_assert(req.arch == before.arch);
    ck_assert(req.instance_types == before.instance_types);
    ck_assert(req.capacity == before.capacity);
    EXPECT_STR(req.cost_center, before.cost_center);
    ck_assert(req.max_cost_usd == before.max_cost_usd);
}

void expect_ok(JobRequest& req, Option id, const char* value) {
    auto err = apply_option(req, id, value);
    ck_assert_msg(!err, "--%s=%s refused: %s", option_spec(id).name, value, err ? err->c_str() : "");
}

}  // namespace

START_TEST(specs) {
    ck_assert_uint_eq(option_specs().size(), 5);
    EXPECT_STR(option_spec(Option::arch).name, "arch");
    EXPECT_STR(option_spec(Option::arch).env, "STRATUS_ARCH");
    EXPECT_STR(option_spec(Option::instance_type).name, "instance-type");
    EXPECT_STR(option_spec(Option::instance_type).env, "STRATUS_INSTANCE_TYPES");
    EXPECT_STR(option_spec(Option::capacity).env, "STRATUS_CAPACITY");
    EXPECT_STR(option_spec(Option::cost_center).name, "cost-center");
    EXPECT_STR(option_spec(Option::cost_center).env, "STRATUS_COST_CENTER");
    EXPECT_STR(option_spec(Option::max_cost).name, "max-cost");
    EXPECT_STR(option_spec(Option::max_cost).env, "STRATUS_MAX_COST_USD");
    for (const OptionSpec& s : option_specs()) ck_assert_ptr_eq(&option_spec(s.id), &s);
}
END_TEST

START_TEST(opt_arch) {
    JobRequest r;
    expect_ok(r, Option::arch, "arm64");
    ck_assert(r.arch == Arch::arm64);
    expect_ok(r, Option::arch, " X86_64 ");
    ck_assert(r.arch == Arch::x86_64);
    expect_ok(r, Option::arch, "aarch64");
    ck_assert(r.arch == Arch::arm64);
    expect_bad(r, Option::arch, "sparc", "stratus: --arch: unknown architecture (arm64, x86_64 or any): sparc");
    expect_bad(r, Option::arch, "", "stratus: --arch: unknown architecture (arm64, x86_64 or any): ");
    expect_bad(r, Option::arch, "arm64,x86_64", "stratus: --arch: unknown architecture (arm64, x86_64 or any): arm64,x86_64");
    expect_ok(r, Option::arch, "ANY");
    ck_assert(!r.arch);
}
END_TEST

START_TEST(opt_instance_type) {
    JobRequest r;
    expect_ok(r, Option::instance_type, "HPC7G.16xlarge, c7gn.16xlarge,,");
    ck_assert_uint_eq(r.instance_types.size(), 2);
    EXPECT_STR(r.instance_types[0], "hpc7g.16xlarge");
    EXPECT_STR(r.instance_types[1], "c7gn.16xlarge");
    expect_bad(r, Option::instance_type, "", "stratus: --instance-type: no instance type given: ");
    expect_bad(r, Option::instance_type, " , ", "stratus: --instance-type: no instance type given:  , ");
    expect_bad(r, Option::instance_type, "c7i.large,c7i", "stratus: --instance-type: not an instance type name: c7i");
    expect_bad(r, Option::instance_type, "c7i.large;reboot", "stratus: --instance-type: not an instance type name: c7i.large;reboot");
    expect_bad(r, Option::instance_type, "c7i.large c7i.xlarge",
               "stratus: --instance-type: not an instance type name: c7i.large c7i.xlarge");
    // Names the catalog does not know pass here; decide() refuses them.
    expect_ok(r, Option::instance_type, "zz9.huge");
    ck_assert_uint_eq(r.instance_types.size(), 1);
    EXPECT_STR(r.instance_types[0], "zz9.huge");
}
END_TEST

START_TEST(opt_capacity) {
    JobRequest r;
    expect_ok(r, Option::capacity, "spot");
    ck_assert(r.capacity == Capacity::spot);
    expect_ok(r, Option::capacity, "On-Demand");
    ck_assert(r.capacity == Capacity::on_demand);
    expect_bad(r, Option::capacity, "reserved", "stratus: --capacity: unknown capacity (spot, on-demand or any): reserved");
    expect_bad(r, Option::capacity, "", "stratus: --capacity: unknown capacity (spot, on-demand or any): ");
    expect_ok(r, Option::capacity, "any");
    ck_assert(!r.capacity);
}
END_TEST

START_TEST(opt_cost_center) {
    JobRequest r;
    expect_ok(r, Option::cost_center, " physics-42/geo:x@lab.org_+= ");
    EXPECT_STR(r.cost_center, "physics-42/geo:x@lab.org_+=");
    const std::string msg = "stratus: --cost-center: must be 1-256 letters, digits or _.:/=+-@: ";
    expect_bad(r, Option::cost_center, "a b", msg + "a b");
    expect_bad(r, Option::cost_center, "", msg);
    expect_bad(r, Option::cost_center, "x;rm -rf", msg + "x;rm -rf");
    expect_bad(r, Option::cost_center, "caf\xc3\xa9", msg + "caf\xc3\xa9");
    std::string longest(256, 'c');
    expect_ok(r, Option::cost_center, longest.c_str());
    EXPECT_STR(r.cost_center, longest);
    std::string too_long(257, 'c');
    expect_bad(r, Option::cost_center, too_long.c_str(), msg + too_long);
}
END_TEST

START_TEST(opt_max_cost) {
    JobRequest r;
    expect_ok(r, Option::max_cost, "12.50");
    ck_assert_double_eq(*r.max_cost_usd, 12.5);
    expect_ok(r, Option::max_cost, "$7");
    ck_assert_double_eq(*r.max_cost_usd, 7.0);
    expect_ok(r, Option::max_cost, " 0.3 ");
    ck_assert_double_eq(*r.max_cost_usd, 0.3);
    expect_ok(r, Option::max_cost, "0");
    ck_assert_double_eq(*r.max_cost_usd, 0.0);
    expect_bad(r, Option::max_cost, "12,5", "stratus: --max-cost: not a dollar amount: 12,5");
    expect_bad(r, Option::max_cost, "-1", "stratus: --max-cost: not a dollar amount: -1");
    expect_bad(r, Option::max_cost, "$", "stratus: --max-cost: not a dollar amount: $");
    expect_bad(r, Option::max_cost, "", "stratus: --max-cost: not a dollar amount: ");
    expect_bad(r, Option::max_cost, "1e3", "stratus: --max-cost: not a dollar amount: 1e3");
    expect_bad(r, Option::max_cost, "10 USD", "stratus: --max-cost: not a dollar amount: 10 USD");
    expect_bad(r, Option::max_cost, "$$5", "stratus: --max-cost: not a dollar amount: $$5");
    // The whole submission by default; "/task": each task of an array.
    ck_assert(!r.max_cost_per_task);
    expect_ok(r, Option::max_cost, "2.50/task");
    ck_assert_double_eq(*r.max_cost_usd, 2.5);
    ck_assert(r.max_cost_per_task);
    expect_ok(r, Option::max_cost, "$3/TASK");
    ck_assert_double_eq(*r.max_cost_usd, 3.0);
    expect_ok(r, Option::max_cost, "40");
    ck_assert(!r.max_cost_per_task);
    expect_bad(r, Option::max_cost, "/task", "stratus: --max-cost: not a dollar amount: /task");
    expect_bad(r, Option::max_cost, "5/job", "stratus: --max-cost: not a dollar amount: 5/job");
}
END_TEST

// --array as Slurm reads it: distinct indexes, steps, masks, throttles.
START_TEST(array_tasks) {
    ck_assert_uint_eq(*count_array_tasks("0-999"), 1000);
    ck_assert_uint_eq(*count_array_tasks("1-100:2,105,200-201%10"), 53);
    ck_assert_uint_eq(*count_array_tasks("7"), 1);
    ck_assert_uint_eq(*count_array_tasks("0-19%4"), 20);
    ck_assert_uint_eq(*count_array_tasks("1-5,3,4-6"), 6);  // each index once
    ck_assert_uint_eq(*count_array_tasks("0-15:4"), 4);     // 0 4 8 12
    ck_assert_uint_eq(*count_array_tasks("0x1F"), 5);
    ck_assert_uint_eq(*count_array_tasks("0xf0"), 4);
    ck_assert_uint_eq(*count_array_tasks("0-4000000"), 4000001);
    for (const char* bad : {"", "3-1", "a-b", "1-10:0", "0-4000001", "1,,2", "1-", "-1", "1-5%", "1%x", "0x", "0xZ",
                            "12345678901234567890"})
        ck_assert_msg(!count_array_tasks(bad), "%s counted", bad);
    // Repeating items is bounded work, not a way to make slurmctld count forever.
    std::string many;
    for (int i = 0; i < 10; ++i) many += "0-4000000,";
    many += "1";
    ck_assert(!count_array_tasks(many));
}
END_TEST

START_TEST(idempotent) {
    struct { Option id; const char* value; } opts[] = {
        {Option::arch, "arm64"}, {Option::instance_type, "c7gn.16xlarge,hpc7g.16xlarge"},
        {Option::capacity, "spot"}, {Option::cost_center, "geo"}, {Option::max_cost, "$3.25"}};
    JobRequest once, twice;
    for (const auto& o : opts) {
        ck_assert(!apply_option(once, o.id, o.value));
        ck_assert(!apply_option(twice, o.id, o.value));
        ck_assert(!apply_option(twice, o.id, o.value));
    }
    ck_assert(once.arch == twice.arch);
    ck_assert(once.instance_types == twice.instance_types);
    ck_assert_uint_eq(twice.instance_types.size(), 2);
    ck_assert(once.capacity == twice.capacity);
    EXPECT_STR(once.cost_center, twice.cost_center);
    ck_assert(once.max_cost_usd == twice.max_cost_usd);
    ck_assert_double_eq(*twice.max_cost_usd, 3.25);
}
END_TEST

START_TEST(env_options) {
    const char* env[] = {"PATH=/bin",
                         "STRATUS_ARCH=arm64",
                         "STRATUS_MAX_COST_USD=$20",
                         "NOEQUALS",
                         nullptr,
                         "STRATUS_ARCHX=x86_64",
                         "stratus_arch=x86_64",
                         "STRATUS_COST_CENTER=geo",
                         "STRATUS_INSTANCE_TYPES=hpc7g.16xlarge",
                         "=STRATUS_CAPACITY=spot",
                         "STRATUS_CAPACITY",
                         "STRATUS_ARCH"};
    JobRequest r;
    ck_assert(!apply_option_env(r, env, sizeof env / sizeof env[0]));
    ck_assert(r.arch == Arch::arm64);
    ck_assert_double_eq(*r.max_cost_usd, 20.0);
    EXPECT_STR(r.cost_center, "geo");
    ck_assert_uint_eq(r.instance_types.size(), 1);
    ck_assert(!r.capacity);
    // count limits what is read.
    JobRequest first_two;
    ck_assert(!apply_option_env(first_two, env, 2));
    ck_assert(first_two.arch == Arch::arm64);
    ck_assert(!first_two.max_cost_usd);
    // No environment at all.
    JobRequest none;
    ck_assert(!apply_option_env(none, nullptr, 5));
    ck_assert(!apply_option_env(none, env, 0));
}
END_TEST

START_TEST(env_invalid) {
    const char* env[] = {"STRATUS_CAPACITY=spot", "STRATUS_MAX_COST_USD=12,5", "STRATUS_ARCH=sparc"};
    JobRequest r;
    auto err = apply_option_env(r, env, 3);
    ck_assert(err.has_value());
    EXPECT_STR(*err, "stratus: --max-cost: not a dollar amount: 12,5");  // the first invalid one
    ck_assert(!r.max_cost_usd);
    const char* empty_value[] = {"STRATUS_ARCH="};
    err = apply_option_env(r, empty_value, 1);
    EXPECT_STR(err.value_or(""), "stratus: --arch: unknown architecture (arm64, x86_64 or any): ");
}
END_TEST

static void expect_gpus(const std::string& tres, uint32_t count, const char* model) {
    std::optional<GpuSpec> g;
    auto problem = parse_gpu_tres(tres, g);
    ck_assert_msg(!problem, "\"%.200s\": %s", tres.c_str(), problem.value_or("").c_str());
    ck_assert_msg(g.has_value(), "\"%.200s\": no GPUs found", tres.c_str());
    ck_assert_msg(g->count == count, "\"%.200s\": count %u, expected %u", tres.c_str(), g->count, count);
    ck_assert_msg(g->model == model, "\"%.200s\": model \"%s\", expected \"%s\"", tres.c_str(), g->model.c_str(), model);
}

static void expect_refused(const std::string& tres, const std::string& problem) {
    std::optional<GpuSpec> g = GpuSpec{7, "kept"};
    auto got = parse_gpu_tres(tres, g);
    ck_assert_msg(got.has_value(), "\"%.200s\": not refused", tres.c_str());
    EXPECT_STR(*got, problem);
    ck_assert(g && g->count == 7 && g->model == "kept");  // untouched
}

START_TEST(gpu_tres) {
    expect_gpus("gres:gpu:4", 4, "");
    expect_gpus("gres:gpu:h100:2", 2, "h100");
    expect_gpus("gres/gpu=2", 2, "");
    expect_gpus("gres/gpu:H100=2", 2, "h100");
    expect_gpus("gpu:a100:1", 1, "a100");
    expect_gpus("gpu:4", 4, "");
    expect_gpus("gres:gpu", 1, "");
    expect_gpus("gres:gpu:h100", 1, "h100");
    expect_gpus("GRES:GPU:L40S:3", 3, "l40s");
    expect_gpus("gres:gpu:2,gres:nic:1", 2, "");
    expect_gpus("gres:nic:1;gres/gpu=3", 3, "");
    expect_gpus(" gres:gpu:2 ", 2, "");
    expect_gpus("gres:gpu:0", 0, "");
    expect_gpus("gres:gpu:4294967295", 4294967295u, "");  // the most there may be
    expect_gpus("gres:gpu:4294967294,gres:gpu:1", 4294967295u, "");
}
END_TEST

// More GPUs than any machine holds are refused, naming the value: a count
// too large even for 64 bits is still a count, never a model name, and
// counts that add up past 32 bits never wrap (this was 1 GPU).
START_TEST(gpu_tres_too_many) {
    expect_refused("gres:gpu:99999999999999999999", "GPU count above 4294967295: 99999999999999999999");
    expect_refused("gres:gpu:h100:4294967296", "GPU count above 4294967295: 4294967296");
    expect_refused("gpu:1,gres/gpu=18446744073709551616", "GPU count above 4294967295: 18446744073709551616");
    std::string wrap;
    for (int i = 0; i < 4294; ++i) wrap += "gpu:1000000,";
    expect_refused(wrap + "gpu:967296,gpu:1", "GPU counts add up to more than 4294967295: 4294967297");
    expect_refused("gpu:4294967295;gpu:4294967295;gpu:2", "GPU counts add up to more than 4294967295: 8589934592");
    expect_gpus(wrap + "gpu:967295", 4294967295u, "");
}
END_TEST

START_TEST(gpu_tres_none) {
    for (const char* s : {"", "gres:nic:1", "gres:gpumem:10", "gres/shard=2", "cpu=4,mem=1G", "gres:gpux:1", ",;,", "gres:",
                          "gres"}) {
        std::optional<GpuSpec> g = GpuSpec{};  // to see it become nullopt
        ck_assert_msg(!parse_gpu_tres(s, g) && !g, "\"%s\" has no GPUs", s);
    }
}
END_TEST

Suite* request_suite() {
    Suite* s = suite_create("request");
    TCase* tc = make_tcase("options");
    tcase_add_test(tc, specs);
    tcase_add_test(tc, opt_arch);
    tcase_add_test(tc, opt_instance_type);
    tcase_add_test(tc, opt_capacity);
    tcase_add_test(tc, opt_cost_center);
    tcase_add_test(tc, opt_max_cost);
    tcase_add_test(tc, idempotent);
    tcase_add_test(tc, env_options);
    tcase_add_test(tc, env_invalid);
    tcase_add_test(tc, array_tasks);
    suite_add_tcase(s, tc);
    tc = make_tcase("gpu_tres");
    tcase_add_test(tc, gpu_tres);
    tcase_add_test(tc, gpu_tres_none);
    tcase_add_test(tc, gpu_tres_too_many);
    suite_add_tcase(s, tc);
    return s;
}
