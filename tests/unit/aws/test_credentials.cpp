// Credential chain order, shared files and profiles, region order, IMDSv2
// tokens and instance-role credentials (scripted transport, fake clock).
#include "aws/client.hpp"
#include "aws/credentials.hpp"
#include "aws/endpoints.hpp"
#include "aws/imds.hpp"
#include <sys/stat.h>

#include "aws_unit.hpp"

using namespace stratus::aws;

namespace {

// A scripted IMDS: token PUT, role list, role credentials, region.
struct FakeImds {
    std::shared_ptr<Script> script = std::make_shared<Script>();
    std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
    int token_serial = 0;
    std::string valid_token;
    int expiry_minutes = 60;
    int cred_serial = 0;
    bool reject_tokens_once = false;

    FakeImds() {
        script->handler = [this](const HttpRequest& r) {
            Script::Step s;
            if (r.method == "PUT" && r.url == "http://imds.test/latest/api/token") {
                ck_assert(!r.use_proxy);
                bool ttl = false;
                for (const auto& h : r.headers) ttl |= h.rfind("X-aws-ec2-metadata-token-ttl-seconds: ", 0) == 0;
                ck_assert(ttl);
                valid_token = "token-" + std::to_string(++token_serial);
                s.body = valid_token;
                s.headers = {{"x-aws-ec2-metadata-token-ttl-seconds", "21600"}};
                return s;
            }
            std::string token;
            for (const auto& h : r.headers)
                if (h.rfind("X-aws-ec2-metadata-token: ", 0) == 0) token = h.substr(26);
            if (token != valid_token || reject_tokens_once) {
                reject_tokens_once = false;
                s.status = 401;
                return s;
            }
            if (r.url == "http://imds.test/latest/meta-data/iam/security-credentials/") s.body = "stratus-role\n";
            else if (r.url == "http://imds.test/latest/meta-data/iam/security-credentials/stratus-role") {
                ++cred_serial;
                s.body = R"({"Code":"Success","LastUpdated":"2027-01-15T08:00:00Z","Type":"AWS-HMAC","AccessKeyId":"ASIA)" +
                         std::to_string(cred_serial) + R"(","SecretAccessKey":"secret","Token":"session-)" +
                         std::to_string(cred_serial) + R"(","Expiration":")" +
                         format_iso8601(clock->now() + std::chrono::minutes(expiry_minutes)) + "\"}";
            } else if (r.url == "http://imds.test/latest/meta-data/placement/region") s.body = "ap-southeast-2";
            else s.status = 404;
            return s;
        };
    }

    std::shared_ptr<ImdsClient> client(std::map<std::string, std::string> env = {}) {
        ImdsOptions o;
        o.clock = clock;
        auto sc = script;
        o.make_transport = [sc] { return std::make_unique<ScriptedTransport>(sc); };
        env.emplace("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://imds.test/");
        return std::make_shared<ImdsClient>(o, Env::fixed(env));
    }
};

std::string files_dir() {
    std::string d = test_dir();
    write_file(d + "/credentials",
                   "# comment\n[default]\naws_access_key_id = AKIDFILEDEFAULT\naws_secret_access_key = secretdefault\n\n"
                   "[dev]\naws_access_key_id =AKIDDEV  \naws_secret_access_key=secret/dev+x=\naws_session_token = tokdev\n"
                   "; another comment\n[half]\naws_access_key_id = AKIDHALF\n");
    write_file(d + "/config",
                   "[default]\nregion = eu-central-1\n[profile dev]\nregion=us-west-2\ns3 =\n  max_concurrent_requests = 5\n"
                   "[profile cfgonly]\naws_access_key_id = AKIDCFG\naws_secret_access_key = secretcfg\nregion = sa-east-1\n"
                   "[dev]\nregion = wrong-1\n[profile regiononly]\nregion = ca-central-1\n");
    return d;
}

}  // namespace

START_TEST(env_beats_files_beats_imds) {
    std::string d = files_dir();
    FakeImds imds;
    std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                              {"AWS_SECRET_ACCESS_KEY", "secretenv"},
                                              {"AWS_SESSION_TOKEN", "tokenv"},
                                              {"AWS_SHARED_CREDENTIALS_FILE", d + "/credentials"},
                                              {"AWS_CONFIG_FILE", d + "/config"}};
    CredentialsOptions o;
    o.env = Env::fixed(env);
    o.imds = imds.client();
    Credentials c = default_credentials_chain(o)->get();
    EXPECT_STR(c.access_key_id, "AKIDENV");
    EXPECT_STR(c.session_token, "tokenv");
    EXPECT_STR(c.source, "environment");

    env.erase("AWS_ACCESS_KEY_ID");
    env.erase("AWS_SECRET_ACCESS_KEY");
    env.erase("AWS_SESSION_TOKEN");
    o.env = Env::fixed(env);
    c = default_credentials_chain(o)->get();
    EXPECT_STR(c.access_key_id, "AKIDFILEDEFAULT");
    EXPECT_STR(c.session_token, "");

    env["AWS_SHARED_CREDENTIALS_FILE"] = d + "/missing";
    env["AWS_CONFIG_FILE"] = d + "/missing-too";
    o.env = Env::fixed(env);
    c = default_credentials_chain(o)->get();
    EXPECT_STR(c.access_key_id, "ASIA1");
    EXPECT_STR(c.session_token, "session-1");
    EXPECT_STR(c.source, "instance role stratus-role");
    ck_assert(c.expiration.has_value());
    ck_assert_uint_eq(imds.script->requests.size(), 3);  // token, role list, role
}
END_TEST

START_TEST(profiles) {
    std::string d = files_dir();
    std::map<std::string, std::string> env = {{"AWS_SHARED_CREDENTIALS_FILE", d + "/credentials"},
                                              {"AWS_CONFIG_FILE", d + "/config"},
                                              {"AWS_PROFILE", "dev"}};
    SharedFiles f = SharedFiles::load(Env::fixed(env));
    ck_assert(f.credentials_found && f.config_found);
    auto c = credentials_from_profile(f, "dev", true);
    ck_assert(c.has_value());
    EXPECT_STR(c->access_key_id, "AKIDDEV");
    EXPECT_STR(c->secret_access_key, "secret/dev+x=");
    EXPECT_STR(c->session_token, "tokdev");
    // Keys only in the config file's [profile NAME].
    c = credentials_from_profile(f, "cfgonly", true);
    EXPECT_STR(c->access_key_id, "AKIDCFG");
    // A profile with only a region: no keys, no error.
    ck_assert(!credentials_from_profile(f, "regiononly", true));
    // Named but absent: an error naming both files.
    auto e = AWS_ERROR(credentials_from_profile(f, "nosuch", true));
    EXPECT_STR(e.code(), kCodeNoCredentials);
    ck_assert(std::string(e.what()).find("\"nosuch\" not found") != std::string::npos);
    ck_assert(!credentials_from_profile(f, "nosuch", false));
    // Key without secret.
    e = AWS_ERROR(credentials_from_profile(f, "half", true));
    ck_assert(std::string(e.what()).find("no aws_secret_access_key") != std::string::npos);
    // [dev] in the config file is not "profile dev".
    EXPECT_STR(f.config_profile("dev")->at("region"), "us-west-2");

    // The chain uses AWS_PROFILE; an explicit profile wins over it.
    CredentialsOptions o;
    o.env = Env::fixed(env);
    o.imds = FakeImds().client({{"AWS_EC2_METADATA_DISABLED", "true"}});
    EXPECT_STR(default_credentials_chain(o)->get().access_key_id, "AKIDDEV");
    o.profile = "cfgonly";
    EXPECT_STR(default_credentials_chain(o)->get().access_key_id, "AKIDCFG");
    o.profile = "nosuch";
    EXPECT_STR(AWS_ERROR(default_credentials_chain(o)->get()).code(), kCodeNoCredentials);
}
END_TEST

START_TEST(home_files_and_nothing_found) {
    std::string home = test_dir();
    FakeImds disabled;
    CredentialsOptions o;
    o.env = Env::fixed({{"HOME", home}});
    o.imds = disabled.client({{"AWS_EC2_METADATA_DISABLED", "true"}});
    auto e = AWS_ERROR(default_credentials_chain(o)->get());
    EXPECT_STR(e.code(), kCodeNoCredentials);
    std::string what = e.what();
    ck_assert_msg(what.find(home + "/.aws/credentials (missing)") != std::string::npos, "%s", what.c_str());
    ck_assert_msg(what.find("instance role") != std::string::npos, "%s", what.c_str());

    ck_assert(mkdir((home + "/.aws").c_str(), 0700) == 0);
    write_file(home + "/.aws/credentials", "[default]\naws_access_key_id=AKIDHOME\naws_secret_access_key=s\n");
    EXPECT_STR(default_credentials_chain(o)->get().access_key_id, "AKIDHOME");

    // Partial keys in the environment are an error, not a fall-through.
    o.env = Env::fixed({{"HOME", home}, {"AWS_ACCESS_KEY_ID", "AKIDENV"}});
    EXPECT_STR(AWS_ERROR(default_credentials_chain(o)->get()).code(), kCodeNoCredentials);
    // An empty variable counts as unset.
    o.env = Env::fixed({{"HOME", home}, {"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}});
    EXPECT_STR(default_credentials_chain(o)->get().access_key_id, "AKIDHOME");
}
END_TEST

// The shared files are read inside srun and slurmstepd: a FIFO or a device
// in their place counts as no file, at once.
START_TEST(shared_files_not_regular) {
    std::string d = test_dir();
    ck_assert_int_eq(mkfifo((d + "/fifo").c_str(), 0600), 0);
    SharedFiles f = SharedFiles::load(
        Env::fixed({{"AWS_SHARED_CREDENTIALS_FILE", d + "/fifo"}, {"AWS_CONFIG_FILE", "/dev/zero"}}));
    ck_assert(!f.credentials_found && !f.config_found);
}
END_TEST

START_TEST(region_order) {
    std::string d = files_dir();
    FakeImds imds;
    auto client = imds.client();
    std::map<std::string, std::string> env = {{"AWS_REGION", "us-east-2"},
                                              {"AWS_DEFAULT_REGION", "us-west-1"},
                                              {"AWS_CONFIG_FILE", d + "/config"},
                                              {"AWS_SHARED_CREDENTIALS_FILE", d + "/credentials"}};
    EXPECT_STR(*resolve_region("eu-north-1", Env::fixed(env), "", client.get()), "eu-north-1");
    EXPECT_STR(*resolve_region("", Env::fixed(env), "", client.get()), "us-east-2");
    env.erase("AWS_REGION");
    EXPECT_STR(*resolve_region("", Env::fixed(env), "", client.get()), "us-west-1");
    env.erase("AWS_DEFAULT_REGION");
    EXPECT_STR(*resolve_region("", Env::fixed(env), "", client.get()), "eu-central-1");
    EXPECT_STR(*resolve_region("", Env::fixed(env), "dev", client.get()), "us-west-2");
    env["AWS_PROFILE"] = "regiononly";
    EXPECT_STR(*resolve_region("", Env::fixed(env), "", client.get()), "ca-central-1");
    env["AWS_CONFIG_FILE"] = d + "/missing";
    EXPECT_STR(*resolve_region("", Env::fixed(env), "", client.get()), "ap-southeast-2");
    ck_assert(!resolve_region("", Env::fixed(env), "", nullptr));
}
END_TEST

START_TEST(endpoints) {
    Env none = Env::fixed({});
    EXPECT_STR(resolve_endpoint(Service::ec2, "eu-west-1", "", none), "https://ec2.eu-west-1.amazonaws.com");
    EXPECT_STR(resolve_endpoint(Service::pcs, "eu-west-1", "", none), "https://pcs.eu-west-1.amazonaws.com");
    EXPECT_STR(resolve_endpoint(Service::pricing, "eu-west-1", "", none), "https://api.pricing.us-east-1.amazonaws.com");
    Env env = Env::fixed({{"AWS_ENDPOINT_URL", "http://127.0.0.1:4566/"}, {"AWS_ENDPOINT_URL_PCS", "http://localhost:9000"}});
    EXPECT_STR(resolve_endpoint(Service::ec2, "eu-west-1", "", env), "http://127.0.0.1:4566");
    EXPECT_STR(resolve_endpoint(Service::pricing, "eu-west-1", "", env), "http://127.0.0.1:4566");
    EXPECT_STR(resolve_endpoint(Service::pcs, "eu-west-1", "", env), "http://localhost:9000");
    EXPECT_STR(resolve_endpoint(Service::pcs, "eu-west-1", "https://vpce.example/", env), "https://vpce.example");
    EXPECT_STR(AWS_ERROR(resolve_endpoint(Service::ec2, "", "", none)).code(), kCodeNoRegion);
    EXPECT_STR(AWS_ERROR(resolve_endpoint(Service::ec2, "x", "ftp://host", none)).code(), kCodeInvalidArgument);
    EXPECT_STR(AWS_ERROR(resolve_endpoint(Service::ec2, "x", "http://h/?a=b", none)).code(), kCodeInvalidArgument);
    EXPECT_STR(AWS_ERROR(resolve_endpoint(Service::ec2, "us-east-1/../x", "", none)).code(), kCodeInvalidArgument);
}
END_TEST

START_TEST(imds_token_reuse_and_refresh) {
    FakeImds imds;
    auto client = imds.client();
    EXPECT_STR(*client->get("/latest/meta-data/placement/region"), "ap-southeast-2");
    EXPECT_STR(*client->get("latest/meta-data/placement/region"), "ap-southeast-2");
    ck_assert(!client->get("/latest/meta-data/spot/instance-action").has_value());  // 404
    ck_assert_uint_eq(client->tokens_fetched(), 1);
    // Shortly before the TTL ends, a new token is fetched first.
    imds.clock->t += std::chrono::seconds(21600 - 30);
    client->get("/latest/meta-data/placement/region");
    ck_assert_uint_eq(client->tokens_fetched(), 2);
    // A 401 (token went stale): one new token, one retry.
    imds.reject_tokens_once = true;
    EXPECT_STR(*client->get("/latest/meta-data/placement/region"), "ap-southeast-2");
    ck_assert_uint_eq(client->tokens_fetched(), 3);
    // A second 401 in a row is an error, not a loop.
    imds.script->handler = [](const HttpRequest& r) {
        Script::Step s;
        if (r.method == "PUT") s.body = "t";
        else s.status = 401;
        return s;
    };
    auto e = AWS_ERROR(client->get("/latest/meta-data/instance-id"));
    ck_assert_int_eq(e.http_status(), 401);
    EXPECT_STR(e.service(), "imds");
}
END_TEST

START_TEST(imds_unreachable_or_refusing) {
    FakeImds imds;
    imds.script->handler = [](const HttpRequest&) { return Script::Step{0, "", {}, true, true}; };
    auto client = imds.client();
    auto e = AWS_ERROR(client->get("/latest/meta-data/instance-id"));
    ck_assert(e.source() == ErrorSource::transport && e.is_timeout());
    imds.script->handler = [](const HttpRequest&) { return Script::Step{403, "", {}, false, false}; };
    e = AWS_ERROR(client->get("/latest/meta-data/instance-id"));
    ck_assert_int_eq(e.http_status(), 403);
    EXPECT_STR(e.operation(), "token");
    auto off = imds.client({{"AWS_EC2_METADATA_DISABLED", "true"}});
    ck_assert(off->disabled());
    AWS_ERROR(off->get("/latest/meta-data/instance-id"));
}
END_TEST

START_TEST(instance_role_cached_and_refreshed) {
    FakeImds imds;
    ImdsCredentialsProvider p(imds.client(), imds.clock, std::chrono::seconds(300));
    Credentials c1 = p.get();
    EXPECT_STR(c1.access_key_id, "ASIA1");
    // Cached while more than the margin remains.
    imds.clock->t += std::chrono::minutes(50);
    EXPECT_STR(p.get().access_key_id, "ASIA1");
    ck_assert_uint_eq(p.fetches(), 1);
    // Within 5 minutes of Expiration: renewed before it expires.
    imds.clock->t += std::chrono::minutes(6);
    Credentials c2 = p.get();
    EXPECT_STR(c2.access_key_id, "ASIA2");
    EXPECT_STR(c2.session_token, "session-2");
    ck_assert_uint_eq(p.fetches(), 2);
    // IMDS fails while the cached ones are still valid: they keep serving.
    imds.clock->t += std::chrono::minutes(56);
    auto saved = imds.script->handler;
    imds.script->handler = [](const HttpRequest&) { return Script::Step{0, "", {}, true, false}; };
    EXPECT_STR(p.get().access_key_id, "ASIA2");
    // ... but not once expired.
    imds.clock->t += std::chrono::minutes(10);
    AWS_ERROR(p.get());
    imds.script->handler = saved;
    EXPECT_STR(p.get().access_key_id, "ASIA3");
    p.invalidate();
    EXPECT_STR(p.get().access_key_id, "ASIA4");
}
END_TEST

START_TEST(instance_role_errors) {
    FakeImds imds;
    auto saved = imds.script->handler;
    imds.script->handler = [saved](const HttpRequest& r) {
        if (r.url.find("security-credentials/") != std::string::npos && r.url.back() == '/')
            return Script::Step{404, "", {}, false, false};
        return saved(r);
    };
    ImdsCredentialsProvider p(imds.client(), imds.clock);
    auto e = AWS_ERROR(p.get());
    EXPECT_STR(e.code(), kCodeNoCredentials);
    ck_assert(std::string(e.what()).find("no IAM role") != std::string::npos);
    imds.script->handler = [saved](const HttpRequest& r) {
        if (r.url.find("security-credentials/stratus-role") != std::string::npos)
            return Script::Step{200, "{\"Code\":\"Success\",", {}, false, false};
        return saved(r);
    };
    e = AWS_ERROR(p.get());
    EXPECT_STR(e.code(), kCodeMalformedResponse);
}
END_TEST

START_TEST(ini_parser) {
    IniFile f = parse_ini("[ profile  x ]\nKey = v = w\n[broken\nk=1\n[y]\n\tsub = 1\nk2=\n");
    EXPECT_STR(f["profile x"]["key"], "v = w");
    ck_assert(f["y"].count("sub") == 0);
    ck_assert(f["y"].count("k2") == 1);
    ck_assert(f.count("broken") == 0);
}
END_TEST

Suite* aws_credentials_suite() {
    Suite* s = suite_create("aws_credentials");
    TCase* tc = aws_tcase("chain");
    tcase_add_test(tc, env_beats_files_beats_imds);
    tcase_add_test(tc, profiles);
    tcase_add_test(tc, home_files_and_nothing_found);
    tcase_add_test(tc, shared_files_not_regular);
    tcase_add_test(tc, region_order);
    tcase_add_test(tc, endpoints);
    tcase_add_test(tc, ini_parser);
    suite_add_tcase(s, tc);
    tc = aws_tcase("imds");
    tcase_add_test(tc, imds_token_reuse_and_refresh);
    tcase_add_test(tc, imds_unreachable_or_refusing);
    tcase_add_test(tc, instance_role_cached_and_refreshed);
    tcase_add_test(tc, instance_role_errors);
    suite_add_tcase(s, tc);
    return s;
}
