// What stratus-resume and stratus-suspend share: configuration, the EC2
// client, the process environment slurmctld gives them, test hooks.
#pragma once

#include <cstdint>
#include <string>

#include "aws/client.hpp"
#include "burst/context.hpp"
#include "config.hpp"

namespace stratus::tools {

// slurmctld starts ResumeProgram/SuspendProgram with its power-save
// thread's blocked signals and an environment of only SLURM_CONF and
// SLURM_RESUME_FILE: unblock every signal (an administrator's SIGTERM
// works, and nothing we start inherits the mask), and give HOME (from the
// password database) and a PATH when missing, as the AWS tools expect
// (~/.aws/credentials and config of SlurmUser).
void prepare_process_environment();

// ResumeTimeout of slurm.conf (the largest of the global value and the
// partitions'); Slurm's default 60 when unset or unreadable.
uint32_t slurm_resume_timeout(const std::string& slurm_conf);

// The EC2 client for the burst tools: region from stratus.conf, endpoint
// Ec2Endpoint= (else AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL), the default
// credential chain, retries logged to `log`. Throws aws::AwsError.
aws::ClientConfig ec2_client_config(const Config& cfg, burst::BurstLog& log);

// Test-only hooks (documented in stratus-resume(8), TESTING):
//   STRATUS_TEST_EXIT_AFTER=create_fleet  end the process (exit status 3,
//       nothing cleaned up) right after CreateFleet answers, as if killed;
//   STRATUS_TEST_NODE_ADDR=ADDR           NodeAddr for every node instead
//       of the instance's private IP.
// Each one set is logged as a warning.
void apply_test_hooks(burst::BurstContext& ctx);

}  // namespace stratus::tools
