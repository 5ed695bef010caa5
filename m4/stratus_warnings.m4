# STRATUS_WARNINGS: turn on compiler warnings; --enable-werror makes them errors.
AC_DEFUN([STRATUS_WARNINGS], [
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors])],
    [], [enable_werror=no])
  STRATUS_WARN_FLAGS="-Wall -Wextra -Wshadow -Wformat=2 -Wnon-virtual-dtor -Wold-style-cast"
  AS_IF([test "x$enable_werror" = xyes], [STRATUS_WARN_FLAGS="$STRATUS_WARN_FLAGS -Werror"])
  AC_SUBST([STRATUS_WARN_FLAGS])
])
