#include "smpp/upstream/account.hpp"

#include <algorithm>

#include "smpp/protocol/pdu.hpp"
#include "smpp/upstream/password_hash.hpp"

namespace smpp::upstream {

bool Account::allows(session::bind_type t) const noexcept {
    return std::find(bind_types.begin(), bind_types.end(), t) != bind_types.end();
}

std::optional<FieldError> Account::validate() const {
    // system_id is a C-octet string of at most 16 octets with its NUL.
    if (system_id.empty()) return FieldError{"system_id", "must not be empty"};
    if (system_id.size() > protocol::limits::system_id - 1)
        return FieldError{"system_id", "must be at most 15 characters"};
    if (!looks_like_password_hash(password_hash))
        return FieldError{"password_hash", "must be a crypto_pwhash_str hash (see smpp-connector hash-password)"};
    if (bind_types.empty()) return FieldError{"bind_types", "must list at least one bind type"};
    for (std::size_t i = 0; i < bind_types.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (bind_types[i] == bind_types[j])
                return FieldError{"bind_types", "lists " + std::string(session::name(bind_types[i])) + " twice"};
    if (max_binds < 1 || max_binds > max_binds_limit)
        return FieldError{"max_binds", "must be between 1 and " + std::to_string(max_binds_limit)};
    return std::nullopt;
}

std::optional<session::bind_type> bind_type_from_config(std::string_view name) noexcept {
    for (auto t : {session::bind_type::transmitter, session::bind_type::receiver, session::bind_type::transceiver})
        if (session::name(t) == name) return t;
    return std::nullopt;
}

std::optional<AccountError> AccountSettings::validate() const {
    for (std::size_t i = 0; i < accounts.size(); ++i)
        if (auto e = accounts[i].validate()) return AccountError{i, *e};
    for (std::size_t i = 0; i < accounts.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (accounts[i].system_id == accounts[j].system_id)
                return AccountError{i, {"system_id", "duplicate of accounts[" + std::to_string(j) + "]"}};
    return std::nullopt;
}

const Account* AccountSettings::find(std::string_view system_id) const noexcept {
    for (const auto& a : accounts)
        if (a.system_id == system_id) return &a;
    return nullptr;
}

}  // namespace smpp::upstream
