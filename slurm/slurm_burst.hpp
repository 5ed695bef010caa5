// SlurmApi (common/burst/interfaces.hpp) over libslurm, for stratus-resume,
// stratus-suspend and stratus-burstd's reconcile. The tools link libslurm;
// plugins never do. No Slurm types in this header.
#pragma once

#include "burst/interfaces.hpp"

namespace stratus::slurm {

class LibslurmApi final : public burst::SlurmApi {
public:
    // When slurm_init(NULL) runs (it reads slurm.conf: $SLURM_CONF or
    // Slurm's default; libslurm ends the process when slurm.conf is
    // unusable): here, or at the first call of this API, so that what came
    // before is logged (stratus-resume, stratus-suspend).
    enum class Init { now, at_first_call };
    explicit LibslurmApi(Init when = Init::now) {
        if (when == Init::now) ready();
    }
    ~LibslurmApi() override;
    LibslurmApi(const LibslurmApi&) = delete;
    LibslurmApi& operator=(const LibslurmApi&) = delete;

    std::string set_addresses(const std::vector<burst::NodeAddress>& nodes) override;
    std::string set_instances(const std::vector<burst::NodeInstance>& nodes) override;
    std::string mark_failed(const std::vector<std::string>& nodes, const std::string& reason) override;
    std::string power_down(const std::vector<std::string>& nodes, const std::string& reason) override;
    std::string return_to_service(const std::vector<std::string>& nodes) override;
    std::optional<burst::JobInfo> load_job(uint32_t job_id) override;
    std::string set_admin_comment(uint32_t job_id, const std::string& admin_comment) override;
    std::string notify_job(uint32_t job_id, const std::string& message) override;
    std::optional<std::vector<burst::SlurmNode>> nodes(const std::vector<std::string>& names) override;

private:
    void ready();
    bool initialized_ = false;
};

}  // namespace stratus::slurm
