// SHA-256 (FIPS 180-4), for idempotency tokens derived from names.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace stratus::burst {

std::array<uint8_t, 32> sha256(std::string_view data) noexcept;
// Lower-case hex of sha256(data).
std::string sha256_hex(std::string_view data);

}  // namespace stratus::burst
