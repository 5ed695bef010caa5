#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "budget.hpp"
#include "burst/interfaces.hpp"

namespace stratus::burst {

namespace {

void mkdirs(const std::string& dir) {
    if (dir.empty()) return;
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0) return;
    size_t slash = dir.find_last_of('/');
    if (slash != std::string::npos && slash > 0) mkdirs(dir.substr(0, slash));
    (void)::mkdir(dir.c_str(), 0755);
}

void write_all(int fd, const std::string& s) noexcept {
    const char* p = s.data();
    size_t left = s.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
}

}  // namespace

const char* log_level_name(LogLevel l) noexcept {
    switch (l) {
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
    }
    return "info";
}

FileLog::FileLog(const std::string& path, std::string program, bool echo_stderr)
    : program_(std::move(program)), echo_(echo_stderr) {
    size_t slash = path.find_last_of('/');
    if (slash != std::string::npos && slash > 0) mkdirs(path.substr(0, slash));
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        open_error_ = "cannot open BurstLog " + path + ": " + std::strerror(errno) + "; logging to standard error";
        write(LogLevel::warning, open_error_);
    }
}

FileLog::~FileLog() {
    if (fd_ >= 0) ::close(fd_);
}

void FileLog::write(LogLevel level, const std::string& line) noexcept {
    try {
        std::string text = format_utc(std::time(nullptr)) + " " + program_ + "[" + std::to_string(::getpid()) + "]: " +
                           log_level_name(level) + ": ";
        // One line per decision: no embedded newlines.
        for (char c : line) text += (c == '\n' || c == '\r') ? ' ' : c;
        text += '\n';
        if (fd_ >= 0) write_all(fd_, text);
        if (fd_ < 0 || echo_) write_all(2, text);
    } catch (...) {
        // Out of memory while logging: nothing sensible is left to do.
    }
}

BurstClock BurstClock::system() {
    BurstClock c;
    c.now = [] {
        return static_cast<int64_t>(
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count());
    };
    c.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    return c;
}

}  // namespace stratus::burst
