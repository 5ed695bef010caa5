// SLURM_RESUME_FILE as slurmctld hands it to stratus-resume: a request or
// ResumeFileError, with every node of a job among the nodes to resume.
#include <set>

#include "burst/resume_file.hpp"
#include "fuzz.hpp"

STRATUS_FUZZ_TARGET(resume_file) {
    try {
        stratus::burst::ResumeRequest r = stratus::burst::parse_resume_file(input);
        std::set<std::string> all(r.nodes.begin(), r.nodes.end());
        FUZZ_CHECK(all.size() == r.nodes.size(), "a node listed twice");
        for (const stratus::burst::ResumeJob& j : r.jobs)
            for (const std::string& n : j.nodes) FUZZ_CHECK(all.count(n), "job node " + n + " not among the nodes");
    } catch (const stratus::burst::ResumeFileError&) {
    }
}
