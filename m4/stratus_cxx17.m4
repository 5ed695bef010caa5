# STRATUS_CXX17: require a C++ compiler that accepts C++17 (adds -std=c++17).
AC_DEFUN([STRATUS_CXX17], [
  AC_REQUIRE([AC_PROG_CXX])
  AC_LANG_PUSH([C++])
  stratus_save_CXXFLAGS="$CXXFLAGS"
  CXXFLAGS="$CXXFLAGS -std=c++17"
  AC_CACHE_CHECK([whether $CXX supports C++17], [stratus_cv_cxx17], [
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <optional>
#include <string_view>]], [[std::optional<std::string_view> v{"x"}; if constexpr (true) return v->size() != 1;]])],
      [stratus_cv_cxx17=yes], [stratus_cv_cxx17=no])])
  CXXFLAGS="$stratus_save_CXXFLAGS"
  AC_LANG_POP([C++])
  AS_IF([test "x$stratus_cv_cxx17" != xyes], [AC_MSG_ERROR([a C++17 compiler is required])])
  AM_CXXFLAGS="$AM_CXXFLAGS -std=c++17"
])
