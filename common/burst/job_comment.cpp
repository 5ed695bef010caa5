#include "burst/job_comment.hpp"

#include <utility>
#include <vector>

#include "aws/json_doc.hpp"
#include "text.hpp"

namespace stratus::burst {

namespace {

aws::JsonPtr parse(const std::string& text) {
    if (trim(text).empty()) return nullptr;
    try {
        return aws::json_parse_object(text);
    } catch (const aws::JsonParseError&) {
        return nullptr;
    }
}

}  // namespace

std::string comment_cost_center(const std::string& admin_comment) {
    aws::JsonPtr j = parse(admin_comment);
    return j ? aws::json_string(j.get(), "cost_center").value_or("") : "";
}

std::optional<Capacity> comment_capacity(const std::string& admin_comment) {
    aws::JsonPtr j = parse(admin_comment);
    if (!j) return std::nullopt;
    auto c = aws::json_string(j.get(), "capacity");
    return c ? parse_capacity(*c) : std::nullopt;
}

namespace {

// Skips blanks from `i`.
size_t skip_ws(const std::string& t, size_t i) {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
    return i;
}

// The end of the JSON string starting at t[i] == '"' (one past its closing quote).
size_t skip_string(const std::string& t, size_t i) {
    for (++i; i < t.size(); ++i) {
        if (t[i] == '\\') ++i;
        else if (t[i] == '"') return i + 1;
    }
    return std::string::npos;
}

// The end of the JSON value starting at t[i] (the text is known to be valid JSON).
size_t skip_value(const std::string& t, size_t i) {
    if (t[i] == '"') return skip_string(t, i);
    int depth = 0;
    for (; i < t.size(); ++i) {
        char c = t[i];
        if (c == '"') {
            i = skip_string(t, i) - 1;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth == 0) return i;
            if (--depth == 0) return i + 1;
        } else if (c == ',' && depth == 0) {
            return i;
        }
    }
    return i;
}

}  // namespace

std::optional<std::string> comment_with_wait_reason(const std::string& admin_comment, const std::string& reason) {
    // Edited as text, so that every other member stays exactly as written
    // (a parse-and-dump round trip would rewrite numbers: 0.0725 -> 0.072499999999999995).
    aws::JsonPtr j = parse(admin_comment);
    if (!j && !trim(admin_comment).empty()) return std::nullopt;
    aws::JsonPtr value = aws::json_new_string(reason);
    std::string member = "\"wait_reason\":" + aws::json_dump(value.get());
    if (!j) return "{" + member + "}";
    std::string t(trim(admin_comment));
    // Members without an earlier "wait_reason".
    std::vector<std::pair<size_t, size_t>> keep;  // [begin, end) of each member
    size_t i = skip_ws(t, 1);
    while (i < t.size() && t[i] == '"') {
        size_t key_end = skip_string(t, i);
        std::string key = t.substr(i, key_end - i);
        size_t colon = skip_ws(t, key_end);
        size_t v = skip_ws(t, colon + 1);
        size_t v_end = skip_value(t, v);
        if (key != "\"wait_reason\"") keep.emplace_back(i, v_end);
        i = skip_ws(t, v_end);
        if (i < t.size() && t[i] == ',') i = skip_ws(t, i + 1);
    }
    std::string out = "{";
    for (const auto& [b, e] : keep) out += t.substr(b, e - b) + ",";
    return out + member + "}";
}

}  // namespace stratus::burst
