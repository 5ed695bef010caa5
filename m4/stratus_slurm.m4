# STRATUS_SLURM: locate Slurm's public headers (--with-slurm=PREFIX) and the
# directory Slurm loads plugins from (--with-slurm-plugindir=DIR).
# Plugins never link libslurm: only the headers are needed.
AC_DEFUN([STRATUS_SLURM], [
  AC_ARG_WITH([slurm],
    [AS_HELP_STRING([--with-slurm=PREFIX], [Slurm installation prefix (default: system headers)])],
    [], [with_slurm=check])
  AS_CASE([$with_slurm],
    [check|yes|""], [SLURM_PREFIX=/usr; SLURM_CPPFLAGS=""],
    [no], [AC_MSG_ERROR([Stratus cannot be built without Slurm])],
    [SLURM_PREFIX="$with_slurm"; SLURM_CPPFLAGS="-I$with_slurm/include"])
  stratus_save_CPPFLAGS="$CPPFLAGS"
  CPPFLAGS="$CPPFLAGS $SLURM_CPPFLAGS"
  AC_CHECK_HEADERS([slurm/slurm.h slurm/spank.h], [],
    [AC_MSG_ERROR([Slurm headers not found (Debian: apt-get install libslurm-dev); use --with-slurm=PREFIX])],
    [#include <stdint.h>])
  AC_CACHE_CHECK([Slurm version], [stratus_cv_slurm_version], [
    AC_COMPUTE_INT([stratus_slurm_vnum], [SLURM_VERSION_NUMBER], [#include <slurm/slurm_version.h>],
      [AC_MSG_ERROR([cannot read SLURM_VERSION_NUMBER])])
    stratus_cv_slurm_version=$(printf "%d.%02d.%d" $(( stratus_slurm_vnum >> 16 )) $(( (stratus_slurm_vnum >> 8) & 255 )) $(( stratus_slurm_vnum & 255 )))])
  CPPFLAGS="$stratus_save_CPPFLAGS"
  SLURM_VERSION="$stratus_cv_slurm_version"
  # Supported: 22.05 to 26.05 (slurm/slurm_api.hpp decides what differs).
  stratus_slurm_major=$(echo "$SLURM_VERSION" | cut -d. -f1)
  stratus_slurm_minor=$(echo "$SLURM_VERSION" | cut -d. -f2 | sed "s/^0//")
  stratus_slurm_release=$(( stratus_slurm_major * 100 + stratus_slurm_minor ))
  AS_IF([test "$stratus_slurm_release" -lt 2205 || test "$stratus_slurm_release" -gt 2605],
    [AC_MSG_ERROR([Slurm $SLURM_VERSION is not supported: Stratus builds for Slurm 22.05 to 26.05 (tested: 22.05, 24.11, 26.05)])])

  AC_ARG_WITH([slurm-plugindir],
    [AS_HELP_STRING([--with-slurm-plugindir=DIR], [where Slurm loads plugins from (default: the installed Slurm's plugin directory)])],
    [SLURM_PLUGINDIR="$with_slurm_plugindir"], [SLURM_PLUGINDIR=""])
  AS_IF([test -z "$SLURM_PLUGINDIR"], [
    stratus_multiarch=$($CC -print-multiarch 2>/dev/null)
    for stratus_dir in "$SLURM_PREFIX/lib/$stratus_multiarch/slurm-wlm" "$SLURM_PREFIX/lib64/slurm" "$SLURM_PREFIX/lib/slurm"; do
      AS_IF([test -d "$stratus_dir"], [SLURM_PLUGINDIR="$stratus_dir"; break])
    done
    AS_IF([test -z "$SLURM_PLUGINDIR"], [SLURM_PLUGINDIR="$SLURM_PREFIX/lib/slurm"])
  ])
  AC_MSG_CHECKING([Slurm plugin directory])
  AC_MSG_RESULT([$SLURM_PLUGINDIR])
  AC_ARG_WITH([slurm-confdir],
    [AS_HELP_STRING([--with-slurm-confdir=DIR], [where the installed Slurm looks for slurm.conf by default (default: /etc/slurm)])],
    [SLURM_CONFDIR="$with_slurm_confdir"], [SLURM_CONFDIR=/etc/slurm])
  AC_SUBST([SLURM_CONFDIR])
  AC_SUBST([SLURM_CPPFLAGS])
  AC_SUBST([SLURM_PLUGINDIR])
  AC_SUBST([SLURM_VERSION])
])
