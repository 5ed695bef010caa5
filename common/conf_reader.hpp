// Reader for slurm.conf-style files: "Key=Value" words separated by blanks,
// '#' comments, '\' line continuation, double-quoted values, and
// "Include PATH" (relative paths resolve against the including file).
// Lines may end in CRLF. A '\' ending the file's last line continues onto
// nothing: that line counts as written, not dropped.
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

// Calls on_line for every non-empty logical line, following Includes. Every
// file opened is appended to *files_read (if non-null) so callers can watch
// them for changes.
// Bounded for the daemons it runs in: Includes nest 16 deep at most, one
// call reads at most 256 files and kMaxFileBytes (file.hpp) in all, and a
// line, continuations included, holds at most kMaxLineBytes. Beyond these
// it throws ConfigError naming the file:line at fault, strict or not.
// strict=true: a file or Include that cannot be read (missing, not a
// regular file, too large: file.hpp) throws ConfigError naming the file:line
// of the Include; strict=false: such files are skipped.
// Exceptions thrown by on_line propagate unchanged.
void read_conf_file(const std::string& path, const std::function<void(const ConfLine&)>& on_line,
                    std::vector<std::string>* files_read, bool strict);

// The directory part of a path ("." when it has none).
std::string dir_name(const std::string& path);

}  // namespace stratus
