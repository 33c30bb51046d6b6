#pragma once
// An upstream account: who may bind to us, how, and how often at once.
// Plain data; conf/ fills it from YAML and validate() rejects nonsense
// before the listener opens.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smpp/session/session_state.hpp"

namespace smpp::upstream {

// What is wrong with one field of a settings struct; conf/ turns `field`
// into the YAML path and line.
struct FieldError {
    std::string field;    // "max_binds", "bind_types"
    std::string message;  // "must be between 1 and 64"
    friend bool operator==(const FieldError&, const FieldError&) = default;
};

struct Account {
    static constexpr std::uint32_t max_binds_limit = 64;

    std::string system_id;
    // libsodium crypto_pwhash_str format ("$argon2id$v=19$m=...").
    std::string password_hash;
    std::vector<session::bind_type> bind_types;
    // Concurrent binds of this system_id, of any type.
    std::uint32_t max_binds = 1;

    bool allows(session::bind_type t) const noexcept;
    std::optional<FieldError> validate() const;
};

// The inverse of session::name(bind_type): "transceiver" -> transceiver.
std::optional<session::bind_type> bind_type_from_config(std::string_view name) noexcept;

struct AccountError {
    std::size_t index = 0;  // position in AccountSettings::accounts
    FieldError error;
    friend bool operator==(const AccountError&, const AccountError&) = default;
};

struct AccountSettings {
    std::vector<Account> accounts;

    // Each account's own errors, then duplicate system_ids (which the SMPP
    // bind could not tell apart). The first problem found, or nullopt.
    std::optional<AccountError> validate() const;
    const Account* find(std::string_view system_id) const noexcept;
};

}  // namespace smpp::upstream
