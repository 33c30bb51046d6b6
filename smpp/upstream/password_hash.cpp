#include "smpp/upstream/password_hash.hpp"

#include <charconv>

#include <sodium.h>

namespace smpp::upstream {

namespace {
bool sodium_ready() noexcept {
    // sodium_init is thread-safe and idempotent; 1 means "already done".
    static const bool ready = sodium_init() >= 0;
    return ready;
}

// The number after `key` ("$m=", ",t=") in a hash's parameters.
std::optional<std::uint64_t> parameter(std::string_view hash, std::string_view key) {
    const auto at = hash.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    const char* first = hash.data() + at + key.size();
    const char* last = hash.data() + hash.size();
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(first, last, v);
    if (ec != std::errc{} || end == first) return std::nullopt;
    return v;
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

std::string password_hash_problem(std::string_view hash) {
    if (!looks_like_password_hash(hash)) return "must be a crypto_pwhash_str hash (see smpp-connector hash-password)";
    // -1: libsodium cannot parse it (cut short, bad base64, unknown
    // version), so no password would ever verify against it.
    const std::string h(hash);
    if (!sodium_ready() || crypto_pwhash_str_needs_rehash(h.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                          crypto_pwhash_MEMLIMIT_INTERACTIVE) == -1)
        return "is not a hash libsodium can read (cut short or edited?); make one with smpp-connector hash-password";
    // Parsed, so "$v=19$m=<KiB>,t=<passes>,p=<lanes>$" is there.
    const auto m = parameter(hash, "$m=");
    const auto t = parameter(hash, ",t=");
    if (!m || !t || *m > max_hash_memory_kib || *t > max_hash_passes)
        return "costs too much to verify on every bind: at most m=" + std::to_string(max_hash_memory_kib) +
               " (KiB, 1 GiB) and t=" + std::to_string(max_hash_passes) +
               " (smpp-connector hash-password makes m=65536,t=2)";
    return {};
}

}  // namespace smpp::upstream
