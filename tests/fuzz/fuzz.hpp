// The fuzz targets (tests/fuzz/fuzz_*.cpp). Each is built two ways:
//  - with libFuzzer (configure --enable-fuzzing, `make fuzz`): one program
//    per target, STRATUS_FUZZ_STANDALONE defined, the target is
//    LLVMFuzzerTestOneInput;
//  - into tests/fuzz/replay (every build, `make check`): every target
//    registers itself by name and replay runs the stored corpus
//    tests/fuzz/corpus/NAME/ through it, so what fuzzing found stays fixed.
// A target returns normally for any input; it aborts (FUZZ_CHECK) when an
// oracle fails or a parser breaks its documented contract.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::fuzz {

using Target = void (*)(std::string_view input);

struct Registration {
    Registration(const char* name, Target target);
};

// The registered targets in name order (replay).
const std::vector<std::pair<std::string, Target>>& targets();

// Up to `n` parts of `input` separated by "\n%%\n" (the last part takes the
// rest), so that one input can hold several files.
std::vector<std::string_view> split_parts(std::string_view input, size_t n);

// A private directory under $TMPDIR, removed with its files on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    // Writes `content` to NAME in the directory; returns its path.
    std::string write(const std::string& name, std::string_view content) const;
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

[[noreturn]] void fail(const char* file, int line, const char* what, const std::string& detail);

}  // namespace stratus::fuzz

#define FUZZ_CHECK(cond, detail)                                                   \
    do {                                                                           \
        if (!(cond)) ::stratus::fuzz::fail(__FILE__, __LINE__, #cond, (detail)); \
    } while (0)

#ifdef STRATUS_FUZZ_STANDALONE
#define STRATUS_FUZZ_TARGET(name)                                                        \
    static void fuzz_##name(std::string_view input);                                     \
    extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {           \
        fuzz_##name(std::string_view(reinterpret_cast<const char*>(data), size));        \
        return 0;                                                                        \
    }                                                                                    \
    static void fuzz_##name(std::string_view input)
#else
#define STRATUS_FUZZ_TARGET(name)                                                        \
    static void fuzz_##name(std::string_view input);                                     \
    static const ::stratus::fuzz::Registration fuzz_registration_##name(#name, fuzz_##name); \
    static void fuzz_##name(std::string_view input)
#endif
