/*
 * Functions slurmctld, slurmd and the Slurm commands export to plugins that
 * Slurm's public headers do not declare. Plugins never link libslurm: these
 * resolve against the hosting process at load time.
 */
#ifndef STRATUS_SLURM_EXPORTS_H
#define STRATUS_SLURM_EXPORTS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Slurm's allocator: memory handed to Slurm must come from here. */
char *slurm_xstrdup(const char *str);
void slurm_xfree(void **ptr);

/* Slurm's log, with the daemon's log level and destination. */
void slurm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void slurm_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void slurm_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void slurm_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#ifdef __cplusplus
}
#endif

#endif
