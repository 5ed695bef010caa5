#include "burst/state.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>

#include "aws/json_doc.hpp"
#include "file.hpp"

namespace stratus::burst {

const std::string* BurstState::owner_of(const std::string& instance_id) const {
    if (instance_id.empty()) return nullptr;
    for (const auto& [name, r] : nodes)
        if (r.instance_id == instance_id) return &name;
    return nullptr;
}

bool BurstState::avoided(const std::string& instance_type, int64_t now) const {
    auto it = avoid.find(instance_type);
    return it != avoid.end() && it->second.until > now;
}

// ---- JSON ----------------------------------------------------------------------

namespace {

using aws::JsonPtr;

void set_str(json_t* o, const char* key, const std::string& v) {
    if (!v.empty()) aws::json_set(o, key, aws::json_new_string(v));
}
void set_int(json_t* o, const char* key, int64_t v) {
    if (v != 0) aws::json_set(o, key, aws::json_new_int(v));
}

std::string get_str(const json_t* o, const char* key) { return aws::json_string(o, key).value_or(""); }
int64_t get_int(const json_t* o, const char* key) { return aws::json_int(o, key).value_or(0); }

}  // namespace

std::string serialize_state(const BurstState& s) {
    JsonPtr root = aws::json_new_object();
    aws::json_set(root.get(), "version", aws::json_new_int(1));
    JsonPtr nodes = aws::json_new_object();
    for (const auto& [name, r] : s.nodes) {
        JsonPtr n = aws::json_new_object();
        set_str(n.get(), "partition", r.partition);
        set_str(n.get(), "status", r.status);
        set_str(n.get(), "instance_id", r.instance_id);
        set_str(n.get(), "instance_type", r.instance_type);
        set_str(n.get(), "private_ip", r.private_ip);
        set_str(n.get(), "private_dns", r.private_dns);
        set_str(n.get(), "availability_zone", r.availability_zone);
        set_str(n.get(), "lifecycle", r.lifecycle);
        set_int(n.get(), "launch_time", r.launch_time);
        set_int(n.get(), "job_id", r.job_id);
        set_int(n.get(), "generation", static_cast<int64_t>(r.generation));
        set_str(n.get(), "reason", r.reason);
        set_int(n.get(), "failed_at", r.failed_at);
        set_int(n.get(), "retry_at", r.retry_at);
        aws::json_set(nodes.get(), name.c_str(), std::move(n));
    }
    aws::json_set(root.get(), "nodes", std::move(nodes));
    JsonPtr avoid = aws::json_new_object();
    for (const auto& [type, a] : s.avoid) {
        JsonPtr o = aws::json_new_object();
        set_str(o.get(), "code", a.code);
        set_str(o.get(), "message", a.message);
        set_str(o.get(), "availability_zone", a.availability_zone);
        set_int(o.get(), "since", a.since);
        set_int(o.get(), "until", a.until);
        aws::json_set(avoid.get(), type.c_str(), std::move(o));
    }
    aws::json_set(root.get(), "capacity_avoid", std::move(avoid));
    JsonPtr parts = aws::json_new_object();
    for (const auto& [name, p] : s.partitions) {
        JsonPtr o = aws::json_new_object();
        aws::json_set(o.get(), "consecutive_failures", aws::json_new_int(p.consecutive_failures));
        set_int(o.get(), "protected_since", p.protected_since);
        set_str(o.get(), "last_error", p.last_error);
        aws::json_set(parts.get(), name.c_str(), std::move(o));
    }
    aws::json_set(root.get(), "partitions", std::move(parts));
    JsonPtr zones = aws::json_new_object();
    for (const auto& [subnet, zone] : s.subnet_zones) set_str(zones.get(), subnet.c_str(), zone);
    aws::json_set(root.get(), "subnet_zones", std::move(zones));
    char* text = json_dumps(root.get(), JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    if (!text) throw std::bad_alloc();
    std::string out(text);
    free(text);
    return out + "\n";
}

BurstState parse_state(const std::string& json) {
    JsonPtr root;
    try {
        root = aws::json_parse_object(json);
    } catch (const aws::JsonParseError& e) {
        throw StateError(std::string("not a JSON object: ") + e.what());
    }
    auto version = aws::json_int(root.get(), "version");
    if (version && *version != 1) throw StateError("unknown version " + std::to_string(*version));
    BurstState s;
    const char* key;
    json_t* value;
    if (const json_t* nodes = aws::json_member(root.get(), "nodes")) {
        json_object_foreach(const_cast<json_t*>(nodes), key, value) {
            if (!json_is_object(value)) throw StateError(std::string("nodes.") + key + " is not an object");
            NodeRecord r;
            r.partition = get_str(value, "partition");
            r.status = get_str(value, "status");
            r.instance_id = get_str(value, "instance_id");
            r.instance_type = get_str(value, "instance_type");
            r.private_ip = get_str(value, "private_ip");
            r.private_dns = get_str(value, "private_dns");
            r.availability_zone = get_str(value, "availability_zone");
            r.lifecycle = get_str(value, "lifecycle");
            r.launch_time = get_int(value, "launch_time");
            r.job_id = static_cast<uint32_t>(get_int(value, "job_id"));
            r.generation = static_cast<uint64_t>(get_int(value, "generation"));
            r.reason = get_str(value, "reason");
            r.failed_at = get_int(value, "failed_at");
            r.retry_at = get_int(value, "retry_at");
            s.nodes.emplace(key, std::move(r));
        }
    }
    if (const json_t* avoid = aws::json_member(root.get(), "capacity_avoid")) {
        json_object_foreach(const_cast<json_t*>(avoid), key, value) {
            if (!json_is_object(value)) throw StateError(std::string("capacity_avoid.") + key + " is not an object");
            CapacityAvoid a;
            a.code = get_str(value, "code");
            a.message = get_str(value, "message");
            a.availability_zone = get_str(value, "availability_zone");
            a.since = get_int(value, "since");
            a.until = get_int(value, "until");
            s.avoid.emplace(key, std::move(a));
        }
    }
    if (const json_t* parts = aws::json_member(root.get(), "partitions")) {
        json_object_foreach(const_cast<json_t*>(parts), key, value) {
            if (!json_is_object(value)) throw StateError(std::string("partitions.") + key + " is not an object");
            PartitionHealth p;
            p.consecutive_failures = static_cast<uint32_t>(get_int(value, "consecutive_failures"));
            p.protected_since = get_int(value, "protected_since");
            p.last_error = get_str(value, "last_error");
            s.partitions.emplace(key, std::move(p));
        }
    }
    if (const json_t* zones = aws::json_member(root.get(), "subnet_zones")) {
        json_object_foreach(const_cast<json_t*>(zones), key, value) {
            if (!json_is_string(value)) throw StateError(std::string("subnet_zones.") + key + " is not a string");
            s.subnet_zones.emplace(key, json_string_value(value));
        }
    }
    return s;
}

// ---- files -----------------------------------------------------------------------

namespace {

std::string sys_error(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

void make_dirs(const std::string& dir) {
    if (dir.empty()) return;
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) throw StateError(dir + " is not a directory");
        return;
    }
    size_t slash = dir.find_last_of('/');
    if (slash != std::string::npos && slash > 0) make_dirs(dir.substr(0, slash));
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw StateError(sys_error("cannot create", dir));
}

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// An exclusive flock on DIR/state.lock for the lifetime of the object.
class DirLock {
public:
    explicit DirLock(const std::string& dir) {
        make_dirs(dir);
        std::string path = dir + "/state.lock";
        fd_.fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_.fd < 0) throw StateError(sys_error("cannot open", path));
        // Critical sections are short; a holder stuck for a minute is a bug.
        for (int i = 0;; ++i) {
            if (::flock(fd_.fd, LOCK_EX | LOCK_NB) == 0) return;
            if (errno != EWOULDBLOCK && errno != EINTR) throw StateError(sys_error("cannot lock", path));
            if (i >= 6000) throw StateError("cannot lock " + path + ": still held by another process after 60 s");
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

private:
    Fd fd_;
};

// The largest state.json we read: a node's record takes under 500 bytes,
// so this holds over 250,000 nodes. More than kMaxFileBytes because
// refusing the file stops every resume and suspend, and only the burst
// tools read it (never slurmctld).
constexpr size_t kMaxStateBytes = 128u << 20;

BurstState read_state(const std::string& path) {
    std::string text;
    try {
        text = read_regular_file(path, kMaxStateBytes);
    } catch (const FileReadError& e) {
        if (e.error_number() == ENOENT) return BurstState{};
        throw StateError(e.what());
    }
    try {
        return parse_state(text);
    } catch (const StateError& e) {
        throw StateError(path + ": " + e.what() + " (fix or remove it by hand: it says which instances are ours)");
    }
}

}  // namespace

StateStore::StateStore(std::string dir) : dir_(std::move(dir)) {
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
}

BurstState StateStore::load() const {
    DirLock lock(dir_);
    return read_state(path());
}

void StateStore::update(const std::function<void(BurstState&)>& f) {
    DirLock lock(dir_);
    BurstState s = read_state(path());
    f(s);
    try {
        write_file_atomically(path(), serialize_state(s), 0644);
    } catch (const std::system_error& e) {
        throw StateError(e.what());
    }
}

}  // namespace stratus::burst
