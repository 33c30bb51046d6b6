#pragma once
// Which delivery receipts of a concatenated message an account is owed
// (issue 5 item 4), as one pure rule both ledgers apply in the same write
// that changes a part's record, so the RocksDB ledger and its in-memory
// double cannot disagree and a restart can neither lose nor double one.
//
//   all        every part's receipt, under that part's id (as before)
//   first      part 1's receipts only
//   last       part `total`'s receipts only (by number, not by arrival)
//   aggregate  one receipt once every part is final: delivered only if
//              every part was, else the worst part state (see worst());
//              sub/dlvrd count the parts, err is the first worst part's
//              error, and the text spells each part's state in order
//              ("parts:DUD": D delivered, U undeliverable, E expired,
//              R rejected, F failed, C cancelled). Intermediate
//              notifications go for part 1 only.
//
// The aggregate goes under part 1's id: the upstream got an id for every
// part, and part 1's is the one clients file a concatenated message under
// (the first submit_sm_resp they see); it does not depend on which part's
// receipt came last, so a replay after a restart names the same id.
//
// A part group is account + source + destination + reference + total. Its
// state (which parts are final, and how) lives in the ledger beside the
// records (RocksDB family `parts`) because its first parts may be final and
// gone from the writer's cache long before the last one reports; it is
// deleted once the aggregate is owed, so a reference the upstream reuses
// later (8-bit UDH references wrap) starts a new group. A part whose number
// the group already holds under another id means the reference was reused
// while the old group was still open: the old group is reported with what
// it has (its missing parts count as not delivered) and the new one starts.
//
// A group can also stay open for good: the upstream submitted only some of
// the parts, or one was refused at intake and never got a record. Such a
// group is given up on once it has been quiet for long enough
// (Ledger::expire_part_groups, swept by smpp/relay/receipt_timeouts.hpp):
// reported the same way, as of the time it was given up on, and deleted.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/message_record.hpp"
#include "store/pending_receipt.hpp"
#include "store/status.hpp"

namespace smpp::store {

enum class multipart_policy : std::uint8_t { all, first, last, aggregate };
// Per account (its system_id); an account not listed gets `all`.
using MultipartBook = std::map<std::string, multipart_policy, std::less<>>;

std::string_view name(multipart_policy p) noexcept;
multipart_policy policy_of(const MultipartBook& book, std::string_view account) noexcept;
// The policy for `r`: its account's, but `aggregate` for parts we split
// ourselves (split_by_us): the upstream sent one message and knows one id.
multipart_policy policy_for(const MultipartBook& book, const MessageRecord& r) noexcept;

// The part of a concatenated message `r` is: its sar_* fields, else the
// concatenation IE of the UDH its payload starts with (esm_class UDHI).
// nullopt for a message of one part.
std::optional<Concatenation> part_of(const MessageRecord& r);

// The key of `r`'s part group (account, source, destination, reference,
// total; and whether we split it, so our references never join an
// upstream's own parts).
std::string part_group_key(const MessageRecord& r, const Concatenation& part);

struct PartState {
    std::uint8_t number = 1;
    MessageId id{};
    MessageStatus status = MessageStatus::delivered;
    std::uint32_t error_code = 0;
    Timestamp done_at{};
    friend bool operator==(const PartState&, const PartState&) = default;
};

// The final parts of one group seen so far, by number.
struct PartGroup {
    std::uint8_t total = 0;
    std::vector<PartState> parts{};
    // Its newest change: when its latest part became final, by our clock
    // (a carrier's done date may be in another time zone). How long it has
    // been quiet decides when an incomplete group is given up on.
    Timestamp updated_at{};
    // Given up on (Ledger::expire_part_groups): its aggregate receipt went
    // with the parts it had. Kept as a tombstone, updated_at the time it
    // was given up, for as long again: a part still on its way then (sent
    // late after an outage, say) that becomes final later is absorbed here
    // and owes nothing, where it would otherwise start a group of its own,
    // given up on in turn: a second aggregate receipt for one message.
    bool given_up = false;
    // When it was given up on: a part accepted since (its id's time) is not
    // a late part of that message but one of a new message reusing the
    // reference (8-bit references wrap), and starts a group of its own.
    Timestamp given_up_at{};
    friend bool operator==(const PartGroup&, const PartGroup&) = default;
};

std::string encode(const PartGroup& g);
StatusOr<PartGroup> decode_part_group(std::string_view bytes);

// The ranking aggregate uses: delivered < expired < undeliverable <
// rejected < failed < cancelled (an expiry may still have reached the
// handset; a cancellation certainly did not).
MessageStatus worst(MessageStatus a, MessageStatus b) noexcept;

// What one change of a part's record leaves owed upstream.
struct MultipartStep {
    // To park (under the ids they carry); replaces the part's own receipt.
    std::vector<PendingReceipt> owed{};
    // Aggregate only: the group's key and its new state (nullopt: delete it).
    bool group_changed = false;
    std::string group_key{};
    std::optional<PartGroup> group{};
};

// The account a part group's key (part_group_key) belongs to.
std::string_view part_group_account(std::string_view key) noexcept;

// The receipt owed for `g` when it is given up on at `at` before every part
// became final (Ledger::expire_part_groups): the aggregate of what it has,
// its missing parts counted as undeliverable, done at `at` (that is when it
// reached its final state; the forwarder's max_age counts from there).
// `part` is the record of one of its parts (they share account, addresses
// and registered_delivery). nullopt when registered_delivery asks for none.
std::optional<PendingReceipt> abandon_part_group(const MessageRecord& part, const PartGroup& g, Timestamp at);

// Whether `next` needs its group's stored state to be decided: aggregate
// and a part that just became final. Lets the ledger skip the read.
bool needs_part_group(multipart_policy policy, const MessageRecord& previous, const MessageRecord& next);

// `previous` -> `next` is one change of a record (a receipt, a timeout, a
// state change); `own` is the receipt the part would be owed on its own
// (carrier_receipt.hpp apply_receipt / apply_timeout; nullopt for none);
// `group` is the stored state of its part group (read it only when
// needs_part_group() says so).
MultipartStep apply_multipart(multipart_policy policy, const MessageRecord& previous, const MessageRecord& next,
                              std::optional<PendingReceipt> own, const std::optional<PartGroup>& group);

}  // namespace smpp::store
