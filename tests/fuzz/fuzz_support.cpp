#include <fcntl.h>
#include <ftw.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "fuzz.hpp"

namespace stratus::fuzz {

namespace {
std::vector<std::pair<std::string, Target>>& registry() {
    static std::vector<std::pair<std::string, Target>> r;
    return r;
}
}  // namespace

Registration::Registration(const char* name, Target target) {
    auto& r = registry();
    r.emplace_back(name, target);
    std::sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

const std::vector<std::pair<std::string, Target>>& targets() { return registry(); }

std::vector<std::string_view> split_parts(std::string_view input, size_t n) {
    static constexpr std::string_view kSep = "\n%%\n";
    std::vector<std::string_view> parts;
    while (parts.size() + 1 < n) {
        size_t at = input.find(kSep);
        if (at == std::string_view::npos) break;
        parts.push_back(input.substr(0, at));
        input.remove_prefix(at + kSep.size());
    }
    parts.push_back(input);
    while (parts.size() < n) parts.emplace_back();
    return parts;
}

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/stratus-fuzz-XXXXXX";
    if (!::mkdtemp(&tmpl[0])) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    path_ = tmpl;
}

TempDir::~TempDir() {
    ::nftw(
        path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 8,
        FTW_DEPTH | FTW_PHYS);
}

std::string TempDir::write(const std::string& name, std::string_view content) const {
    std::string p = path_ + "/" + name;
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("open " + p + ": " + std::strerror(errno));
    while (!content.empty()) {
        ssize_t w = ::write(fd, content.data(), content.size());
        if (w <= 0) {
            ::close(fd);
            throw std::runtime_error("write " + p + ": " + std::strerror(errno));
        }
        content.remove_prefix(static_cast<size_t>(w));
    }
    ::close(fd);
    return p;
}

void fail(const char* file, int line, const char* what, const std::string& detail) {
    std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n  %s\n", file, line, what, detail.c_str());
    std::abort();
}

}  // namespace stratus::fuzz
