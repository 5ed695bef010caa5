#include "json_value.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "json.hpp"

namespace stratus {

class JsonParser {
public:
    explicit JsonParser(std::string_view s) : s_(s) {}

    JsonValue document() {
        JsonValue v = value(0);
        skip_ws();
        if (pos_ != s_.size()) fail("trailing characters after the document");
        return v;
    }

private:
    static constexpr int kMaxDepth = 64;

    [[noreturn]] void fail(const std::string& msg) const { throw JsonParseError(pos_, msg); }

    void need_more() const {
        if (pos_ >= s_.size()) fail("unexpected end of the document");
    }

    void skip_ws() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
    }

    bool literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }

    JsonValue value(int depth) {
        if (depth > kMaxDepth) fail("nested too deeply");
        skip_ws();
        if (pos_ >= s_.size()) fail("unexpected end of the document");
        JsonValue v;
        char c = s_[pos_];
        if (c == '{') {
            v.type_ = JsonValue::Type::object;
            ++pos_;
            skip_ws();
            if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; return v; }
            for (;;) {
                skip_ws();
                need_more();
                if (s_[pos_] != '"') fail("expected a string key");
                std::string key = string();
                skip_ws();
                need_more();
                if (s_[pos_] != ':') fail("expected ':'");
                ++pos_;
                v.members_.emplace_back(std::move(key), value(depth + 1));
                skip_ws();
                need_more();
                if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
                if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; return v; }
                fail("expected ',' or '}'");
            }
        }
        if (c == '[') {
            v.type_ = JsonValue::Type::array;
            ++pos_;
            skip_ws();
            if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; return v; }
            for (;;) {
                v.items_.push_back(value(depth + 1));
                skip_ws();
                need_more();
                if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
                if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; return v; }
                fail("expected ',' or ']'");
            }
        }
        if (c == '"') {
            v.type_ = JsonValue::Type::string;
            v.text_ = string();
            return v;
        }
        if (literal("true")) { v.type_ = JsonValue::Type::boolean; v.boolean_ = true; return v; }
        if (literal("false")) { v.type_ = JsonValue::Type::boolean; return v; }
        if (literal("null")) return v;
        if (c == '-' || (c >= '0' && c <= '9')) {
            v.type_ = JsonValue::Type::number;
            v.text_ = number();
            return v;
        }
        fail(std::string("unexpected character '") + c + "'");
    }

    static bool digit(char c) { return c >= '0' && c <= '9'; }

    std::string number() {
        size_t start = pos_;
        if (s_[pos_] == '-') ++pos_;
        if (pos_ >= s_.size() || !digit(s_[pos_])) fail("malformed number");
        if (s_[pos_] == '0') ++pos_;
        else while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            if (pos_ >= s_.size() || !digit(s_[pos_])) fail("malformed number");
            while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (pos_ >= s_.size() || !digit(s_[pos_])) fail("malformed number");
            while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
        }
        return std::string(s_.substr(start, pos_ - start));
    }

    unsigned hex4() {
        if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            char c = s_[pos_++];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
            else fail("bad \\u escape");
        }
        return v;
    }

    static void utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    std::string string() {
        ++pos_;  // the opening quote
        std::string out;
        for (;;) {
            if (pos_ >= s_.size()) fail("unexpected end of the document (unterminated string)");
            char c = s_[pos_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
            if (static_cast<unsigned char>(c) >= 0x80) {
                // JSON is UTF-8 (RFC 8259), as jansson insists: text that is
                // not would not write back as it was read.
                size_t n = utf8_sequence_length(s_, pos_ - 1);
                if (n == 0) fail("a string is not valid UTF-8");
                out.append(s_.substr(pos_ - 1, n));
                pos_ += n - 1;
                continue;
            }
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (pos_ >= s_.size()) fail("unterminated string");
            char e = s_[pos_++];
            switch (e) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                unsigned cp = hex4();
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (s_.substr(pos_, 2) != "\\u") fail("a \\u escape is half a surrogate pair");
                    pos_ += 2;
                    unsigned lo = hex4();
                    if (lo < 0xDC00 || lo > 0xDFFF) fail("a \\u escape is half a surrogate pair");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    fail("a \\u escape is half a surrogate pair");
                }
                utf8(out, cp);
                break;
            }
            default: fail(std::string("bad escape \\") + e);
            }
        }
    }

    std::string_view s_;
    size_t pos_ = 0;
};

JsonValue JsonValue::parse(std::string_view text) { return JsonParser(text).document(); }

double JsonValue::number() const noexcept {
    if (type_ != Type::number) return std::numeric_limits<double>::quiet_NaN();
    double v = 0;
    auto [end, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
    (void)end;
    return ec == std::errc() ? v : std::numeric_limits<double>::quiet_NaN();
}

const JsonValue* JsonValue::find(std::string_view key) const noexcept {
    const JsonValue* found = nullptr;
    for (const auto& [k, v] : members_)
        if (k == key) found = &v;
    return found;
}

std::optional<int64_t> JsonValue::cents() const noexcept {
    if (type_ != Type::number) return std::nullopt;
    // -? int [. frac] [e exp]: collect the significant digits and where the
    // decimal point falls, then move it two places right and round.
    std::string_view t = text_;
    bool negative = !t.empty() && t[0] == '-';
    if (negative) t.remove_prefix(1);
    std::string digits;
    long point = 0;  // digits before the decimal point
    size_t i = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') digits.push_back(t[i++]);
    point = static_cast<long>(digits.size());
    if (i < t.size() && t[i] == '.') {
        ++i;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9') digits.push_back(t[i++]);
    }
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        bool eneg = i < t.size() && t[i] == '-';
        if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
        long e = 0;
        for (; i < t.size(); ++i) {
            e = e * 10 + (t[i] - '0');
            if (e > 100) return std::nullopt;  // far outside any amount
        }
        point += eneg ? -e : e;
    }
    point += 2;  // cents
    // Strip leading zeros (they do not change the value).
    size_t lead = 0;
    while (lead < digits.size() && digits[lead] == '0') ++lead;
    digits.erase(0, lead);
    point -= static_cast<long>(lead);
    if (digits.empty()) return 0;
    if (point > 16) return std::nullopt;  // 17+ integer digits of cents: beyond +-9e15
    int64_t whole = 0;
    for (long k = 0; k < point; ++k)
        whole = whole * 10 + (k < static_cast<long>(digits.size()) ? digits[static_cast<size_t>(k)] - '0' : 0);
    // Round half away from zero on the first dropped digit.
    if (point >= 0 && static_cast<size_t>(point) < digits.size() && digits[static_cast<size_t>(point)] >= '5') ++whole;
    if (whole > 9000000000000000LL) return std::nullopt;
    return negative ? -whole : whole;
}

namespace {
void dump_to(std::string& out, const JsonValue& v) {
    switch (v.type()) {
    case JsonValue::Type::null: out += "null"; break;
    case JsonValue::Type::boolean: out += v.boolean() ? "true" : "false"; break;
    case JsonValue::Type::number: out += v.text(); break;
    case JsonValue::Type::string: json_escape_to(out, v.text()); break;
    case JsonValue::Type::array:
        out += '[';
        for (size_t i = 0; i < v.items().size(); ++i) {
            if (i) out += ',';
            dump_to(out, v.items()[i]);
        }
        out += ']';
        break;
    case JsonValue::Type::object:
        out += '{';
        for (size_t i = 0; i < v.members().size(); ++i) {
            if (i) out += ',';
            json_escape_to(out, v.members()[i].first);
            out += ':';
            dump_to(out, v.members()[i].second);
        }
        out += '}';
        break;
    }
}
}  // namespace

std::string JsonValue::dump() const {
    std::string out;
    dump_to(out, *this);
    return out;
}

}  // namespace stratus
