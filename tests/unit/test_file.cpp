// common/file.hpp: bounded reading of regular files, and text lines.
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "file.hpp"
#include "unit.hpp"

using namespace stratus;

namespace {

// The FileReadError reading `path` throws; fails the test if none.
FileReadError read_error(const std::string& path, size_t max_bytes = kMaxFileBytes) {
    try {
        read_regular_file(path, max_bytes);
    } catch (const FileReadError& e) {
        return e;
    }
    ck_abort_msg("read %s: expected a FileReadError, none thrown", path.c_str());
    return FileReadError("", 0, "");
}

std::vector<std::string> lines_of(std::string_view text) {
    TextLines lines(text, "t.txt");
    std::vector<std::string> out;
    std::string_view line;
    while (lines.next(line)) {
        ck_assert_uint_eq(lines.number(), out.size() + 1);
        out.emplace_back(line);
    }
    return out;
}

}  // namespace

START_TEST(regular_files) {
    std::string d = test_dir();
    write_file(d + "/a", "hello\n");
    EXPECT_STR(read_regular_file(d + "/a"), "hello\n");
    write_file(d + "/empty", "");
    EXPECT_STR(read_regular_file(d + "/empty"), "");
    // Exactly at the limit is fine; one byte more is not.
    EXPECT_STR(read_regular_file(d + "/a", 6), "hello\n");
    FileReadError e = read_error(d + "/a", 5);
    EXPECT_STR(e.what(), "cannot read " + d + "/a: larger than 5 bytes");
    ck_assert_int_eq(e.error_number(), 0);
    EXPECT_STR(e.path(), d + "/a");
    // Symlinks are followed to what they name.
    ck_assert_int_eq(symlink((d + "/a").c_str(), (d + "/link").c_str()), 0);
    EXPECT_STR(read_regular_file(d + "/link"), "hello\n");
    // /proc files say they are empty; their text is read all the same.
    ck_assert(read_regular_file("/proc/self/stat").find(std::to_string(getpid())) == 0);
}
END_TEST

START_TEST(refused_files) {
    std::string d = test_dir();
    FileReadError e = read_error(d + "/missing");
    ck_assert_int_eq(e.error_number(), ENOENT);
    EXPECT_STR(e.reason(), "No such file or directory");
    EXPECT_STR(e.what(), "cannot read " + d + "/missing: No such file or directory");
    EXPECT_STR(read_error(d).reason(), "not a regular file (a directory)");
    EXPECT_STR(read_error("/dev/zero").reason(), "not a regular file (a character device)");
    ck_assert_int_eq(read_error("/dev/zero").error_number(), 0);
    ck_assert_int_eq(mkfifo((d + "/fifo").c_str(), 0600), 0);
    EXPECT_STR(read_error(d + "/fifo").reason(), "not a regular file (a FIFO)");  // at once: no writer waited for
    write_file(d + "/big", "");
    ck_assert_int_eq(truncate((d + "/big").c_str(), 1LL << 40), 0);  // 1 TiB, sparse
    EXPECT_STR(read_error(d + "/big").reason(), "larger than 16 MiB");
    ck_assert_int_eq(symlink("/dev/zero", (d + "/zero-link").c_str()), 0);
    EXPECT_STR(read_error(d + "/zero-link").reason(), "not a regular file (a character device)");
}
END_TEST

START_TEST(file_heads) {
    std::string d = test_dir();
    write_file(d + "/a", "#!/bin/sh\necho hi\n");
    EXPECT_STR(read_file_head(d + "/a", 4), "#!/b");
    EXPECT_STR(read_file_head(d + "/a", 100), "#!/bin/sh\necho hi\n");
    ck_assert_int_eq(mkfifo((d + "/fifo").c_str(), 0600), 0);
    bool refused = false;
    try {
        read_file_head(d + "/fifo", 4);
    } catch (const FileReadError& e) {
        refused = e.reason() == "not a regular file (a FIFO)";
    }
    ck_assert(refused);
}
END_TEST

START_TEST(text_lines) {
    std::vector<std::string> l = lines_of("a\nb\r\n\nc");
    ck_assert_uint_eq(l.size(), 4);
    EXPECT_STR(l[0], "a");
    EXPECT_STR(l[1], "b");  // CRLF
    EXPECT_STR(l[2], "");
    EXPECT_STR(l[3], "c");  // no final newline
    ck_assert_uint_eq(lines_of("a\n").size(), 1);
    ck_assert_uint_eq(lines_of("").size(), 0);
    EXPECT_STR(lines_of("x\r\r\n")[0], "x\r");  // only the '\r' of CRLF goes
    // The longest line allowed, and one byte more (a '\r' of CRLF not counted).
    ck_assert_uint_eq(lines_of(std::string(kMaxLineBytes, 'x') + "\r\n")[0].size(), kMaxLineBytes);
    std::string text = "ok\n" + std::string(kMaxLineBytes + 1, 'x') + "\n";
    auto e = CONFIG_ERROR(lines_of(text));
    EXPECT_STR(e.what, "t.txt:2: line longer than 64 KiB");
}
END_TEST

Suite* file_suite() {
    Suite* s = suite_create("file");
    TCase* tc = make_tcase("read");
    tcase_add_test(tc, regular_files);
    tcase_add_test(tc, refused_files);
    tcase_add_test(tc, file_heads);
    suite_add_tcase(s, tc);
    tc = make_tcase("lines");
    tcase_add_test(tc, text_lines);
    suite_add_tcase(s, tc);
    return s;
}
