#include "file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "error.hpp"
#include "text.hpp"

namespace stratus {

FileReadError::FileReadError(const std::string& path, int error_number, const std::string& reason)
    : std::runtime_error("cannot read " + path + ": " + reason), path_(path), error_number_(error_number),
      reason_(reason) {}

namespace {

// Closes the descriptor it holds (-1: none).
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

const char* file_kind(mode_t mode) noexcept {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "another kind of file";
}

[[noreturn]] void fail_errno(const std::string& path) {
    int err = errno;
    throw FileReadError(path, err, std::strerror(err));
}

// Up to limit + 1 bytes of the regular file `path`: one byte more than
// allowed says that there was more.
std::string read_bounded(const std::string& path, size_t limit) {
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer, forever.
    // Reads of the regular file that passes the check below ignore it.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) fail_errno(path);
    Fd closer{fd};
    struct stat st;
    if (::fstat(fd, &st) != 0) fail_errno(path);
    if (!S_ISREG(st.st_mode)) throw FileReadError(path, 0, std::string("not a regular file (") + file_kind(st.st_mode) + ")");
    // st_size is only a hint: the file may change while we read, and /proc
    // files say 0.
    std::string text(std::min<uint64_t>(static_cast<uint64_t>(st.st_size), limit) + 1, '\0');
    size_t done = 0;
    for (;;) {
        if (done == text.size()) {
            if (done > limit) break;
            text.resize(std::min(limit + 1, std::max<size_t>(2 * done, 4096)));
        }
        ssize_t n = ::read(fd, &text[done], text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_errno(path);
        }
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    text.resize(done);
    return text;
}

}  // namespace

std::string read_regular_file(const std::string& path, size_t max_bytes) {
    std::string text = read_bounded(path, max_bytes);
    if (text.size() > max_bytes) throw FileReadError(path, 0, "larger than " + format_bytes(max_bytes));
    return text;
}

std::string read_file_head(const std::string& path, size_t max_bytes) {
    std::string text = read_bounded(path, max_bytes);
    if (text.size() > max_bytes) text.resize(max_bytes);
    return text;
}

bool TextLines::next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    size_t eol = text_.find('\n', pos_);
    size_t end = eol == std::string_view::npos ? text_.size() : eol;
    line = text_.substr(pos_, end - pos_);
    pos_ = eol == std::string_view::npos ? text_.size() : eol + 1;
    ++number_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxLineBytes)
        throw ConfigError(source_, number_, "", "line longer than " + format_bytes(kMaxLineBytes));
    return true;
}

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
    throw std::system_error(err, std::generic_category(), what + " " + path);
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view content, unsigned mode) {
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    if (base.empty()) throw std::system_error(EISDIR, std::generic_category(), "cannot write " + path);
    std::string tmp = (dir == "/" ? "" : dir) + "/." + base + ".tmp-XXXXXX";
    Fd f;
    f.fd = ::mkstemp(&tmp[0]);
    if (f.fd < 0) fail("cannot create a temporary file for", path, errno);
    bool committed = false;
    struct Cleanup {
        const std::string& tmp;
        const bool& committed;
        ~Cleanup() {
            if (!committed) ::unlink(tmp.c_str());
        }
    } cleanup{tmp, committed};

    const char* p = content.data();
    size_t left = content.size();
    while (left > 0) {
        ssize_t n = ::write(f.fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("cannot write", tmp, errno);
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    if (::fchmod(f.fd, static_cast<mode_t>(mode)) != 0) fail("cannot chmod", tmp, errno);
    if (::fsync(f.fd) != 0) fail("cannot fsync", tmp, errno);
    int fd = f.fd;
    f.fd = -1;
    if (::close(fd) != 0) fail("cannot close", tmp, errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot rename " + tmp + " to", path, errno);
    committed = true;
    // Make the rename itself durable.
    Fd d;
    d.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d.fd >= 0) (void)::fsync(d.fd);
}

}  // namespace stratus
