#include "aws/http.hpp"

#include <curl/curl.h>

#include <cctype>
#include <mutex>
#include <new>

#include "firewall.hpp"

namespace stratus::aws {

namespace {

void init_curl_once() {
    static std::once_flag once;
    static CURLcode result = CURLE_OK;
    std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (result != CURLE_OK) throw std::runtime_error(std::string("curl_global_init: ") + curl_easy_strerror(result));
}

struct EasyCleanup {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistFree {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistFree>;

void append(Slist& list, const std::string& line) {
    curl_slist* l = curl_slist_append(list.get(), line.c_str());
    if (!l) throw std::bad_alloc();
    (void)list.release();  // curl_slist_append returned the same (or a new) head that owns everything
    list.reset(l);
}

// Per-request state the callbacks write into.
struct Sink {
    HttpResponse response;
    bool too_large = false;
};

std::string_view trim_view(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

// curl callbacks: C frames above, so nothing may be thrown out of them.
// A body past kMaxResponseBytes, or an exception (std::bad_alloc), turns
// into 0, which makes curl fail the transfer with CURLE_WRITE_ERROR;
// `too_large` tells perform() which it was.
size_t on_body(char* data, size_t size, size_t count, void* userdata) noexcept {
    return guarded("curl write callback", size_t(0), nullptr, [&]() -> size_t {
        Sink* sink = static_cast<Sink*>(userdata);
        size_t len = size * count;
        if (sink->response.body.size() + len > kMaxResponseBytes) {
            sink->too_large = true;
            return 0;
        }
        sink->response.body.append(data, len);
        return len;
    });
}

size_t on_header(char* data, size_t size, size_t count, void* userdata) noexcept {
    return guarded("curl header callback", size_t(0), nullptr, [&]() -> size_t {
        Sink* sink = static_cast<Sink*>(userdata);
        size_t len = size * count;
        std::string_view line(data, len);
        if (line.compare(0, 5, "HTTP/") == 0) {
            // A new response starts (after a 100 Continue or a proxy's CONNECT answer).
            sink->response.headers.clear();
            return len;
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) return len;  // the blank line ending the headers
        std::string name(trim_view(line.substr(0, colon)));
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        sink->response.headers.emplace_back(std::move(name), std::string(trim_view(line.substr(colon + 1))));
        return len;
    });
}

bool bad_sigv4_part(const std::string& s) { return s.empty() || s.find(':') != std::string::npos; }

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
        const std::string& n = it->first;
        if (n.size() != name.size()) continue;
        bool same = true;
        for (size_t i = 0; i < n.size() && same; ++i)
            same = n[i] == std::tolower(static_cast<unsigned char>(name[i]));
        if (same) return it->second;
    }
    return {};
}

struct CurlTransport::Impl {
    std::unique_ptr<CURL, EasyCleanup> easy;
};

CurlTransport::CurlTransport() : impl_(new Impl) {
    init_curl_once();
    impl_->easy.reset(curl_easy_init());
    if (!impl_->easy) throw std::runtime_error("curl_easy_init failed");
}

CurlTransport::~CurlTransport() = default;

HttpResponse CurlTransport::perform(const HttpRequest& req) {
    CURL* h = impl_->easy.get();
    // Forget the previous request's options; the connection cache stays.
    curl_easy_reset(h);

    Slist headers;
    for (const std::string& line : req.headers) append(headers, line);
    std::string sigv4;
    if (req.sign) {
        if (bad_sigv4_part(req.sign->region) || bad_sigv4_part(req.sign->service))
            throw std::invalid_argument("SigV4 needs an explicit region and service");
        if (req.sign->credentials.access_key_id.empty() || req.sign->credentials.secret_access_key.empty())
            throw std::invalid_argument("SigV4 needs an access key and a secret key");
        // curl 7.88.1 signs every CURLOPT_HTTPHEADER entry, this one included.
        if (!req.sign->credentials.session_token.empty())
            append(headers, "X-Amz-Security-Token: " + req.sign->credentials.session_token);
        sigv4 = "aws:amz:" + req.sign->region + ":" + req.sign->service;
    }

    Sink sink;
    char errbuf[CURL_ERROR_SIZE] = "";
    // Whatever happens, the handle keeps no pointer into this frame.
    struct Unhook {
        CURL* h;
        ~Unhook() {
            curl_easy_setopt(h, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
            curl_easy_setopt(h, CURLOPT_ERRORBUFFER, static_cast<char*>(nullptr));
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, static_cast<char*>(nullptr));
            curl_easy_setopt(h, CURLOPT_WRITEDATA, static_cast<void*>(nullptr));
            curl_easy_setopt(h, CURLOPT_HEADERDATA, static_cast<void*>(nullptr));
        }
    } unhook{h};
    auto set = [&](CURLoption opt, auto value) {
        CURLcode rc = curl_easy_setopt(h, opt, value);
        if (rc == CURLE_OUT_OF_MEMORY) throw std::bad_alloc();
        if (rc != CURLE_OK) throw std::invalid_argument(std::string("curl_easy_setopt: ") + curl_easy_strerror(rc));
    };
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_ERRORBUFFER, errbuf);
    set(CURLOPT_URL, req.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
    set(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    set(CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout.count()));
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_ACCEPT_ENCODING, "");  // whatever curl can decode (gzip for large price lists)
#ifdef PACKAGE_VERSION
    set(CURLOPT_USERAGENT, "stratus/" PACKAGE_VERSION);
#endif
    if (!req.use_proxy) set(CURLOPT_PROXY, "");
    if (req.method == "GET") {
        set(CURLOPT_HTTPGET, 1L);
    } else if (req.method == "POST" || req.method == "PUT") {
        set(CURLOPT_POST, 1L);
        set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
        set(CURLOPT_POSTFIELDS, req.body.data());  // not copied: req outlives the transfer
        if (req.method == "PUT") set(CURLOPT_CUSTOMREQUEST, "PUT");
    } else {
        throw std::invalid_argument("unsupported HTTP method " + req.method);
    }
    if (headers) set(CURLOPT_HTTPHEADER, headers.get());
    if (req.sign) {
        set(CURLOPT_AWS_SIGV4, sigv4.c_str());
        set(CURLOPT_USERNAME, req.sign->credentials.access_key_id.c_str());
        set(CURLOPT_PASSWORD, req.sign->credentials.secret_access_key.c_str());
    }
    set(CURLOPT_WRITEFUNCTION, &on_body);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&sink));
    set(CURLOPT_HEADERFUNCTION, &on_header);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&sink));

    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        std::string what = req.method + " " + req.url + ": ";
        if (sink.too_large)
            throw ResponseTooLargeError(what + "response body larger than " + std::to_string(kMaxResponseBytes >> 20) +
                                        " MiB");
        what += errbuf[0] ? errbuf : curl_easy_strerror(rc);
        throw TransportError(what, rc == CURLE_OPERATION_TIMEDOUT);
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    sink.response.status = status;
    return std::move(sink.response);
}

std::unique_ptr<Transport> make_curl_transport() { return std::make_unique<CurlTransport>(); }

}  // namespace stratus::aws
