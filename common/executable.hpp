// What machine an executable is built for, for the architecture guard:
// an x86_64 binary sent to a Graviton node fails only after the instance
// booted and the job waited; we can tell before.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "catalog.hpp"

namespace stratus {

// Finds the file a command name runs: names with a '/' are taken as they
// are (relative to `cwd` when not absolute), others are searched in `path`
// (':'-separated) for an executable regular file. nullopt if none.
std::optional<std::string> resolve_command(const std::string& name, const std::string& path, const std::string& cwd);

struct ExecutableArch {
    Arch arch;
    std::string file;  // the ELF file judged (the interpreter, for a script)
};

// Reads the ELF header of `file` (e_machine: x86-64 or AArch64). A "#!"
// script is followed to its interpreter when that is an absolute path.
// Files under /bin, /sbin, /lib*, and /usr (but /usr/local) belong to the
// node that runs them, built for its architecture: they are never judged,
// neither where they are looked at from elsewhere nor on a node.
// Non-ELF files, other machines, unreadable files and anything but a
// regular file (a FIFO is never waited on): nullopt (they pass the guard).
// Reads at most a few hundred bytes per file.
std::optional<ExecutableArch> executable_arch(const std::string& file);

}  // namespace stratus
