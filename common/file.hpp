// Reading the files Stratus is given by path (stratus.conf and its
// Includes, slurm.conf, catalog CSVs, the spend snapshot, the burst state,
// the resume file, AWS's shared files, executables' headers), bounded: this
// code runs inside slurmctld, sbatch, srun and slurmstepd, where a path that
// names /dev/zero, a FIFO or a runaway file must neither hang the process
// nor exhaust its memory. Symlinks are followed (pointing a config path at
// a file elsewhere is common practice); what they lead to must be a regular
// file.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace stratus {

// The most a file read whole may hold, unless its reader says otherwise.
// The largest realistic ones are a full-region instance catalog (~2 MB;
// the built-in one is 20 KB for 152 types) and a spend snapshot for
// thousands of accounts (a few MB): 16 MiB is several times either, and
// bounds what a wrong path costs a daemon.
constexpr size_t kMaxFileBytes = 16u << 20;

// The longest line of a line-oriented file (stratus.conf, slurm.conf,
// catalog CSV). Real lines are under a few KiB; a hostlist written out in
// full for a thousand nodes is ~10 KiB.
constexpr size_t kMaxLineBytes = 64u << 10;

// A file that could not be read: what() is "cannot read PATH: REASON".
class FileReadError : public std::runtime_error {
public:
    FileReadError(const std::string& path, int error_number, const std::string& reason);
    const std::string& path() const noexcept { return path_; }
    // errno of the open or read that failed; 0 when the file was refused
    // (not a regular file, or too large).
    int error_number() const noexcept { return error_number_; }
    // strerror()'s text, "not a regular file (a FIFO)", "larger than 16 MiB", ...
    const std::string& reason() const noexcept { return reason_; }

private:
    std::string path_;
    int error_number_;
    std::string reason_;
};

// All of `path`, which must be (or lead by symlinks to) a regular file of at
// most max_bytes, also while it is being read (a file growing past the limit
// is refused). Opening never blocks: a FIFO is refused, not waited on.
// Throws FileReadError; std::bad_alloc aside, nothing else.
std::string read_regular_file(const std::string& path, size_t max_bytes = kMaxFileBytes);

// The first max_bytes of `path` (all of it if shorter), for looking at a
// header (ELF, "#!"): the same rules, but a longer file is fine.
std::string read_file_head(const std::string& path, size_t max_bytes);

// Writes `content` to a temporary file in the same directory, fsyncs it,
// renames it over `path` and fsyncs the directory: readers see the old
// file or the new one, never a mix. Throws std::system_error naming the
// file; on failure `path` is untouched and no temporary file is left.
void write_file_atomically(const std::string& path, std::string_view content, unsigned mode = 0644);

// The lines of a text read whole: '\n' ends a line and a '\r' before it is
// dropped (CRLF files); the last line needs no '\n'.
class TextLines {
public:
    // `source` names the text in errors (a path); `text` must outlive this.
    TextLines(std::string_view text, std::string source) : text_(text), source_(std::move(source)) {}
    // The next line into `line`; false at the end. Throws
    // ConfigError(source, number(), "", ...) for a line longer than kMaxLineBytes.
    bool next(std::string_view& line);
    // The line next() returned last, counting from 1.
    unsigned number() const noexcept { return number_; }

private:
    std::string_view text_;
    std::string source_;
    size_t pos_ = 0;
    unsigned number_ = 0;
};

}  // namespace stratus
