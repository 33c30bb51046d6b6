#pragma once
// A RouteTable compiled into one flat byte image that can live in shared
// memory: no pointers, only offsets from the image start, so any process can
// map it at any address. The prefix trie uses compact nodes (16 bytes): a
// 10-bit child mask plus the index of the node's first child, its children
// stored next to each other, so a child is first_child + popcount of the
// mask bits below its digit. (A 10-way node would take 48 bytes; at 1M
// random prefixes the compact trie is about a third of the size.)
//
// A first-level table indexed by the first K digits (K = direct_digits,
// up to 6, sized to at most half the trie) holds what a walk over those K
// digits ends with: the node reached (its child mask and first child) and
// the longest route seen on the way. A lookup starts there, so the top K
// levels cost one read instead of K dependent reads; at 1M prefixes that
// removes the scattered upper-middle levels, the ones that miss the cache.
//
// A reader validates an image before the first lookup (magic, version,
// size, checksum, and every index in bounds), so a lookup never walks garbage.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "routing/error.hpp"
#include "routing/route_table.hpp"

namespace smpp::routing {

namespace image {

inline constexpr std::uint64_t magic = 0x3130545250504d53ull;  // "SMPPRT01" little-endian
inline constexpr std::uint32_t version = 2;  // 2: the direct (first-level) table
inline constexpr std::uint16_t none = 0xffff;  // no profile / window / coding restriction / country

struct Header {
    std::uint64_t magic;
    std::uint32_t version;
    std::uint32_t header_size;
    std::uint64_t image_size;  // bytes, a multiple of 8
    std::uint64_t checksum;    // over the whole image with this field read as 0
    std::uint64_t generation;  // set by the publisher; part of every route id
    std::uint32_t entry_count;
    std::uint32_t node_count;
    std::uint32_t candidate_count;
    std::uint32_t string_count;  // strings [0, carrier_count) are the carrier ids
    std::uint32_t carrier_count;
    std::uint32_t window_count;
    std::uint32_t coding_set_count;
    std::uint32_t route_count;
    std::uint64_t routes_offset;
    std::uint64_t nodes_offset;
    std::uint64_t candidates_offset;
    std::uint64_t strings_offset;  // StringRef[string_count]
    std::uint64_t chars_offset;
    std::uint64_t chars_size;
    std::uint64_t windows_offset;
    std::uint64_t coding_sets_offset;
    std::uint32_t direct_digits;  // K; 0: no direct table
    std::uint32_t reserved;
    std::uint64_t direct_offset;  // Direct[10^K]
};

// 8 bytes, so a cache line holds a whole block of siblings.
struct Node {
    std::uint32_t first_child;
    std::uint32_t packed;  // bits 0-9: child mask (bit d: a child for digit d); 10-31: route index + 1, 0 = none
    std::uint32_t child_mask() const noexcept { return packed & 0x3ffu; }
    std::uint32_t route() const noexcept { return packed >> 10; }
};
inline constexpr std::uint32_t max_routes = (1u << 22) - 1;

inline constexpr std::uint32_t max_direct_digits = 6;

// Entry n of the direct table: the walk over the K digits of n (leading
// zeros kept). A walk that ends before K digits has child_mask 0, so the
// lookup stops there with `best`.
struct Direct {
    std::uint32_t first_child;  // of the node reached
    std::uint32_t child_mask;   // of the node reached (bits 0-9), 0 when the walk ended early
    std::uint32_t best;         // route index + 1 of the longest prefix within the K digits, 0 = none
    std::uint32_t best_digits;  // its length
};

// Where a prefix's candidates are; routes are in table order.
struct Route {
    std::uint32_t candidate_begin;
    std::uint16_t candidate_count;
    std::uint16_t country;  // string index or none
};

struct Candidate {
    std::uint64_t cost_micros;
    std::uint32_t priority;
    std::uint32_t weight;
    std::uint16_t carrier;     // string index < carrier_count
    std::uint16_t profile;     // string index or none
    std::uint16_t coding_set;  // CodingSet index or none (any)
    std::uint16_t window;      // Window index or none (always)
    std::uint8_t traffic_classes;
    std::uint8_t sender_types;
    std::uint8_t reserved[6];
};

struct StringRef {
    std::uint32_t offset;  // into the chars section
    std::uint32_t size;
};

struct Window {
    std::uint16_t from_minute;
    std::uint16_t to_minute;
    std::int16_t utc_offset_minutes;
    std::uint16_t zone;  // string index or none
};

struct CodingSet {
    std::uint64_t bits[4];  // bit n set: data_coding n accepted
    bool contains(std::uint8_t coding) const noexcept { return (bits[coding >> 6] >> (coding & 63)) & 1u; }
};

static_assert(sizeof(Direct) == 16);
static_assert(sizeof(Node) == 8 && sizeof(Route) == 8 && sizeof(Candidate) == 32 && sizeof(Window) == 8 && sizeof(StringRef) == 8);

}  // namespace image

// A fast 64-bit hash of the image bytes; `skip` is a byte offset of an
// 8-byte field read as 0 (the checksum itself).
std::uint64_t image_checksum(std::span<const std::byte> bytes, std::size_t skip) noexcept;

struct RouteMatch {
    std::size_t prefix_digits = 0;  // the matched prefix is digits.substr(0, prefix_digits)
    std::span<const image::Candidate> candidates;
    std::string_view country;  // "" when the table gives none
};

// A validated, read-only view over an image it does not own. Cheap to copy.
class TableView {
public:
    TableView() = default;
    // Checks everything a lookup relies on; the image must be 8-byte aligned.
    static Result<TableView> attach(std::span<const std::byte> image);

    // Longest-prefix match of `digits` (0-9 only; anything else ends the walk).
    // The empty prefix is the default route. nullopt: no route covers it.
    std::optional<RouteMatch> lookup(std::string_view digits) const noexcept;

    std::uint64_t generation() const noexcept { return header_->generation; }
    std::size_t entry_count() const noexcept { return header_->entry_count; }
    std::size_t node_count() const noexcept { return header_->node_count; }
    std::size_t direct_digits() const noexcept { return direct_digits_; }
    std::size_t image_size() const noexcept { return header_->image_size; }
    std::string_view string(std::uint16_t index) const noexcept;
    std::string_view carrier(const image::Candidate& c) const noexcept { return string(c.carrier); }
    const image::Window* window(const image::Candidate& c) const noexcept;
    const image::CodingSet* coding_set(const image::Candidate& c) const noexcept;
    bool valid() const noexcept { return header_ != nullptr; }

private:
    friend class CompiledTable;
    // Sets the section pointers of an image already known to be valid.
    static TableView bind(const std::byte* base) noexcept;

    const std::byte* base_ = nullptr;
    const image::Header* header_ = nullptr;
    const image::Node* nodes_ = nullptr;
    const image::Route* routes_ = nullptr;
    const image::Candidate* candidates_ = nullptr;
    const image::StringRef* strings_ = nullptr;
    const char* chars_ = nullptr;
    const image::Window* windows_ = nullptr;
    const image::CodingSet* coding_sets_ = nullptr;
    const image::Direct* direct_ = nullptr;
    std::uint32_t direct_digits_ = 0;
};

// An image in process memory (8-byte aligned). compile() fails on a table
// the loaders would have rejected (duplicate or non-digit prefix, too many
// distinct carriers/strings for 16-bit indices).
class CompiledTable {
public:
    static Result<CompiledTable> compile(const RouteTable& table, std::uint64_t generation);

    std::span<const std::byte> bytes() const noexcept {
        return {reinterpret_cast<const std::byte*>(words_.data()), size_};
    }
    // The view of a freshly compiled image; valid while this object lives.
    TableView view() const;

private:
    std::vector<std::uint64_t> words_;
    std::size_t size_ = 0;
};

}  // namespace smpp::routing
