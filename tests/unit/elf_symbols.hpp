// Reads the dynamic symbol table of a built plugin, to check that it
// exports exactly what Slurm's loader needs, and the libraries it needs
// (DT_NEEDED), to check what it pulls into slurmctld or sbatch (shared by
// the plugin tests).
#pragma once

#include <elf.h>
#include <string.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "expect.hpp"

struct DynSym {
    std::string name;
    unsigned type;  // STT_*
};

// The section headers, bounds-checked.
template <class Ehdr, class Shdr>
inline bool section_headers(const std::string& f, std::vector<Shdr>& out, std::string& why) {
    if (f.size() < sizeof(Ehdr)) return why = "truncated ELF header", false;
    Ehdr eh;
    memcpy(&eh, f.data(), sizeof eh);
    if (eh.e_shentsize != sizeof(Shdr) || eh.e_shoff == 0 || eh.e_shoff > f.size() ||
        (f.size() - eh.e_shoff) / sizeof(Shdr) < eh.e_shnum)
        return why = "bad section header table", false;
    out.resize(eh.e_shnum);
    for (size_t i = 0; i < eh.e_shnum; ++i) memcpy(&out[i], f.data() + eh.e_shoff + i * sizeof(Shdr), sizeof(Shdr));
    return true;
}

template <class Ehdr, class Shdr, class Sym>
inline bool read_dynsym(const std::string& f, std::vector<DynSym>& defined, std::string& why) {
    std::vector<Shdr> sections;
    if (!section_headers<Ehdr>(f, sections, why)) return false;
    bool found = false;
    for (const Shdr& sh : sections) {
        if (sh.sh_type != SHT_DYNSYM) continue;
        found = true;
        if (sh.sh_link >= sections.size() || sh.sh_entsize != sizeof(Sym) || sh.sh_offset > f.size() ||
            sh.sh_size > f.size() - sh.sh_offset)
            return why = ".dynsym out of bounds", false;
        const Shdr& str = sections[sh.sh_link];
        if (str.sh_type != SHT_STRTAB || str.sh_offset > f.size() || str.sh_size > f.size() - str.sh_offset)
            return why = ".dynstr out of bounds", false;
        for (size_t k = 1; k < sh.sh_size / sizeof(Sym); ++k) {  // entry 0 is the null symbol
            Sym s;
            memcpy(&s, f.data() + sh.sh_offset + k * sizeof(Sym), sizeof s);
            if (s.st_shndx == SHN_UNDEF) continue;
            unsigned bind = s.st_info >> 4, type = s.st_info & 0xf;
            if (bind == STB_LOCAL) continue;
            if (s.st_name >= str.sh_size) return why = "symbol name out of bounds", false;
            const char* name = f.data() + str.sh_offset + s.st_name;
            size_t len = strnlen(name, str.sh_size - s.st_name);
            defined.push_back({std::string(name, len), type});
        }
    }
    if (!found) return why = "no .dynsym section", false;
    return true;
}

// The DT_NEEDED entries of the .dynamic section.
template <class Ehdr, class Shdr, class Dyn>
inline bool read_needed(const std::string& f, std::vector<std::string>& needed, std::string& why) {
    std::vector<Shdr> sections;
    if (!section_headers<Ehdr>(f, sections, why)) return false;
    for (const Shdr& sh : sections) {
        if (sh.sh_type != SHT_DYNAMIC) continue;
        if (sh.sh_link >= sections.size() || sh.sh_offset > f.size() || sh.sh_size > f.size() - sh.sh_offset)
            return why = ".dynamic out of bounds", false;
        const Shdr& str = sections[sh.sh_link];
        if (str.sh_type != SHT_STRTAB || str.sh_offset > f.size() || str.sh_size > f.size() - str.sh_offset)
            return why = ".dynstr out of bounds", false;
        for (size_t k = 0; k < sh.sh_size / sizeof(Dyn); ++k) {
            Dyn d;
            memcpy(&d, f.data() + sh.sh_offset + k * sizeof(Dyn), sizeof d);
            if (d.d_tag == DT_NULL) break;
            if (d.d_tag != DT_NEEDED) continue;
            if (d.d_un.d_val >= str.sh_size) return why = "library name out of bounds", false;
            const char* name = f.data() + str.sh_offset + d.d_un.d_val;
            needed.emplace_back(name, strnlen(name, str.sh_size - d.d_un.d_val));
        }
        return true;
    }
    return why = "no .dynamic section", false;
}

inline std::string read_elf(const char* path) {
    std::ifstream in(path, std::ios::binary);
    ck_assert_msg(in.good(), "cannot read %s", path);
    std::string f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ck_assert_msg(f.size() > EI_NIDENT && memcmp(f.data(), ELFMAG, SELFMAG) == 0, "%s is not ELF", path);
    ck_assert_msg(f[EI_CLASS] == ELFCLASS64 || f[EI_CLASS] == ELFCLASS32, "%s: unknown ELF class", path);
    return f;
}

inline std::vector<std::string> needed_libraries(const char* path) {
    std::string f = read_elf(path);
    std::vector<std::string> needed;
    std::string why;
    bool ok = f[EI_CLASS] == ELFCLASS64 ? read_needed<Elf64_Ehdr, Elf64_Shdr, Elf64_Dyn>(f, needed, why)
                                        : read_needed<Elf32_Ehdr, Elf32_Shdr, Elf32_Dyn>(f, needed, why);
    ck_assert_msg(ok, "%s: %s", path, why.c_str());
    return needed;
}

inline std::vector<DynSym> exported_symbols(const char* path) {
    std::string f = read_elf(path);
    std::vector<DynSym> syms;
    std::string why;
    bool ok = false;
    if (f[EI_CLASS] == ELFCLASS64) ok = read_dynsym<Elf64_Ehdr, Elf64_Shdr, Elf64_Sym>(f, syms, why);
    else ok = read_dynsym<Elf32_Ehdr, Elf32_Shdr, Elf32_Sym>(f, syms, why);
    ck_assert_msg(ok, "%s: %s", path, why.c_str());
    return syms;
}

