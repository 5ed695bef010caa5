// The environment the AWS settings are read from: the process environment
// in production, a fixed map in tests.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace stratus::aws {

class Env {
public:
    using Lookup = std::function<std::optional<std::string>(const std::string&)>;

    // getenv(3) at each lookup.
    static Env process();
    // Only these variables exist.
    static Env fixed(std::map<std::string, std::string> vars);

    // The variable's value; nullopt when unset or empty (AWS tools treat
    // an empty variable as unset).
    std::optional<std::string> get(const std::string& name) const;

private:
    explicit Env(Lookup l) : lookup_(std::move(l)) {}
    Lookup lookup_;
};

}  // namespace stratus::aws
