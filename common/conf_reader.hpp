// Reader for slurm.conf-style files: "Key=Value" words separated by blanks,
// '#' comments, '\' line continuation, double-quoted values, and
// "Include PATH" (relative paths resolve against the including file).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace stratus {

struct ConfWord {
    std::string key;    // as written; compare with iequals()
    std::string value;  // empty for a bare word
    bool has_value = false;
};

struct ConfLine {
    const std::string& file;
    unsigned line;
    std::vector<ConfWord> words;  // never empty
};

// Calls on_line for every non-empty logical line, following Includes (depth
// limit 16). Every file opened is appended to *files_read (if non-null) so
// callers can watch them for changes.
// strict=true: an unreadable file or Include throws ConfigError naming the
// file:line of the Include; strict=false: unreadable files are skipped.
// Exceptions thrown by on_line propagate unchanged.
void read_conf_file(const std::string& path, const std::function<void(const ConfLine&)>& on_line,
                    std::vector<std::string>* files_read, bool strict);

// The directory part of a path ("." when it has none).
std::string dir_name(const std::string& path);

}  // namespace stratus
