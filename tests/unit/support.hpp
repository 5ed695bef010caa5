// The scaffolding every Check test program shares: one private temporary
// root per run, fresh directories in it, files, TCases with a timeout, and
// the main() that runs the suites and removes the root.
#pragma once

#include <check.h>

#include <initializer_list>
#include <string>

// A TCase with a timeout (seconds): the store tests wait on a watcher.
TCase* make_tcase(const char* name, double timeout_s = 60);

// A fresh, empty directory for one test, inside the run's root.
std::string test_dir();
void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

// Creates the run's root ($TMPDIR, else /tmp: stratus-NAME-XXXXXX), runs the
// suites (every result logged unless CK_VERBOSITY says otherwise), removes
// the root. Returns main()'s status: 0, 1 when a test failed, 99 (a hard
// error for the automake driver) when there is no root.
int run_suites(const char* name, std::initializer_list<Suite*> suites);
