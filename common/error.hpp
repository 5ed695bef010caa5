// Errors raised while reading configuration and catalog files.
#pragma once

#include <stdexcept>
#include <string>

namespace stratus {

// A problem in a configuration file, located to file:line and key so that
// an administrator can fix it. what() reads "FILE:LINE: KEY: MESSAGE".
class ConfigError : public std::runtime_error {
public:
    ConfigError(const std::string& file, unsigned line, const std::string& key, const std::string& message);
    // "cannot read PATH: WHY", blamed on file:line (the line that names PATH,
    // or PATH:0 itself); unreadable_file() is PATH. WHY is strerror()'s
    // text or the limit PATH broke (FileReadError::reason(), file.hpp).
    static ConfigError unreadable(const std::string& file, unsigned line, const std::string& key,
                                  const std::string& path, const std::string& why);

    const std::string& file() const noexcept { return file_; }
    unsigned line() const noexcept { return line_; }
    const std::string& key() const noexcept { return key_; }
    // The file that could not be read (so a watcher can notice it appear); empty otherwise.
    const std::string& unreadable_file() const noexcept { return unreadable_; }

private:
    std::string file_;
    unsigned line_;
    std::string key_;
    std::string unreadable_;
};

}  // namespace stratus
