#include "conf_reader.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "error.hpp"
#include "text.hpp"

namespace stratus {

ConfigError::ConfigError(const std::string& file, unsigned line, const std::string& key, const std::string& message)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + (key.empty() ? "" : key + ": ") + message),
      file_(file), line_(line), key_(key) {}

ConfigError ConfigError::unreadable(const std::string& file, unsigned line, const std::string& key,
                                    const std::string& path, int error_number) {
    ConfigError e(file, line, key, "cannot read " + path + ": " + std::strerror(error_number));
    e.unreadable_ = path;
    e.unreadable_errno_ = error_number;
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
              unsigned from_line) {
    std::ifstream in(path);
    if (!in) {
        if (!strict) return;
        if (from_file.empty()) throw ConfigError::unreadable(path, 0, "", path, errno);
        throw ConfigError::unreadable(from_file, from_line, "Include", path, errno);
    }
    if (files_read) files_read->push_back(path);
    std::string raw, logical;
    unsigned lineno = 0, first_line = 0;
    while (std::getline(in, raw)) {
        ++lineno;
        if (logical.empty()) first_line = lineno;
        if (!raw.empty() && raw.back() == '\\') {
            logical.append(raw, 0, raw.size() - 1);
            logical.push_back(' ');
            continue;
        }
        logical += raw;
        std::vector<ConfWord> words = split_words(path, first_line, logical);
        logical.clear();
        if (words.empty()) continue;
        if (iequals(words[0].key, "Include") && !words[0].has_value) {
            if (words.size() != 2 || words[1].has_value)
                throw ConfigError(path, first_line, "Include", "expects exactly one path");
            if (depth + 1 >= kMaxIncludeDepth)
                throw ConfigError(path, first_line, "Include", "nested too deeply (loop?)");
            std::string target = words[1].key;
            if (!target.empty() && target[0] != '/') target = dir_name(path) + "/" + target;
            read_one(target, on_line, files_read, strict, depth + 1, path, first_line);
            continue;
        }
        on_line(ConfLine{path, first_line, std::move(words)});
    }
}

}  // namespace

void read_conf_file(const std::string& path, const std::function<void(const ConfLine&)>& on_line,
                    std::vector<std::string>* files_read, bool strict) {
    read_one(path, on_line, files_read, strict, 0, "", 0);
}

}  // namespace stratus
