#include "executable.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>

#include "file.hpp"
#include "text.hpp"

namespace stratus {

namespace {

constexpr uint16_t kMachineX86_64 = 62;   // EM_X86_64
constexpr uint16_t kMachineAArch64 = 183;  // EM_AARCH64
constexpr int kMaxInterpreterDepth = 4;    // the kernel allows a few levels too

bool is_executable_file(const std::string& f) {
    struct stat st;
    return ::stat(f.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(f.c_str(), X_OK) == 0;
}

bool node_local(std::string_view path) {
    for (std::string_view dir : {"/bin/", "/sbin/", "/lib/", "/lib64/", "/usr/"})
        if (path.compare(0, dir.size(), dir) == 0)
            return !(dir == "/usr/" && path.compare(0, 11, "/usr/local/") == 0);
    return false;
}

}  // namespace

std::optional<std::string> resolve_command(const std::string& name, const std::string& path, const std::string& cwd) {
    if (name.empty()) return std::nullopt;
    if (name.find('/') != std::string::npos) {
        std::string f = name[0] == '/' ? name : cwd + "/" + name;
        if (is_executable_file(f)) return f;
        return std::nullopt;
    }
    for (const std::string& dir : split_list(path, ':')) {
        std::string f = (dir[0] == '/' ? dir : cwd + "/" + dir) + "/" + name;
        if (is_executable_file(f)) return f;
    }
    return std::nullopt;
}

std::optional<ExecutableArch> executable_arch(const std::string& file) {
    std::string current = file;
    for (int depth = 0; depth < kMaxInterpreterDepth; ++depth) {
        if (node_local(current)) return std::nullopt;
        std::string head;
        try {
            head = read_file_head(current, 256);
        } catch (const FileReadError&) {
            return std::nullopt;
        }
        size_t n = head.size();
        if (n >= 20 && head.compare(0, 4, "\x7f" "ELF") == 0) {
            bool little = head[5] == 1;  // EI_DATA: ELFDATA2LSB
            auto b0 = static_cast<uint8_t>(head[18]), b1 = static_cast<uint8_t>(head[19]);
            uint16_t machine = static_cast<uint16_t>(little ? (b0 | (b1 << 8)) : ((b0 << 8) | b1));
            if (machine == kMachineX86_64) return ExecutableArch{Arch::x86_64, current};
            if (machine == kMachineAArch64) return ExecutableArch{Arch::arm64, current};
            return std::nullopt;
        }
        if (n < 3 || head[0] != '#' || head[1] != '!') return std::nullopt;
        std::string_view line = std::string_view(head).substr(2);
        line = line.substr(0, line.find('\n'));
        line = trim(line);
        std::string_view interpreter = line.substr(0, line.find_first_of(" \t"));
        if (interpreter.empty() || interpreter[0] != '/') return std::nullopt;
        current = std::string(interpreter);
    }
    return std::nullopt;
}

}  // namespace stratus
