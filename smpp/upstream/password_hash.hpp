#pragma once
// Password hashes for upstream accounts: libsodium's crypto_pwhash_str
// (Argon2id) at the INTERACTIVE limits. Verifying costs tens of
// milliseconds and 64 MiB by design, so it never runs on a network thread
// (see Authenticator).
#include <optional>
#include <string>
#include <string_view>

namespace smpp::upstream {

// A new salted hash of `password`, or nullopt if libsodium could not
// allocate its memory.
std::optional<std::string> hash_password(std::string_view password);

// True when `password` matches `hash`; false for a malformed hash too.
bool verify_password(std::string_view hash, std::string_view password);

// A cheap shape check for configuration: the crypto_pwhash_str prefix and
// length, without the cost of a verification.
bool looks_like_password_hash(std::string_view hash) noexcept;

}  // namespace smpp::upstream
