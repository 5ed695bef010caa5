#include "conf_reader.hpp"

#include <cctype>

#include "error.hpp"
#include "file.hpp"
#include "text.hpp"

namespace stratus {

ConfigError::ConfigError(const std::string& file, unsigned line, const std::string& key, const std::string& message)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + (key.empty() ? "" : key + ": ") + message),
      file_(file), line_(line), key_(key) {}

ConfigError ConfigError::unreadable(const std::string& file, unsigned line, const std::string& key,
                                    const std::string& path, const std::string& why) {
    ConfigError e(file, line, key, "cannot read " + path + ": " + why);
    e.unreadable_ = path;
    return e;
}

std::string dir_name(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

namespace {

constexpr int kMaxIncludeDepth = 16;
// Files one read_conf_file() may open, Includes counted: a conf.d of
// per-partition files has tens. The byte budget cannot bound the opens of
// a wide tree of empty files; this does.
constexpr unsigned kMaxConfFiles = 256;

// What one read_conf_file() may still read: a file and everything it
// Includes hold kMaxFileBytes together, so that repeated or nested Includes
// cannot multiply the limit of one file.
struct Allowance {
    unsigned files = kMaxConfFiles;
    size_t bytes = kMaxFileBytes;
};

std::vector<ConfWord> split_words(const std::string& file, unsigned lineno, const std::string& text) {
    std::vector<ConfWord> words;
    size_t i = 0, n = text.size();
    while (i < n) {
        while (i < n && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i >= n || text[i] == '#') break;
        ConfWord w;
        std::string* target = &w.key;
        while (i < n && !std::isspace(static_cast<unsigned char>(text[i]))) {
            char c = text[i];
            if (c == '#' ) break;
            if (c == '=' && !w.has_value) {
                w.has_value = true;
                target = &w.value;
                ++i;
                continue;
            }
            if (c == '"') {
                size_t close = text.find('"', i + 1);
                if (close == std::string::npos) throw ConfigError(file, lineno, w.key, "unterminated quote");
                target->append(text, i + 1, close - i - 1);
                i = close + 1;
                continue;
            }
            target->push_back(c);
            ++i;
        }
        if (w.key.empty()) throw ConfigError(file, lineno, "", "value without a key: '=" + w.value + "'");
        words.push_back(std::move(w));
        if (i < n && text[i] == '#') break;
    }
    return words;
}

void read_one(const std::string& path, const std::function<void(const ConfLine&)>& on_line,
              std::vector<std::string>* files_read, bool strict, int depth, const std::string& from_file,
              unsigned from_line, Allowance& left) {
    if (left.files == 0)
        throw ConfigError(from_file, from_line, "Include",
                          "too many files: at most " + std::to_string(kMaxConfFiles) + " with every Include");
    --left.files;
    std::string text;
    try {
        text = read_regular_file(path);
    } catch (const FileReadError& e) {
        if (!strict) return;
        if (from_file.empty()) throw ConfigError::unreadable(path, 0, "", path, e.reason());
        throw ConfigError::unreadable(from_file, from_line, "Include", path, e.reason());
    }
    if (text.size() > left.bytes)  // never the first file: it alone may have all of it
        throw ConfigError::unreadable(from_file, from_line, "Include", path,
                                      "more than " + format_bytes(kMaxFileBytes) + " together with the files read before it");
    left.bytes -= text.size();
    if (files_read) files_read->push_back(path);
    TextLines lines(text, path);
    std::string_view raw;
    std::string logical;
    unsigned first_line = 0;
    auto end_line = [&] {
        std::vector<ConfWord> words = split_words(path, first_line, logical);
        logical.clear();
        if (words.empty()) return;
        if (iequals(words[0].key, "Include") && !words[0].has_value) {
            if (words.size() != 2 || words[1].has_value)
                throw ConfigError(path, first_line, "Include", "expects exactly one path");
            if (depth + 1 >= kMaxIncludeDepth)
                throw ConfigError(path, first_line, "Include", "nested too deeply (loop?)");
            std::string target = words[1].key;
            if (!target.empty() && target[0] != '/') target = dir_name(path) + "/" + target;
            read_one(target, on_line, files_read, strict, depth + 1, path, first_line, left);
            return;
        }
        on_line(ConfLine{path, first_line, std::move(words)});
    };
    while (lines.next(raw)) {  // CRLF's '\r' is gone: a '\\' before it continues the line
        if (logical.empty()) first_line = lines.number();
        bool continued = !raw.empty() && raw.back() == '\\';
        if (continued) raw.remove_suffix(1);
        if (logical.size() + raw.size() > kMaxLineBytes)
            throw ConfigError(path, first_line, "",
                              "line longer than " + format_bytes(kMaxLineBytes) + " (with its continuations)");
        logical += raw;
        if (continued) logical.push_back(' ');
        else end_line();
    }
    if (!logical.empty()) end_line();  // the last line's '\\' continued onto nothing
}

}  // namespace

void read_conf_file(const std::string& path, const std::function<void(const ConfLine&)>& on_line,
                    std::vector<std::string>* files_read, bool strict) {
    Allowance left;
    read_one(path, on_line, files_read, strict, 0, "", 0, left);
}

}  // namespace stratus
