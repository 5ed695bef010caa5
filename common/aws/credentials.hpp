// AWS credentials and region, found the way the AWS SDKs find them.
//
// Credential chain, first match wins:
//   1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
//   2. shared files: the credentials file (AWS_SHARED_CREDENTIALS_FILE, else
//      ~/.aws/credentials, sections [NAME]) then the config file
//      (AWS_CONFIG_FILE, else ~/.aws/config, sections [profile NAME] and
//      [default]); keys aws_access_key_id, aws_secret_access_key,
//      aws_session_token; profile: the explicit one, else AWS_PROFILE, else
//      "default"
//   3. the instance role through IMDSv2, cached until its Expiration minus
//      a margin and renewed before; if renewal fails while the old
//      credentials are still valid, those are used.
// Region, first match wins: explicit (stratus.conf), AWS_REGION,
// AWS_DEFAULT_REGION, `region` of the profile in the config file, IMDS
// placement/region.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/clock.hpp"
#include "aws/env.hpp"
#include "aws/http.hpp"
#include "aws/imds.hpp"

namespace stratus::aws {

class CredentialsProvider {
public:
    virtual ~CredentialsProvider() = default;
    // Credentials to sign the next request with. Throws AwsError: code
    // NoCredentials when this source has none, other codes when the source
    // is broken (partial keys, explicit profile not found, IMDS failure).
    // Implementations are thread-safe.
    virtual Credentials get() = 0;
    // The service rejected the last credentials as expired: forget any cache.
    virtual void invalidate() noexcept {}
};

class StaticCredentialsProvider final : public CredentialsProvider {
public:
    explicit StaticCredentialsProvider(Credentials c) : c_(std::move(c)) {}
    Credentials get() override { return c_; }

private:
    const Credentials c_;
};

// The environment's keys, nullopt when AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY are both unset. Throws AwsError(local,
// NoCredentials) when only one of them is set.
std::optional<Credentials> credentials_from_env(const Env& env);

// A parsed shared config or credentials file: section name -> key -> value.
// Section names are as written, minus the brackets ("profile dev", "dev",
// "default"); keys are lower-cased; values trimmed. Comment lines start
// with '#' or ';'; indented continuation lines (sub-properties) are skipped.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
IniFile parse_ini(const std::string& text);

struct SharedFiles {
    std::string credentials_path, config_path;
    bool credentials_found = false, config_found = false;
    IniFile credentials, config;

    // Reads both files (missing ones are empty). Paths from
    // AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE (a leading "~/" is
    // expanded), else $HOME/.aws/credentials and $HOME/.aws/config.
    static SharedFiles load(const Env& env);

    // The profile's keys: [NAME] in the credentials file, else
    // [profile NAME] (or [default] for "default") in the config file.
    const std::map<std::string, std::string>* credentials_profile(const std::string& name) const;
    const std::map<std::string, std::string>* config_profile(const std::string& name) const;
};

// The profile to use: `explicit_profile`, else AWS_PROFILE, else "default".
std::string profile_name(const Env& env, const std::string& explicit_profile);

// The profile's static keys. nullopt when the profile has none (or does
// not exist and was not asked for by name). Throws AwsError(local,
// NoCredentials) for a profile named explicitly (or by AWS_PROFILE) that
// exists in neither file, and for a key without its secret.
std::optional<Credentials> credentials_from_profile(const SharedFiles& files, const std::string& profile,
                                                    bool named_explicitly);

// Instance-role credentials from IMDSv2, cached. Thread-safe.
class ImdsCredentialsProvider final : public CredentialsProvider {
public:
    // `margin`: renew this long before Expiration.
    ImdsCredentialsProvider(std::shared_ptr<ImdsClient> imds, std::shared_ptr<Clock> clock,
                            std::chrono::seconds margin = std::chrono::seconds(300));
    Credentials get() override;
    void invalidate() noexcept override;
    unsigned fetches() const noexcept { return fetches_.load(); }

private:
    Credentials fetch();

    std::shared_ptr<ImdsClient> imds_;
    std::shared_ptr<Clock> clock_;
    std::chrono::seconds margin_;
    std::mutex mutex_;
    std::optional<Credentials> cached_;
    TimePoint refresh_at_{};
    std::atomic<unsigned> fetches_{0};
};

struct CredentialsOptions {
    Env env = Env::process();
    std::string profile;                 // empty: AWS_PROFILE, else "default"
    std::shared_ptr<ImdsClient> imds;    // null: one built from `env` when first needed
    std::shared_ptr<Clock> clock;        // null: system_clock()
    std::chrono::seconds refresh_margin{300};
};

// The chain above. The first source that yields credentials is kept for
// later calls. When none does, get() throws AwsError(local, NoCredentials)
// whose message says what each source lacked.
std::shared_ptr<CredentialsProvider> default_credentials_chain(CredentialsOptions options = {});

// The region, per the order above; nullopt when none is found. The IMDS
// step is skipped when `imds` is null; IMDS failures count as "not found".
std::optional<std::string> resolve_region(const std::string& explicit_region, const Env& env,
                                          const std::string& explicit_profile, ImdsClient* imds);

}  // namespace stratus::aws
