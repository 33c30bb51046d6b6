#include "store/multipart_receipts.hpp"

#include <algorithm>

#include "store/carrier_receipt.hpp"
#include "store/encoding.hpp"

namespace smpp::store {
namespace {

constexpr std::uint8_t udhi = 0x40;

// The concatenation IE (00: 8-bit reference, 08: 16-bit) of the UDH at the
// start of `payload`, as smpp/protocol/concatenation.hpp reads it; the last
// one wins. nullopt when there is none or the header is malformed (a
// malformed one was refused at submit_sm already).
std::optional<Concatenation> from_udh(std::string_view payload) {
    if (payload.empty()) return std::nullopt;
    const std::size_t udhl = static_cast<std::uint8_t>(payload[0]);
    if (udhl + 1 > payload.size()) return std::nullopt;
    const std::string_view udh = payload.substr(1, udhl);
    std::optional<Concatenation> found;
    for (std::size_t i = 0; i + 2 <= udh.size();) {
        const auto iei = static_cast<std::uint8_t>(udh[i]);
        const std::size_t len = static_cast<std::uint8_t>(udh[i + 1]);
        if (i + 2 + len > udh.size()) return std::nullopt;
        auto octet = [&](std::size_t k) { return static_cast<std::uint8_t>(udh[i + 2 + k]); };
        if (iei == 0x00 && len == 3)
            found = Concatenation{octet(0), octet(1), octet(2)};
        else if (iei == 0x08 && len == 4)
            found = Concatenation{static_cast<std::uint16_t>(octet(0) << 8 | octet(1)), octet(2), octet(3)};
        i += 2 + len;
    }
    if (found && (found->total == 0 || found->number == 0 || found->number > found->total)) return std::nullopt;
    return found;
}

char letter_of(MessageStatus s) noexcept {
    switch (s) {
        case MessageStatus::delivered: return 'D';
        case MessageStatus::undeliverable: return 'U';
        case MessageStatus::expired: return 'E';
        case MessageStatus::rejected: return 'R';
        case MessageStatus::failed: return 'F';
        case MessageStatus::cancelled: return 'C';
        default: return '?';
    }
}

int rank(MessageStatus s) noexcept {
    switch (s) {
        case MessageStatus::delivered: return 0;
        case MessageStatus::expired: return 1;
        case MessageStatus::undeliverable: return 2;
        case MessageStatus::rejected: return 3;
        case MessageStatus::failed: return 4;
        case MessageStatus::cancelled: return 5;
        default: return 2;  // not final: counted as not delivered
    }
}

// The one receipt an account is owed for `g` (parts missing from it count
// as undeliverable), under part 1's id, else the lowest part it has.
PendingReceipt aggregate_of(const MessageRecord& last, const PartGroup& g) {
    PendingReceipt r{.account = last.account, .id = g.parts.front().id, .status = MessageStatus::delivered};
    // The parts share their addresses and registered_delivery; the submit
    // date is part 1's (its id's time), the text is the parts' states.
    r.envelope = envelope_of(last);
    r.envelope->accepted_at = r.id.time();
    r.envelope->synthetic_receipt = false;
    r.parts = g.total;
    r.detail = "parts:";
    std::optional<std::uint32_t> error;
    std::size_t k = 0;
    for (std::uint8_t n = 1; n <= g.total && n != 0; ++n) {
        const PartState* p = k < g.parts.size() && g.parts[k].number == n ? &g.parts[k++] : nullptr;
        const MessageStatus s = p ? p->status : MessageStatus::undeliverable;
        if (r.detail.size() < 6 + 200) r.detail.push_back(p ? letter_of(s) : '-');
        if (s == MessageStatus::delivered) ++r.parts_delivered;
        if (rank(s) > rank(r.status)) {
            r.status = s;
            error = p ? p->error_code : 0;
        }
        if (p && p->done_at > r.done_at) r.done_at = p->done_at;
    }
    r.error_code = error.value_or(0);
    return r;
}

// The aggregate of `g` reported before it completed (its reference reused,
// or given up on); nullopt when registered_delivery asks for none.
std::optional<PendingReceipt> incomplete_aggregate_of(const MessageRecord& part, const PartGroup& g) {
    if (g.parts.empty()) return std::nullopt;
    auto r = aggregate_of(part, g);
    if (!wants_receipt(part.registered_delivery, r.status)) return std::nullopt;
    return r;
}

}  // namespace

std::string_view name(multipart_policy p) noexcept {
    switch (p) {
        case multipart_policy::all: return "all";
        case multipart_policy::first: return "first";
        case multipart_policy::last: return "last";
        case multipart_policy::aggregate: return "aggregate";
    }
    return "?";
}

multipart_policy policy_of(const MultipartBook& book, std::string_view account) noexcept {
    auto it = book.find(account);
    return it == book.end() ? multipart_policy::all : it->second;
}

multipart_policy policy_for(const MultipartBook& book, const MessageRecord& r) noexcept {
    return r.split_by_us ? multipart_policy::aggregate : policy_of(book, r.account);
}

std::optional<Concatenation> part_of(const MessageRecord& r) {
    std::optional<Concatenation> c = r.concatenation;
    if (!c && (r.esm_class & udhi)) c = from_udh(r.payload);
    if (!c || c->total <= 1 || c->number == 0 || c->number > c->total) return std::nullopt;
    return c;
}

std::string part_group_key(const MessageRecord& r, const Concatenation& part) {
    std::string k;
    k.reserve(r.account.size() + r.source.address.size() + r.destination.address.size() + 8);
    k.append(r.account).push_back('\0');
    k.append(r.source.address).push_back('\0');
    k.append(r.destination.address).push_back('\0');
    k.push_back(static_cast<char>(part.reference >> 8));
    k.push_back(static_cast<char>(part.reference & 0xFF));
    k.push_back(static_cast<char>(part.total));
    if (r.split_by_us) k.push_back('\x01');
    return k;
}

std::string_view part_group_account(std::string_view key) noexcept { return key.substr(0, key.find('\0')); }

std::optional<PendingReceipt> abandon_part_group(const MessageRecord& part, const PartGroup& g, Timestamp at) {
    auto r = incomplete_aggregate_of(part, g);
    if (r && r->done_at < at) r->done_at = at;
    return r;
}

// Version 2 added updated_at; a version 1 group (written before) reads its
// newest part's done_at instead. Version 3 added flags (1: given_up,
// followed by given_up_at).
std::string encode(const PartGroup& g) {
    std::string out;
    encoding::put_u8(out, 3);
    encoding::put_u8(out, g.total);
    encoding::put_varint(out, g.parts.size());
    for (const auto& p : g.parts) {
        encoding::put_u8(out, p.number);
        encoding::put_varint(out, p.id.value());
        encoding::put_u8(out, static_cast<std::uint8_t>(p.status));
        encoding::put_varint(out, p.error_code);
        encoding::put_time(out, p.done_at);
    }
    encoding::put_time(out, g.updated_at);
    encoding::put_u8(out, g.given_up ? 1 : 0);
    if (g.given_up) encoding::put_time(out, g.given_up_at);
    return out;
}

StatusOr<PartGroup> decode_part_group(std::string_view bytes) {
    encoding::Reader in(bytes);
    PartGroup g;
    std::uint8_t version = 0;
    std::uint64_t count = 0;
    auto bad = [] { return Status(StatusCode::corruption, "part group: bad encoding"); };
    if (!in.get_u8(version) || version < 1 || version > 3 || !in.get_u8(g.total) || !in.get_varint(count) || count > 255)
        return bad();
    g.parts.resize(count);
    for (auto& p : g.parts) {
        std::uint64_t id = 0;
        std::uint8_t status = 0;
        if (!in.get_u8(p.number) || !in.get_varint(id) || !in.get_u8(status) || status >= message_status_count ||
            !in.get_uint(p.error_code) || !in.get_time(p.done_at))
            return bad();
        p.id = MessageId(id);
        p.status = static_cast<MessageStatus>(status);
        if (version == 1) g.updated_at = std::max(g.updated_at, p.done_at);
    }
    if (version >= 2 && !in.get_time(g.updated_at)) return bad();
    std::uint8_t flags = 0;
    if (version >= 3 && (!in.get_u8(flags) || flags > 1)) return bad();
    g.given_up = flags & 1;
    if (g.given_up && !in.get_time(g.given_up_at)) return bad();
    if (!in.done()) return bad();
    return g;
}

MessageStatus worst(MessageStatus a, MessageStatus b) noexcept { return rank(b) > rank(a) ? b : a; }

bool needs_part_group(multipart_policy policy, const MessageRecord& previous, const MessageRecord& next) {
    return policy == multipart_policy::aggregate && is_final(next.status) && !is_final(previous.status) &&
           part_of(next).has_value();
}

MultipartStep apply_multipart(multipart_policy policy, const MessageRecord& previous, const MessageRecord& next,
                              std::optional<PendingReceipt> own, const std::optional<PartGroup>& group) {
    MultipartStep step;
    const auto part = part_of(next);
    auto pass = [&](bool keep) {
        if (keep && own) step.owed.push_back(std::move(*own));
        return std::move(step);
    };
    if (!part || policy == multipart_policy::all) return pass(true);
    if (policy == multipart_policy::first) return pass(part->number == 1);
    if (policy == multipart_policy::last) return pass(part->number == part->total);

    // aggregate: intermediate notifications under part 1's id only.
    if (own && !is_final(own->status)) return pass(part->number == 1);
    if (!(is_final(next.status) && !is_final(previous.status))) return pass(false);

    const PartState mine{.number = part->number,
                         .id = next.id,
                         .status = next.status,
                         .error_code = next.error_code,
                         .done_at = own && own->done_at != Timestamp{} ? own->done_at : next.final_at};
    PartGroup g = group && group->total == part->total ? *group : PartGroup{.total = part->total};
    // Accepted after the group was given up on: a new message under a reused
    // reference, however its part numbers fall (its part 2 may report before
    // its part 1, and the old message may have lacked a part 2).
    if (g.given_up && next.id.time() >= g.given_up_at) g = PartGroup{.total = part->total};
    const Timestamp changed_at = next.final_at != Timestamp{} ? next.final_at : next.updated_at;
    step.group_changed = true;
    step.group_key = part_group_key(next, *part);
    auto slot = std::lower_bound(g.parts.begin(), g.parts.end(), mine.number,
                                 [](const PartState& p, std::uint8_t n) { return p.number < n; });
    if (slot != g.parts.end() && slot->number == mine.number) {
        if (slot->id == mine.id) {  // already counted (cannot change: final is final)
            step.group_changed = false;
            return step;
        }
        // The reference was reused while the old group was open: report it
        // with what it has (unless it was, when given up on), and start
        // the new one with this part.
        if (!g.given_up)
            if (auto old = incomplete_aggregate_of(next, g)) step.owed.push_back(std::move(*old));
        g = PartGroup{.total = part->total};
        slot = g.parts.end();
    }
    g.parts.insert(slot, mine);
    g.updated_at = std::max(g.updated_at, changed_at);
    if (g.given_up) {
        // A late part of a message already reported: one receipt per
        // message. The tombstone stays for further late parts, until every
        // part came or it lapses.
        if (g.parts.size() < g.total) step.group = std::move(g);
        return step;
    }
    if (g.parts.size() < g.total) {
        step.group = std::move(g);
        return step;
    }
    auto r = aggregate_of(next, g);
    if (wants_receipt(next.registered_delivery, r.status)) step.owed.push_back(std::move(r));
    step.group.reset();  // complete: a later reuse of the reference starts afresh
    return step;
}

}  // namespace smpp::store
