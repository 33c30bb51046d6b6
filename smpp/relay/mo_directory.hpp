#pragma once
// Who owns a mobile-originated message: the upstream account whose number
// or short code it was sent to (conf: accounts[].mo_numbers). "12345" owns
// exactly 12345; "4477009001*" owns every number starting 4477009001. An
// exact number wins over any prefix, a longer prefix over a shorter one.
//
// Opt-out keywords (conf: mo.opt_out_keywords): an MO whose first word is
// one of them (case-insensitive) puts its sender on the owning account's
// opt-out list; the MO is still forwarded (the account may want to log it).
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smpp/upstream/account.hpp"

namespace smpp::relay {

struct MoSettings {
    std::vector<std::string> opt_out_keywords{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"};
    // A carrier's copies of an MO within this time of the first are dropped
    // (mo_dedupe.hpp); 0: none are. conf: mo.duplicate_window.
    std::chrono::milliseconds duplicate_window{std::chrono::minutes{10}};
    friend bool operator==(const MoSettings&, const MoSettings&) = default;
};

// An MO's first word (letters and digits, after leading blanks and
// punctuation) is one of `keywords`, ignoring case. UCS-2 text
// (data_coding 8) is read through its ASCII subset.
bool is_opt_out(std::string_view payload, std::uint8_t data_coding, const std::vector<std::string>& keywords);

// An address as the digits a directory is keyed by: E.164 rules
// (routing::normalise_e164: a leading '+' or '00' dropped), else plain
// digits (long short codes); nullopt when it has anything but digits.
std::optional<std::string> mo_digits(std::string_view address);

class MoDirectory {
public:
    // Digits, optionally ending in one '*' (a prefix); not empty.
    static bool valid_number(std::string_view number) noexcept;

    // Adds `number` for `account`; false (nothing added) when the number is
    // invalid or already has an owner: conf/ reports both with their lines.
    bool add(std::string_view number, std::string account);
    // Every account's mo_numbers (already validated: conflicts are skipped).
    static MoDirectory of(const upstream::AccountSettings& accounts);

    // The owner of `digits` (mo_digits form), or nullptr.
    const std::string* owner(std::string_view digits) const;
    bool empty() const noexcept { return exact_.empty() && prefixes_.empty(); }

private:
    std::map<std::string, std::string, std::less<>> exact_;
    std::map<std::string, std::string, std::less<>> prefixes_;  // without the '*'
};

}  // namespace smpp::relay
