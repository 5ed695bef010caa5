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
    const std::string& file() const noexcept { return file_; }
    unsigned line() const noexcept { return line_; }
    const std::string& key() const noexcept { return key_; }

private:
    std::string file_;
    unsigned line_;
    std::string key_;
};

}  // namespace stratus
