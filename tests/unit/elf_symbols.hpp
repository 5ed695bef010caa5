// Reads the dynamic symbol table of a built plugin, to check that it
// exports exactly what Slurm's loader needs (shared by the plugin tests).
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

template <class Ehdr, class Shdr, class Sym>
inline bool read_dynsym(const std::string& f, std::vector<DynSym>& defined, std::string& why) {
    if (f.size() < sizeof(Ehdr)) return why = "truncated ELF header", false;
    Ehdr eh;
    memcpy(&eh, f.data(), sizeof eh);
    if (eh.e_shentsize != sizeof(Shdr) || eh.e_shoff == 0 || eh.e_shoff > f.size() ||
        (f.size() - eh.e_shoff) / sizeof(Shdr) < eh.e_shnum)
        return why = "bad section header table", false;
    auto section = [&](size_t i) {
        Shdr sh;
        memcpy(&sh, f.data() + eh.e_shoff + i * sizeof(Shdr), sizeof sh);
        return sh;
    };
    bool found = false;
    for (size_t i = 0; i < eh.e_shnum; ++i) {
        Shdr sh = section(i);
        if (sh.sh_type != SHT_DYNSYM) continue;
        found = true;
        if (sh.sh_link >= eh.e_shnum || sh.sh_entsize != sizeof(Sym) || sh.sh_offset > f.size() ||
            sh.sh_size > f.size() - sh.sh_offset)
            return why = ".dynsym out of bounds", false;
        Shdr str = section(sh.sh_link);
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

inline std::vector<DynSym> exported_symbols(const char* path) {
    std::ifstream in(path, std::ios::binary);
    ck_assert_msg(in.good(), "cannot read %s", path);
    std::string f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ck_assert_msg(f.size() > EI_NIDENT && memcmp(f.data(), ELFMAG, SELFMAG) == 0, "%s is not ELF", path);
    std::vector<DynSym> syms;
    std::string why;
    bool ok = false;
    if (f[EI_CLASS] == ELFCLASS64) ok = read_dynsym<Elf64_Ehdr, Elf64_Shdr, Elf64_Sym>(f, syms, why);
    else if (f[EI_CLASS] == ELFCLASS32) ok = read_dynsym<Elf32_Ehdr, Elf32_Shdr, Elf32_Sym>(f, syms, why);
    else why = "unknown ELF class";
    ck_assert_msg(ok, "%s: %s", path, why.c_str());
    return syms;
}

