#include "aws/credentials.hpp"

#include <sstream>

#include "aws/error.hpp"
#include "aws/json_doc.hpp"
#include "file.hpp"
#include "text.hpp"

namespace stratus::aws {

namespace {

// A shared file that cannot be read counts as absent, and so does one that
// is not a regular file or holds more than kMaxFileBytes (srun and
// slurmstepd read these: a FIFO must not hang them).
bool read_file(const std::string& path, std::string& out) {
    if (path.empty()) return false;
    try {
        out = read_regular_file(path);
    } catch (const FileReadError&) {
        return false;
    }
    return true;
}

std::string expand_home(const std::string& path, const Env& env) {
    if (path.compare(0, 2, "~/") == 0) {
        if (auto home = env.get("HOME")) return *home + path.substr(1);
    }
    return path;
}

std::string get_key(const std::map<std::string, std::string>& m, const char* key) {
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
}

AwsError no_credentials(std::string message) { return local_error(kCodeNoCredentials, std::move(message)); }

}  // namespace

std::optional<Credentials> credentials_from_env(const Env& env) {
    auto key = env.get("AWS_ACCESS_KEY_ID");
    auto secret = env.get("AWS_SECRET_ACCESS_KEY");
    if (!key && !secret) return std::nullopt;
    if (!key || !secret)
        throw no_credentials(std::string("partial credentials in the environment: ") +
                             (key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is not set");
    Credentials c;
    c.access_key_id = *key;
    c.secret_access_key = *secret;
    c.session_token = env.get("AWS_SESSION_TOKEN").value_or("");
    c.source = "environment";
    return c;
}

IniFile parse_ini(const std::string& text) {
    IniFile out;
    std::map<std::string, std::string>* section = nullptr;
    std::istringstream in(text);
    std::string raw;
    while (std::getline(in, raw)) {
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();
        if (!raw.empty() && (raw[0] == ' ' || raw[0] == '\t')) {
            // Continuation / sub-property of the previous key (e.g. "s3 =\n  region = x"): not used here.
            if (!trim(raw).empty()) continue;
        }
        std::string_view line = trim(raw);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line[0] == '[') {
            size_t close = line.find(']');
            if (close == std::string_view::npos) {
                section = nullptr;  // malformed header: ignore its keys
                continue;
            }
            std::string name(trim(line.substr(1, close - 1)));
            // "[profile   dev]" -> "profile dev"
            if (name.compare(0, 7, "profile") == 0 && name.size() > 7 && (name[7] == ' ' || name[7] == '\t'))
                name = "profile " + std::string(trim(std::string_view(name).substr(8)));
            section = &out[name];
            continue;
        }
        if (!section) continue;
        size_t eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        std::string key = lower(trim(line.substr(0, eq)));
        if (key.empty()) continue;
        (*section)[key] = std::string(trim(line.substr(eq + 1)));
    }
    return out;
}

SharedFiles SharedFiles::load(const Env& env) {
    SharedFiles f;
    auto home = env.get("HOME");
    if (auto p = env.get("AWS_SHARED_CREDENTIALS_FILE")) f.credentials_path = expand_home(*p, env);
    else if (home) f.credentials_path = *home + "/.aws/credentials";
    if (auto p = env.get("AWS_CONFIG_FILE")) f.config_path = expand_home(*p, env);
    else if (home) f.config_path = *home + "/.aws/config";
    std::string text;
    if ((f.credentials_found = read_file(f.credentials_path, text))) f.credentials = parse_ini(text);
    if ((f.config_found = read_file(f.config_path, text))) f.config = parse_ini(text);
    return f;
}

const std::map<std::string, std::string>* SharedFiles::credentials_profile(const std::string& name) const {
    auto it = credentials.find(name);
    return it == credentials.end() ? nullptr : &it->second;
}

const std::map<std::string, std::string>* SharedFiles::config_profile(const std::string& name) const {
    auto it = config.find("profile " + name);
    if (it != config.end()) return &it->second;
    if (name == "default") {
        it = config.find("default");
        if (it != config.end()) return &it->second;
    }
    return nullptr;
}

std::string profile_name(const Env& env, const std::string& explicit_profile) {
    if (!explicit_profile.empty()) return explicit_profile;
    return env.get("AWS_PROFILE").value_or("default");
}

std::optional<Credentials> credentials_from_profile(const SharedFiles& files, const std::string& profile,
                                                    bool named_explicitly) {
    const auto* in_creds = files.credentials_profile(profile);
    const auto* in_config = files.config_profile(profile);
    if (!in_creds && !in_config) {
        if (named_explicitly)
            throw no_credentials("profile \"" + profile + "\" not found in " +
                                 (files.credentials_path.empty() ? "(no credentials file)" : files.credentials_path) +
                                 " or " + (files.config_path.empty() ? "(no config file)" : files.config_path));
        return std::nullopt;
    }
    // The credentials file wins over the config file, as in the SDKs.
    for (const auto* section : {in_creds, in_config}) {
        if (!section) continue;
        std::string key = get_key(*section, "aws_access_key_id");
        std::string secret = get_key(*section, "aws_secret_access_key");
        if (key.empty() && secret.empty()) continue;
        const std::string& path = section == in_creds ? files.credentials_path : files.config_path;
        if (key.empty() || secret.empty())
            throw no_credentials("profile \"" + profile + "\" in " + path + " has " +
                                 (key.empty() ? "aws_secret_access_key but no aws_access_key_id"
                                              : "aws_access_key_id but no aws_secret_access_key"));
        Credentials c;
        c.access_key_id = key;
        c.secret_access_key = secret;
        c.session_token = get_key(*section, "aws_session_token");
        c.source = "profile " + profile + " (" + path + ")";
        return c;
    }
    return std::nullopt;
}

// ---- instance role ---------------------------------------------------------

ImdsCredentialsProvider::ImdsCredentialsProvider(std::shared_ptr<ImdsClient> imds, std::shared_ptr<Clock> clock,
                                                 std::chrono::seconds margin)
    : imds_(std::move(imds)), clock_(clock ? std::move(clock) : system_clock()), margin_(margin) {}

Credentials ImdsCredentialsProvider::fetch() {
    if (imds_->disabled()) throw no_credentials("IMDS is disabled (AWS_EC2_METADATA_DISABLED)");
    const std::string base = "/latest/meta-data/iam/security-credentials/";
    auto roles = imds_->get(base);
    std::string role = roles ? std::string(trim(roles->substr(0, roles->find('\n')))) : std::string();
    if (role.empty()) throw no_credentials("no IAM role attached to this instance (IMDS " + base + ")");
    auto doc = imds_->get(base + role);
    if (!doc) throw no_credentials("IMDS has no credentials for role " + role);
    JsonPtr j;
    try {
        j = json_parse_object(*doc);
    } catch (const JsonParseError& e) {
        throw malformed_response("IMDS credentials of role " + role + ": " + e.what());
    }
    std::string code = json_string(j.get(), "Code").value_or("Success");
    if (code != "Success")
        throw no_credentials("IMDS credentials of role " + role + ": Code " + code + ": " +
                             json_string(j.get(), "Message").value_or(""));
    Credentials c;
    c.access_key_id = json_string(j.get(), "AccessKeyId").value_or("");
    c.secret_access_key = json_string(j.get(), "SecretAccessKey").value_or("");
    c.session_token = json_string(j.get(), "Token").value_or("");
    if (c.access_key_id.empty() || c.secret_access_key.empty())
        throw malformed_response("IMDS credentials of role " + role + " lack AccessKeyId or SecretAccessKey");
    if (auto exp = json_string(j.get(), "Expiration")) c.expiration = parse_iso8601(*exp);
    c.source = "instance role " + role;
    ++fetches_;
    return c;
}

Credentials ImdsCredentialsProvider::get() {
    std::lock_guard<std::mutex> lock(mutex_);
    TimePoint now = clock_->now();
    if (cached_ && now < refresh_at_) return *cached_;
    try {
        Credentials c = fetch();
        // Without a readable Expiration, ask again in 10 minutes.
        refresh_at_ = c.expiration ? *c.expiration - margin_ : now + std::chrono::minutes(10);
        cached_ = c;
        return c;
    } catch (const AwsError&) {
        // Renewal failed: the old credentials serve until they really expire.
        if (cached_ && cached_->expiration && now < *cached_->expiration) return *cached_;
        throw;
    }
}

void ImdsCredentialsProvider::invalidate() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    cached_.reset();
}

// ---- the chain ---------------------------------------------------------------

namespace {

class ChainProvider final : public CredentialsProvider {
public:
    explicit ChainProvider(CredentialsOptions o) : o_(std::move(o)) {
        if (!o_.clock) o_.clock = system_clock();
    }

    Credentials get() override {
        std::unique_lock<std::mutex> lock(mutex_);
        if (chosen_) {
            auto p = chosen_;
            lock.unlock();
            return p->get();
        }
        std::vector<std::string> tried;
        // 1. environment
        if (auto c = credentials_from_env(o_.env)) return keep(std::make_shared<StaticCredentialsProvider>(*c), *c);
        tried.push_back("environment: AWS_ACCESS_KEY_ID not set");
        // 2. shared files
        std::string profile = profile_name(o_.env, o_.profile);
        bool named = !o_.profile.empty() || o_.env.get("AWS_PROFILE").has_value();
        SharedFiles files = SharedFiles::load(o_.env);
        if (auto c = credentials_from_profile(files, profile, named))
            return keep(std::make_shared<StaticCredentialsProvider>(*c), *c);
        tried.push_back("profile " + profile + ": no keys in " +
                        (files.credentials_path.empty() ? std::string("(no credentials file)") : files.credentials_path) +
                        (files.credentials_found ? "" : " (missing)") + " or " +
                        (files.config_path.empty() ? std::string("(no config file)") : files.config_path) +
                        (files.config_found ? "" : " (missing)"));
        // 3. instance role
        try {
            if (!o_.imds) o_.imds = std::make_shared<ImdsClient>(ImdsOptions{}, o_.env);
            auto imds = std::make_shared<ImdsCredentialsProvider>(o_.imds, o_.clock, o_.refresh_margin);
            Credentials c = imds->get();
            return keep(imds, c);
        } catch (const AwsError& e) {
            tried.push_back(std::string("instance role: ") + e.what());
        }
        std::string msg = "no AWS credentials found";
        for (const std::string& t : tried) msg += "; " + t;
        throw no_credentials(msg);
    }

    void invalidate() noexcept override {
        std::shared_ptr<CredentialsProvider> p;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            p = chosen_;
        }
        if (p) p->invalidate();
    }

private:
    Credentials keep(std::shared_ptr<CredentialsProvider> p, Credentials c) {
        chosen_ = std::move(p);
        return c;
    }

    CredentialsOptions o_;
    std::mutex mutex_;
    std::shared_ptr<CredentialsProvider> chosen_;
};

}  // namespace

std::shared_ptr<CredentialsProvider> default_credentials_chain(CredentialsOptions options) {
    return std::make_shared<ChainProvider>(std::move(options));
}

std::optional<std::string> resolve_region(const std::string& explicit_region, const Env& env,
                                          const std::string& explicit_profile, ImdsClient* imds) {
    if (!explicit_region.empty()) return explicit_region;
    if (auto r = env.get("AWS_REGION")) return r;
    if (auto r = env.get("AWS_DEFAULT_REGION")) return r;
    SharedFiles files = SharedFiles::load(env);
    if (const auto* p = files.config_profile(profile_name(env, explicit_profile))) {
        auto it = p->find("region");
        if (it != p->end() && !it->second.empty()) return it->second;
    }
    if (imds && !imds->disabled()) {
        try {
            if (auto r = imds->get("/latest/meta-data/placement/region")) {
                std::string region(trim(*r));
                if (!region.empty()) return region;
            }
        } catch (const AwsError&) {
            // Not on EC2 (or IMDS unreachable): no region from there.
        }
    }
    return std::nullopt;
}

}  // namespace stratus::aws
