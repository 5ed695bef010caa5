# STRATUS_SANITIZERS: --enable-sanitizers builds everything with
# AddressSanitizer and UndefinedBehaviorSanitizer (the sanitizer tier,
# scripts/test --sanitize); --enable-fuzzing also instruments the code for
# libFuzzer (clang only) and builds the fuzz targets of tests/fuzz (make
# fuzz). SANITIZER_RUNTIME lists the runtimes that processes loading
# instrumented plugins (slurmctld, slurmd, sbatch, ...) must preload.
AC_DEFUN([STRATUS_SANITIZERS], [
  AC_REQUIRE([AC_PROG_CXX])
  AC_ARG_ENABLE([sanitizers],
    [AS_HELP_STRING([--enable-sanitizers], [build with ASan and UBSan (tests: scripts/test --sanitize)])],
    [], [enable_sanitizers=no])
  AC_ARG_ENABLE([fuzzing],
    [AS_HELP_STRING([--enable-fuzzing], [build the libFuzzer targets of tests/fuzz (needs clang; implies --enable-sanitizers)])],
    [], [enable_fuzzing=no])
  AS_IF([test "x$enable_fuzzing" = xyes], [enable_sanitizers=yes])
  SANITIZER_FLAGS=""
  SANITIZER_RUNTIME=""
  AS_IF([test "x$enable_sanitizers" = xyes], [
    SANITIZER_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
    AS_IF([test "x$enable_fuzzing" = xyes], [SANITIZER_FLAGS="$SANITIZER_FLAGS -fsanitize=fuzzer-no-link"])
    AC_LANG_PUSH([C++])
    stratus_save_CXXFLAGS="$CXXFLAGS"
    stratus_save_LDFLAGS="$LDFLAGS"
    CXXFLAGS="$CXXFLAGS $SANITIZER_FLAGS"
    LDFLAGS="$LDFLAGS $SANITIZER_FLAGS"
    AC_MSG_CHECKING([whether $CXX builds with $SANITIZER_FLAGS])
    AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])], [AC_MSG_RESULT([yes])],
      [AC_MSG_RESULT([no]); AC_MSG_ERROR([$CXX cannot build with $SANITIZER_FLAGS (Debian: clang and libclang-rt-14-dev for --enable-fuzzing)])])
    AS_IF([test "x$enable_fuzzing" = xyes], [
      CXXFLAGS="$stratus_save_CXXFLAGS -fsanitize=fuzzer,address,undefined"
      LDFLAGS="$stratus_save_LDFLAGS -fsanitize=fuzzer,address,undefined"
      AC_MSG_CHECKING([whether $CXX links libFuzzer targets])
      AC_LINK_IFELSE([AC_LANG_SOURCE([[#include <cstddef>
#include <cstdint>
extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }]])],
        [AC_MSG_RESULT([yes])], [AC_MSG_RESULT([no]); AC_MSG_ERROR([--enable-fuzzing needs clang with libFuzzer: ./configure CXX=clang++ --enable-fuzzing])])
    ])
    CXXFLAGS="$stratus_save_CXXFLAGS"
    LDFLAGS="$stratus_save_LDFLAGS"
    # The runtimes, ASan's first: gcc's libasan and libubsan, or clang's
    # ASan runtime (which holds UBSan's too).
    for stratus_rt in libasan.so libubsan.so libclang_rt.asan-x86_64.so libclang_rt.asan-aarch64.so; do
      stratus_path=$($CXX -print-file-name=$stratus_rt 2>/dev/null)
      AS_IF([test -n "$stratus_path" && test "$stratus_path" != "$stratus_rt" && test -f "$stratus_path"],
        [SANITIZER_RUNTIME="$SANITIZER_RUNTIME${SANITIZER_RUNTIME:+ }$(readlink -f "$stratus_path")"])
    done
    AS_IF([test -z "$SANITIZER_RUNTIME"], [AC_MSG_ERROR([cannot find the ASan runtime of $CXX])])
    AC_MSG_CHECKING([the sanitizer runtimes to preload])
    AC_MSG_RESULT([$SANITIZER_RUNTIME])
    AM_CXXFLAGS="$AM_CXXFLAGS $SANITIZER_FLAGS"
    # g++ 12 warns about its own <regex> under ASan (false positives); clang
    # has no such warning and would warn about the option instead.
    AC_MSG_CHECKING([whether $CXX knows -Wmaybe-uninitialized])
    CXXFLAGS="$CXXFLAGS -Werror -Wmaybe-uninitialized"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
      [AC_MSG_RESULT([yes]); AM_CXXFLAGS="$AM_CXXFLAGS -Wno-maybe-uninitialized"], [AC_MSG_RESULT([no])])
    CXXFLAGS="$stratus_save_CXXFLAGS"
    AC_LANG_POP([C++])
  ])
  AM_CONDITIONAL([SANITIZERS], [test "x$enable_sanitizers" = xyes])
  AM_CONDITIONAL([FUZZING], [test "x$enable_fuzzing" = xyes])
  AC_SUBST([SANITIZER_FLAGS])
  AC_SUBST([SANITIZER_RUNTIME])
])
