#include "smpp/upstream/password_hash.hpp"

#include <sodium.h>

namespace smpp::upstream {

namespace {
bool sodium_ready() noexcept {
    // sodium_init is thread-safe and idempotent; 1 means "already done".
    static const bool ready = sodium_init() >= 0;
    return ready;
}
}  // namespace

std::optional<std::string> hash_password(std::string_view password) {
    if (!sodium_ready()) return std::nullopt;
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return std::nullopt;
    return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
    if (!sodium_ready() || !looks_like_password_hash(hash)) return false;
    // crypto_pwhash_str_verify wants a NUL-terminated string.
    std::string h(hash);
    return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool looks_like_password_hash(std::string_view hash) noexcept {
    return hash.size() < crypto_pwhash_STRBYTES &&
           (hash.starts_with("$argon2id$") || hash.starts_with("$argon2i$"));
}

}  // namespace smpp::upstream
