#pragma once
// Password hashes for upstream accounts: libsodium's crypto_pwhash_str
// (Argon2id) at the INTERACTIVE limits. Verifying costs tens of
// milliseconds and 64 MiB by design, so it never runs on a network thread
// (see Authenticator).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smpp::upstream {

// The dearest hash an account may have. Every bind attempt, a wrong
// password's too, pays the hash's Argon2 memory (m, KiB) and passes (t),
// so a hash far above what hash-password makes (m=65536, t=2) lets anyone
// who can connect make us spend GiBs. 1 GiB is libsodium's SENSITIVE
// memory; 10 passes leaves room for low-memory, many-pass settings.
inline constexpr std::uint64_t max_hash_memory_kib = 1 << 20;
inline constexpr std::uint64_t max_hash_passes = 10;

// A new salted hash of `password`, or nullopt if libsodium could not
// allocate its memory.
std::optional<std::string> hash_password(std::string_view password);

// True when `password` matches `hash`; false for a malformed hash too.
bool verify_password(std::string_view hash, std::string_view password);

// A cheap shape check for configuration: the crypto_pwhash_str prefix and
// length, without the cost of a verification.
bool looks_like_password_hash(std::string_view hash) noexcept;

// Why `hash` cannot be an account's password_hash, or "" when it can: the
// shape above, a string libsodium can parse, and a cost within
// max_hash_memory_kib and max_hash_passes. Cheap: nothing is hashed.
std::string password_hash_problem(std::string_view hash);

}  // namespace smpp::upstream
