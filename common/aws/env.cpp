#include "aws/env.hpp"

#include <cstdlib>
#include <memory>

namespace stratus::aws {

Env Env::process() {
    return Env([](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        if (!v) return std::nullopt;
        return std::string(v);
    });
}

Env Env::fixed(std::map<std::string, std::string> vars) {
    auto shared = std::make_shared<const std::map<std::string, std::string>>(std::move(vars));
    return Env([shared](const std::string& name) -> std::optional<std::string> {
        auto it = shared->find(name);
        if (it == shared->end()) return std::nullopt;
        return it->second;
    });
}

std::optional<std::string> Env::get(const std::string& name) const {
    std::optional<std::string> v = lookup_ ? lookup_(name) : std::nullopt;
    if (v && v->empty()) return std::nullopt;
    return v;
}

}  // namespace stratus::aws
