// common/executable.hpp and common/node_instance.hpp: the architecture guard's
// ELF reading and the node -> instance type lookup.
#include <sys/stat.h>

#include "catalog.hpp"
#include "executable.hpp"
#include "node_instance.hpp"
#include "unit.hpp"

using namespace stratus;

namespace {

// A 64-bit ELF header with the given e_machine (little endian): all the
// guard reads. No cross compiler needed.
std::string elf_header(uint16_t machine, bool little = true) {
    std::string h(64, '\0');
    h[0] = 0x7f; h[1] = 'E'; h[2] = 'L'; h[3] = 'F';
    h[4] = 2;  // ELFCLASS64
    h[5] = little ? 1 : 2;
    h[6] = 1;
    h[16] = 2;  // ET_EXEC
    h[18] = static_cast<char>(little ? machine & 0xff : machine >> 8);
    h[19] = static_cast<char>(little ? machine >> 8 : machine & 0xff);
    return h;
}

std::string executable(const std::string& dir, const std::string& name, const std::string& content) {
    std::string path = dir + "/" + name;
    write_file(path, content);
    ck_assert_int_eq(chmod(path.c_str(), 0755), 0);
    return path;
}

}  // namespace

START_TEST(elf_machines) {
    std::string d = test_dir();
    auto x86 = executable_arch(executable(d, "x86", elf_header(62)));
    ck_assert(x86 && x86->arch == Arch::x86_64);
    auto arm = executable_arch(executable(d, "arm", elf_header(183)));
    ck_assert(arm && arm->arch == Arch::arm64);
    auto arm_be = executable_arch(executable(d, "arm-be", elf_header(183, false)));
    ck_assert(arm_be && arm_be->arch == Arch::arm64);
    // Other machines (RISC-V), text, empty and missing files pass the guard.
    ck_assert(!executable_arch(executable(d, "riscv", elf_header(243))));
    ck_assert(!executable_arch(executable(d, "text", "hello\n")));
    ck_assert(!executable_arch(executable(d, "empty", "")));
    ck_assert(!executable_arch(d + "/missing"));
    ck_assert(!executable_arch(executable(d, "short", std::string("\x7f" "ELF", 4))));
}
END_TEST

START_TEST(scripts_follow_interpreter) {
    std::string d = test_dir();
    std::string interp = executable(d, "python-arm", elf_header(183));
    auto s = executable_arch(executable(d, "job.py", "#!" + interp + " -u\nprint(1)\n"));
    ck_assert(s && s->arch == Arch::arm64);
    EXPECT_STR(s->file, interp);
    // Through a second script.
    std::string wrapper = executable(d, "wrapper", "#! " + d + "/job.py\n");
    auto w = executable_arch(wrapper);
    ck_assert(w && w->arch == Arch::arm64);
    // Relative interpreters and node-local ones are not followed.
    ck_assert(!executable_arch(executable(d, "rel", "#!python-arm\n")));
    ck_assert(!executable_arch(executable(d, "sh", "#!/bin/sh\nexit 0\n")));
    ck_assert(!executable_arch(executable(d, "env", "#!/usr/bin/env python3\n")));
    // An interpreter that is a FIFO or a device is not opened for long
    // (srun and slurmstepd must not hang on it), and not judged.
    ck_assert_int_eq(mkfifo((d + "/fifo").c_str(), 0700), 0);
    ck_assert(!executable_arch(executable(d, "to-fifo", "#!" + d + "/fifo\n")));
    ck_assert(!executable_arch(executable(d, "to-zero", "#!/dev/zero\n")));
    // A loop of scripts ends.
    executable(d, "loop-a", "#!" + d + "/loop-b\n");
    executable(d, "loop-b", "#!" + d + "/loop-a\n");
    ck_assert(!executable_arch(d + "/loop-a"));
}
END_TEST

START_TEST(node_local_files_not_judged) {
    // The machine's own binaries belong to whatever node runs them.
    ck_assert(!executable_arch("/bin/true"));
    ck_assert(!executable_arch("/usr/bin/env"));
}
END_TEST

START_TEST(resolve_on_path) {
    std::string d = test_dir();
    ck_assert_int_eq(mkdir((d + "/bin1").c_str(), 0755), 0);
    ck_assert_int_eq(mkdir((d + "/bin2").c_str(), 0755), 0);
    executable(d, "bin2/solver", elf_header(62));
    write_file(d + "/bin1/solver", "not executable");  // mode 644: skipped like a shell would
    auto f = resolve_command("solver", d + "/bin1:" + d + "/bin2", "/");
    ck_assert(f.has_value());
    EXPECT_STR(*f, d + "/bin2/solver");
    // Relative names with a slash resolve against cwd; PATH is not searched.
    auto rel = resolve_command("./bin2/solver", "/nonexistent", d);
    ck_assert(rel.has_value());
    EXPECT_STR(*rel, d + "/./bin2/solver");
    ck_assert(!resolve_command("./solver", d + "/bin2", d));
    ck_assert(!resolve_command("nosuch", d + "/bin1:" + d + "/bin2", d));
    ck_assert(!resolve_command("", d, d));
    // Relative PATH entries are taken from cwd.
    auto from_rel_path = resolve_command("solver", "bin2", d);
    ck_assert(from_rel_path.has_value());
}
END_TEST

START_TEST(hostlists) {
    ck_assert(hostlist_contains("gpu-1", "gpu-1"));
    ck_assert(!hostlist_contains("gpu-1", "gpu-10"));
    ck_assert(hostlist_contains("gpu-[1-4]", "gpu-3"));
    ck_assert(!hostlist_contains("gpu-[1-4]", "gpu-5"));
    ck_assert(hostlist_contains("login1,gpu-[1-4,7],cpu-[01-10]", "gpu-7"));
    ck_assert(hostlist_contains("login1,gpu-[1-4,7],cpu-[01-10]", "cpu-09"));
    ck_assert(hostlist_contains("login1,gpu-[1-4,7],cpu-[01-10]", "cpu-10"));
    ck_assert(!hostlist_contains("login1,gpu-[1-4,7],cpu-[01-10]", "cpu-9"));  // padded names only
    ck_assert(hostlist_contains("login1,gpu-[1-4,7],cpu-[01-10]", "login1"));
    ck_assert(hostlist_contains("rack[1-2]-node[1-3]", "rack2-node3"));
    ck_assert(!hostlist_contains("rack[1-2]-node[1-3]", "rack3-node1"));
    ck_assert(hostlist_contains("q-dy-c7g-[1-100]", "q-dy-c7g-42"));
    ck_assert(!hostlist_contains("gpu-[1-4", "gpu-1"));  // malformed: no match, no crash
    ck_assert(!hostlist_contains("", "gpu-1"));
}
END_TEST

START_TEST(features_from_slurm_conf) {
    std::string d = test_dir();
    write_file(d + "/slurm.conf",
               "NodeName=DEFAULT Features=generic\n"
               "NodeName=gpu-[1-2] CPUs=48 Features=g6e.12xlarge,g6e,x86_64,gpu\n"
               "NodeName=plain CPUs=2\n"
               "NodeName=g-[1-4] Feature=hpc7g.16xlarge&arm64\n");
    auto f = node_features(d + "/slurm.conf", "gpu-2");
    ck_assert(f.has_value());
    EXPECT_STR(*f, "g6e.12xlarge,g6e,x86_64,gpu");
    EXPECT_STR(*node_features(d + "/slurm.conf", "plain"), "generic");
    ck_assert(!node_features(d + "/slurm.conf", "gpu-3"));
    ck_assert(!node_features(d + "/none.conf", "gpu-1"));

    Catalog c = Catalog::builtin();
    const InstanceType* t = instance_type_in_features(c, *f);
    ck_assert_ptr_nonnull(t);
    EXPECT_STR(t->name, "g6e.12xlarge");
    t = instance_type_in_features(c, *node_features(d + "/slurm.conf", "g-3"));
    ck_assert_ptr_nonnull(t);
    EXPECT_STR(t->name, "hpc7g.16xlarge");
    ck_assert_ptr_null(instance_type_in_features(c, "generic,gpu"));
}
END_TEST

Suite* executable_suite() {
    Suite* s = suite_create("executable");
    TCase* tc = make_tcase("elf");
    tcase_add_test(tc, elf_machines);
    tcase_add_test(tc, scripts_follow_interpreter);
    tcase_add_test(tc, node_local_files_not_judged);
    tcase_add_test(tc, resolve_on_path);
    suite_add_tcase(s, tc);
    tc = make_tcase("node_instance");
    tcase_add_test(tc, hostlists);
    tcase_add_test(tc, features_from_slurm_conf);
    suite_add_tcase(s, tc);
    return s;
}
