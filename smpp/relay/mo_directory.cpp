#include "smpp/relay/mo_directory.hpp"

#include <algorithm>

#include "routing/route_table.hpp"

namespace smpp::relay {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alnum(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char upper(char c) noexcept { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// UCS-2 big-endian -> its ASCII characters, up to the first one outside ASCII.
std::string ascii_of_ucs2(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i + 1 < in.size(); i += 2) {
        if (in[i] != 0 || (in[i + 1] & 0x80)) break;
        out.push_back(in[i + 1]);
    }
    return out;
}

}  // namespace

bool is_opt_out(std::string_view payload, std::uint8_t data_coding, const std::vector<std::string>& keywords) {
    std::string decoded;
    if (data_coding == 8) {
        decoded = ascii_of_ucs2(payload);
        payload = decoded;
    }
    std::size_t begin = 0;
    while (begin < payload.size() && !is_alnum(payload[begin])) ++begin;
    std::size_t end = begin;
    while (end < payload.size() && is_alnum(payload[end])) ++end;
    const auto word = payload.substr(begin, end - begin);
    if (word.empty()) return false;
    return std::any_of(keywords.begin(), keywords.end(), [&](const std::string& k) {
        return k.size() == word.size() &&
               std::equal(k.begin(), k.end(), word.begin(), [](char a, char b) { return upper(a) == upper(b); });
    });
}

std::optional<std::string> mo_digits(std::string_view address) {
    if (auto e164 = routing::normalise_e164(address)) return e164;
    if (address.empty() || !std::all_of(address.begin(), address.end(), is_digit)) return std::nullopt;
    return std::string(address);
}

bool MoDirectory::valid_number(std::string_view number) noexcept {
    if (!number.empty() && number.back() == '*') number.remove_suffix(1);
    return !number.empty() && std::all_of(number.begin(), number.end(), is_digit);
}

bool MoDirectory::add(std::string_view number, std::string account) {
    if (!valid_number(number)) return false;
    if (number.back() == '*') return prefixes_.emplace(number.substr(0, number.size() - 1), std::move(account)).second;
    return exact_.emplace(number, std::move(account)).second;
}

MoDirectory MoDirectory::of(const upstream::AccountSettings& accounts) {
    MoDirectory d;
    for (const auto& a : accounts.accounts)
        for (const auto& n : a.mo_numbers) d.add(n, a.system_id);
    return d;
}

const std::string* MoDirectory::owner(std::string_view digits) const {
    if (auto it = exact_.find(digits); it != exact_.end()) return &it->second;
    for (std::size_t n = digits.size(); n > 0; --n)
        if (auto it = prefixes_.find(digits.substr(0, n)); it != prefixes_.end()) return &it->second;
    return nullptr;
}

}  // namespace smpp::relay
