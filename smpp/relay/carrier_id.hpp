#pragma once
// Carrier message-id normalisation: the submit_sm_resp message_id and the id
// a receipt quotes for the same message must meet under one carrier-ID index
// key, although carriers write them differently (case, leading zeros, UUID
// with or without dashes and braces, and - the classic Kannel/Jasmin
// complaint - hex in submit_sm_resp and decimal in the receipt, or the
// reverse).
//
// The rule. canonical(x), applied to both sides, needs no format knowledge:
//   1. reject: empty, longer than 64 octets (message_id is a 65-octet
//      C-octet string) or holding a control character (< 0x20, 0x7F);
//   2. trim spaces, then strip the configured prefixes and suffixes
//      (first match of each, compared exactly), trim again; empty -> reject;
//   3. a UUID (8-4-4-4-12 hex with dashes, optionally in {braces} or after
//      "urn:uuid:") loses its braces and dashes and goes on as hex digits;
//   4. a string of hex digits only (which includes decimal digits only) is
//      lower-cased and loses its leading zeros ("0" when nothing is left),
//      so "0001A2B", "1a2b" and "{...}" / dash-free UUIDs agree;
//   5. anything else is text: kept as is, lower-cased when fold_case.
// The key never converts between bases, so "1234" keeps the key "1234"
// whatever base the carrier meant: the ambiguity is resolved at receipt
// time, not at index time.
//
// index_key(submit_sm_resp id) = canonical(id): one key per message.
//
// receipt_lookup_keys(receipt id) = the canonical keys of what the
// submit_sm_resp may have said, most likely first, without duplicates:
//   a. canonical(id)                          same form on both sides
//   b. decimal(value of id read as hex)       receipt hex, resp decimal
//   c. hex(value of id read as decimal)       receipt decimal, resp hex
// (b only when the id is all hex digits, c only when all decimal digits;
// numbers of any length, beyond 2^64 too, are converted as digit strings.)
// Which of b and c are tried is the carrier's id_translation:
//   automatic       a, b, c  (the default: nothing to configure)
//   none            a
//   hex_to_decimal  a, c     (submit_sm_resp hex, receipts decimal)
//   decimal_to_hex  a, b     (submit_sm_resp decimal, receipts hex)
// and with bases_differ (receipt_id_format hex_to_decimal / decimal_to_hex:
// the carrier always writes the two sides in different bases) c alone, or
// b alone, whenever the id converts (a otherwise).
//
// The ambiguity automatic accepts: a receipt "1234" finds a resp "1234"
// before a resp "4d2" (= 1234 decimal). A carrier whose resp ids are hex
// and whose receipts are decimal has both shapes in flight at once, so it
// must be configured hex_to_decimal (a receipt "1234" then also tries only
// "1234" and "4d2"; a is right whenever both sides use one format, which
// the translation cannot know per message, so it stays first) - or, when
// it always writes them so, with bases_differ: then a receipt "16" finds
// the resp "10" and never the resp "16" (a later message, 22, whose own
// receipt says "22"), which with small sequential ids is usually sent
// already when the receipt for "10" comes. The ledger lookup is a point
// read per key, so three keys cost little. The ledger
// takes the first key whose message the receipt may report on
// (store/carrier_receipt.hpp reports_on): b and c never absorb a receipt
// into a message already done (small sequential ids read as each other:
// "100" is "64" in hex), and no key matches a message sent after the
// receipt came.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smpp/carrier/carrier_settings.hpp"

namespace smpp::relay {

enum class id_translation { automatic, none, hex_to_decimal, decimal_to_hex };

struct CarrierIdSettings {
    id_translation translation = id_translation::automatic;
    // With hex_to_decimal or decimal_to_hex: the carrier always writes its
    // submit_sm_resp ids in the one base and its receipts in the other, so a
    // receipt id the translation converts is looked up as converted only.
    bool bases_differ = false;
    // Lower-case text ids too (hex digits and UUIDs are always folded).
    bool fold_case = false;
    // Fixed decorations some SMSCs add on one side only ("MSG-", ".0").
    std::vector<std::string> strip_prefixes{};
    std::vector<std::string> strip_suffixes{};
};

// From the carrier's receipt_id_format (how it writes receipt ids): hex ->
// decimal_to_hex, decimal -> hex_to_decimal (the other side may be the
// other base), uuid -> none, text -> automatic (the default, unconfigured);
// hex_to_decimal and decimal_to_hex -> that translation with bases_differ
// (the other side is always the other base).
CarrierIdSettings carrier_id_settings(carrier::receipt_id_format f);

constexpr std::size_t max_carrier_id_size = 64;

// Steps 1-5 above; nullopt when the id is rejected.
std::optional<std::string> canonical_carrier_id(std::string_view id, const CarrierIdSettings& s);

// The key to index a submit_sm_resp message_id under; nullopt when rejected.
std::optional<std::string> index_key(std::string_view submit_resp_id, const CarrierIdSettings& s);

// The keys to look a receipt id up under, in order; empty when rejected.
std::vector<std::string> receipt_lookup_keys(std::string_view receipt_id, const CarrierIdSettings& s);

// Digit-string base conversion of any length (no leading zeros in the
// result, "0" for zero); nullopt when `digits` is empty or has a digit
// outside the base. Exposed for tests.
std::optional<std::string> hex_to_decimal(std::string_view hex);
std::optional<std::string> decimal_to_hex(std::string_view decimal);

}  // namespace smpp::relay
