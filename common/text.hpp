// Small string helpers shared by the parsers. All functions are pure and
// never throw except where noted (std::bad_alloc aside).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus {

std::string_view trim(std::string_view s) noexcept;
bool iequals(std::string_view a, std::string_view b) noexcept;
std::string lower(std::string_view s);

// Splits on `sep`, trimming each piece and dropping empty pieces.
std::vector<std::string> split_list(std::string_view s, char sep = ',');
// The pieces with `sep` between them: "a,b,c".
std::string join(const std::vector<std::string>& pieces, std::string_view sep = ",");

// Strict decimal parsers: the whole string must be the number, no sign,
// no overflow. nullopt otherwise.
std::optional<uint64_t> parse_u64(std::string_view s) noexcept;
std::optional<double> parse_decimal(std::string_view s) noexcept;

// Parses a yes/no word as slurm.conf does (yes/no, true/false, 1/0).
std::optional<bool> parse_bool(std::string_view s) noexcept;

// Slurm time syntax: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S",
// "UNLIMITED"/"INFINITE". Returns minutes rounded up; `unlimited` set for
// the infinite spellings.
struct SlurmDuration {
    bool unlimited = false;
    uint32_t minutes = 0;
};
std::optional<SlurmDuration> parse_slurm_duration(std::string_view s) noexcept;

// "2h00", "1d 3h20", "45 min" style text for messages.
std::string format_minutes(uint32_t minutes);

// "12.3000" for (12.3, 4): fixed notation, correctly rounded.
std::string format_fixed(double value, int decimals);

// A size for messages: "16 MiB", "64 KiB" when exact, else "1000 bytes".
std::string format_bytes(uint64_t bytes);

// Dollars with cents, "$12.30"; amounts under a cent keep 4 decimals.
std::string format_usd(double usd);

// The largest dollar amount Stratus accepts (--max-cost, budgets) or puts
// on a job (estimates): a trillion. Sums of such amounts in micro-dollars
// still fit an int64 (9.2e12 dollars), and no real job comes near it.
inline constexpr double kMaxUsd = 1e12;

}  // namespace stratus
