// Runs the stored corpus of every fuzz target (tests/fuzz/corpus/NAME/*)
// through it: a regression test of what fuzzing found, in every build.
//   replay [CORPUS-DIR]   (default: $STRATUS_TOP_SRCDIR/tests/fuzz/corpus)
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz.hpp"

namespace {

std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') out.push_back(dir + "/" + e->d_name);
        ::closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const char* top = std::getenv("STRATUS_TOP_SRCDIR");
        std::string corpus = argc > 1 ? argv[1] : std::string(top ? top : ".") + "/tests/fuzz/corpus";
        size_t total = 0;
        for (const auto& [name, target] : stratus::fuzz::targets()) {
            std::vector<std::string> inputs = files_in(corpus + "/" + name);
            if (inputs.empty()) {
                std::fprintf(stderr, "replay: no corpus for target %s in %s\n", name.c_str(), corpus.c_str());
                return 1;
            }
            for (const std::string& f : inputs) {
                std::ifstream in(f, std::ios::binary);
                std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
                target(data);
            }
            std::printf("replay: %s: %zu inputs\n", name.c_str(), inputs.size());
            total += inputs.size();
        }
        std::printf("replay: %zu inputs through %zu targets\n", total, stratus::fuzz::targets().size());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "replay: %s\n", e.what());
        return 1;
    }
}
