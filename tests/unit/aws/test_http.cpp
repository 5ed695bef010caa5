// CurlTransport against a tiny HTTP/1.1 server in the test process:
// methods, headers, SigV4 by libcurl (header shape, session token signed),
// timeouts, refused connections, connection reuse, the response size cap,
// IMDSv2 over real HTTP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "aws/ec2.hpp"
#include "aws/http.hpp"
#include "aws/imds.hpp"
#include "aws_unit.hpp"
#include "text.hpp"

using namespace stratus::aws;

namespace {

struct SeenRequest {
    std::string method, path, body;
    std::map<std::string, std::string> headers;  // lower-case names
};

struct Answer {
    int status = 200;
    std::string body;
    std::vector<std::string> headers;
    int delay_ms = 0;
};

class MiniServer {
public:
    using Handler = std::function<Answer(const SeenRequest&)>;
    explicit MiniServer(Handler h) : handler_(std::move(h)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ck_assert(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        ck_assert(::listen(fd_, 16) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { loop(); });
    }
    ~MiniServer() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int connections() const { return connections_.load(); }
    std::vector<SeenRequest> seen() {
        std::lock_guard<std::mutex> l(m_);
        return seen_;
    }

private:
    bool wait_readable(int fd) {
        while (!stop_) {
            pollfd p{fd, POLLIN, 0};
            int r = ::poll(&p, 1, 50);
            if (r > 0) return true;
        }
        return false;
    }
    void loop() {
        while (wait_readable(fd_)) {
            int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) continue;
            ++connections_;
            serve(c);
            ::close(c);
        }
    }
    void serve(int c) {
        std::string buf;
        char tmp[4096];
        while (true) {
            size_t end;
            while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
                if (!wait_readable(c)) return;
                ssize_t n = ::read(c, tmp, sizeof tmp);
                if (n <= 0) return;
                buf.append(tmp, static_cast<size_t>(n));
            }
            SeenRequest r;
            std::string head = buf.substr(0, end);
            buf.erase(0, end + 4);
            size_t eol = head.find("\r\n");
            std::string line = head.substr(0, eol);
            r.method = line.substr(0, line.find(' '));
            r.path = line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1);
            size_t pos = eol == std::string::npos ? head.size() : eol + 2;
            while (pos < head.size()) {
                size_t e = head.find("\r\n", pos);
                if (e == std::string::npos) e = head.size();
                std::string h = head.substr(pos, e - pos);
                size_t colon = h.find(':');
                if (colon != std::string::npos)
                    r.headers[stratus::lower(h.substr(0, colon))] = std::string(stratus::trim(h.substr(colon + 1)));
                pos = e + 2;
            }
            size_t want = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
            while (buf.size() < want) {
                if (!wait_readable(c)) return;
                ssize_t n = ::read(c, tmp, sizeof tmp);
                if (n <= 0) return;
                buf.append(tmp, static_cast<size_t>(n));
            }
            r.body = buf.substr(0, want);
            buf.erase(0, want);
            {
                std::lock_guard<std::mutex> l(m_);
                seen_.push_back(r);
            }
            Answer a = handler_(r);
            if (a.delay_ms) {
                for (int waited = 0; waited < a.delay_ms && !stop_; waited += 10) ::usleep(10000);
                return;  // the client gave up; drop the connection
            }
            std::string out = "HTTP/1.1 " + std::to_string(a.status) + " X\r\nContent-Length: " +
                              std::to_string(a.body.size()) + "\r\n";
            for (const auto& h : a.headers) out += h + "\r\n";
            out += "\r\n" + a.body;
            // MSG_NOSIGNAL: a client that hangs up early must not SIGPIPE the test.
            if (::send(c, out.data(), out.size(), MSG_NOSIGNAL) < 0) return;
        }
    }

    Handler handler_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::mutex m_;
    std::vector<SeenRequest> seen_;
    std::thread thread_;
};

}  // namespace

START_TEST(get_post_put_and_headers) {
    MiniServer server([](const SeenRequest& r) {
        Answer a;
        a.status = r.method == "POST" ? 201 : 200;
        a.body = r.method + " " + r.path + " " + r.body;
        a.headers = {"X-Amzn-RequestId: abc", "X-Multi: one", "x-multi: two"};
        return a;
    });
    CurlTransport t;
    HttpRequest req;
    req.url = server.url() + "/get/x";
    HttpResponse r = t.perform(req);
    ck_assert_int_eq(r.status, 200);
    EXPECT_STR(r.body, "GET /get/x ");
    EXPECT_STR(r.header("x-amzn-requestid"), "abc");
    EXPECT_STR(r.header("X-AMZN-REQUESTID"), "abc");
    EXPECT_STR(r.header("x-multi"), "two");
    EXPECT_STR(r.header("absent"), "");
    req.method = "POST";
    req.url = server.url() + "/";
    req.body = std::string("a=1&b=\0x", 8);
    req.headers = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"};
    r = t.perform(req);
    ck_assert_int_eq(r.status, 201);
    ck_assert_uint_eq(r.body.size(), std::string("POST / ").size() + 8);
    req.method = "PUT";
    req.body.clear();
    req.headers = {"X-aws-ec2-metadata-token-ttl-seconds: 60", "Content-Type:"};
    r = t.perform(req);
    EXPECT_STR(r.body, "PUT / ");
    auto seen = server.seen();
    EXPECT_STR(seen[1].headers["content-type"], "application/x-www-form-urlencoded; charset=utf-8");
    ck_assert(seen[2].headers.count("content-type") == 0);
    EXPECT_STR(seen[2].headers["content-length"], "0");
    // One handle, one kept-alive connection for all three.
    ck_assert_int_eq(server.connections(), 1);
    // No signing without a SigV4 block.
    ck_assert(seen[0].headers.count("authorization") == 0);
}
END_TEST

START_TEST(sigv4_by_curl) {
    MiniServer server([](const SeenRequest&) { return Answer{200, "<ok/>", {}, 0}; });
    CurlTransport t;
    HttpRequest req;
    req.method = "POST";
    req.url = server.url() + "/";
    req.body = "Action=DescribeInstances&Version=2016-11-15";
    req.headers = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"};
    req.sign = SigV4{"eu-west-3", "ec2", Credentials{"AKIDSTRATUSTEST", "secret", "the+session/token=", std::nullopt, ""}};
    t.perform(req);
    SeenRequest s = server.seen().at(0);
    std::string auth = s.headers["authorization"];
    std::regex shape(
        "AWS4-HMAC-SHA256 Credential=AKIDSTRATUSTEST/[0-9]{8}/eu-west-3/ec2/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}");
    ck_assert_msg(std::regex_match(auth, shape), "Authorization: %s", auth.c_str());
    EXPECT_STR(s.headers["x-amz-security-token"], "the+session/token=");
    ck_assert(s.headers.count("x-amz-date"));
    EXPECT_STR(s.body, "Action=DescribeInstances&Version=2016-11-15");
    // Without a session token no such header (and it is not signed).
    req.sign->credentials.session_token.clear();
    t.perform(req);
    s = server.seen().at(1);
    ck_assert(s.headers.count("x-amz-security-token") == 0);
    ck_assert(s.headers["authorization"].find("SignedHeaders=content-type;host;x-amz-date,") != std::string::npos);
    // An incomplete signing request is refused before anything is sent.
    req.sign->region.clear();
    try {
        t.perform(req);
        ck_abort_msg("no exception");
    } catch (const std::invalid_argument&) {
    }
    ck_assert_uint_eq(server.seen().size(), 2);
}
END_TEST

START_TEST(timeouts_and_refused) {
    MiniServer server([](const SeenRequest&) { return Answer{200, "", {}, 2000}; });
    CurlTransport t;
    HttpRequest req;
    req.url = server.url() + "/slow";
    req.timeout = std::chrono::milliseconds(300);
    auto start = std::chrono::steady_clock::now();
    try {
        t.perform(req);
        ck_abort_msg("no exception");
    } catch (const TransportError& e) {
        ck_assert(e.timeout());
    }
    auto took = std::chrono::steady_clock::now() - start;
    ck_assert(took < std::chrono::milliseconds(1500));

    // A port nobody listens on.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    int port = ntohs(a.sin_port);
    ::close(fd);
    req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    try {
        t.perform(req);
        ck_abort_msg("no exception");
    } catch (const TransportError& e) {
        ck_assert(!e.timeout());
        ck_assert(std::string(e.what()).find("127.0.0.1") != std::string::npos);
    }
    // Schemes other than http(s) are refused by curl.
    req.url = "file:///etc/passwd";
    try {
        t.perform(req);
        ck_abort_msg("no exception");
    } catch (const TransportError&) {
    }
}
END_TEST

// A body over kMaxResponseBytes ends the transfer there, as
// ResponseTooLargeError; a client reports it as ResponseTooLarge at once,
// without sending the same request again.
START_TEST(response_size_cap) {
    MiniServer server([](const SeenRequest& r) {
        size_t size = r.path == "/fits" ? kMaxResponseBytes : kMaxResponseBytes + 1;
        return Answer{200, std::string(size, 'x'), {}, 0};
    });
    CurlTransport t;
    HttpRequest req;
    req.url = server.url() + "/fits";
    ck_assert_uint_eq(t.perform(req).body.size(), kMaxResponseBytes);
    req.url = server.url() + "/big";
    try {
        t.perform(req);
        ck_abort_msg("no exception");
    } catch (const ResponseTooLargeError& e) {
        ck_assert(!e.timeout());
        ck_assert_msg(std::string(e.what()).find("response body larger than 32 MiB") != std::string::npos, "%s", e.what());
    }

    ClientConfig c;
    c.region = "us-east-1";
    c.endpoint = server.url();
    c.env = Env::fixed({});
    c.credentials = std::make_shared<StaticCredentialsProvider>(Credentials{"AKID", "SECRET", "", std::nullopt, "test"});
    c.clock = std::make_shared<FakeClock>();
    ec2::Ec2Client ec2(c);
    size_t before = server.seen().size();
    auto e = AWS_ERROR(ec2.describe_instance_types());
    EXPECT_STR(e.code(), "ResponseTooLarge");
    ck_assert(e.source() == ErrorSource::response);
    ck_assert_uint_eq(e.attempts(), 1);
    ck_assert_uint_eq(server.seen().size() - before, 1);
}
END_TEST

START_TEST(imds_over_http) {
    std::atomic<int> tokens{0};
    std::string current;
    std::mutex m;
    MiniServer server([&](const SeenRequest& r) {
        std::lock_guard<std::mutex> l(m);
        if (r.method == "PUT" && r.path == "/latest/api/token") {
            ck_assert(r.headers.count("x-aws-ec2-metadata-token-ttl-seconds"));
            current = "tok" + std::to_string(++tokens);
            return Answer{200, current, {"X-aws-ec2-metadata-token-ttl-seconds: 600"}, 0};
        }
        auto tok = r.headers.find("x-aws-ec2-metadata-token");
        if (tok == r.headers.end() || tok->second != current) return Answer{401, "", {}, 0};
        if (r.path == "/latest/meta-data/instance-id") return Answer{200, "i-0123", {}, 0};
        return Answer{404, "", {}, 0};
    });
    ImdsOptions o;
    auto clock = std::make_shared<FakeClock>();
    o.clock = clock;
    ImdsClient imds(o, Env::fixed({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()}}));
    EXPECT_STR(*imds.get("/latest/meta-data/instance-id"), "i-0123");
    EXPECT_STR(*imds.get("/latest/meta-data/instance-id"), "i-0123");
    ck_assert(!imds.get("/latest/meta-data/nothing"));
    ck_assert_int_eq(tokens.load(), 1);
    {
        std::lock_guard<std::mutex> l(m);
        current = "rotated";  // the server forgot our token: 401, new token, retry
    }
    EXPECT_STR(*imds.get("/latest/meta-data/instance-id"), "i-0123");
    ck_assert_int_eq(tokens.load(), 2);
    // The server granted 600 s, less than the 21600 asked: renewed after ~540 s.
    clock->t += std::chrono::seconds(545);
    imds.get("/latest/meta-data/instance-id");
    ck_assert_int_eq(tokens.load(), 3);
}
END_TEST

Suite* aws_http_suite() {
    Suite* s = suite_create("aws_http");
    TCase* tc = aws_tcase("curl");
    tcase_add_test(tc, get_post_put_and_headers);
    tcase_add_test(tc, sigv4_by_curl);
    tcase_add_test(tc, timeouts_and_refused);
    tcase_add_test(tc, response_size_cap);
    tcase_add_test(tc, imds_over_http);
    suite_add_tcase(s, tc);
    return s;
}
