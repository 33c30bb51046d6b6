#include "routing/shm_table.hpp"

#include <cstring>

namespace smpp::routing {

namespace {

constexpr std::uint64_t control_magic = 0x4c54435250504d53ull;  // "SMPPRCTL"

struct Control {
    std::uint64_t magic;
    std::uint32_t version;
    std::uint32_t reserved;
    std::atomic<std::uint64_t> generation;  // 0: nothing published yet
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "the control block is shared between processes");

Control& control(const ShmMapping& m) { return *static_cast<Control*>(m.data()); }

Error plain(std::string message) { return Error{std::move(message), "", 0, ""}; }

}  // namespace

bool valid_shm_namespace(std::string_view ns) noexcept {
    if (ns.empty() || ns.size() > 64) return false;
    for (char c : ns)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            return false;
    return true;
}

std::string control_segment_name(std::string_view ns) { return "/smpp-routes." + std::string(ns) + ".ctl"; }

std::string image_segment_name(std::string_view ns, std::uint64_t generation) {
    return "/smpp-routes." + std::string(ns) + "." + std::to_string(generation);
}

Result<ShmPublisher> ShmPublisher::open(const std::string& ns) {
    if (!valid_shm_namespace(ns)) return plain("route table namespace '" + ns + "' is not 1-64 of [A-Za-z0-9_.-]");
    auto m = shm::open_or_create(control_segment_name(ns), sizeof(Control));
    if (!m) return m.error();
    Control& c = control(*m);
    if (c.magic != control_magic) {
        // A fresh block: zero-filled by ftruncate, so generation is already 0.
        c.version = 1;
        c.magic = control_magic;
    }
    return ShmPublisher(ns, std::move(m).value());
}

std::uint64_t ShmPublisher::generation() const noexcept {
    return control(control_).generation.load(std::memory_order_acquire);
}

Result<std::uint64_t> ShmPublisher::publish(const RouteTable& table) {
    std::uint64_t current = generation();
    std::uint64_t next = current + 1;
    auto compiled = CompiledTable::compile(table, next);
    if (!compiled) return compiled.error();
    auto bytes = compiled->bytes();
    std::string name = image_segment_name(ns_, next);
    auto segment = shm::create(name, bytes.size());
    if (!segment) {
        // A leftover of a publisher that died between create and switch.
        (void)shm::unlink(name);
        segment = shm::create(name, bytes.size());
        if (!segment) return segment.error();
    }
    std::memcpy(segment->data(), bytes.data(), bytes.size());
    segment = ShmMapping();  // the image is complete before anyone can learn its generation
    control(control_).generation.store(next, std::memory_order_release);
    if (current >= 1) (void)shm::unlink(image_segment_name(ns_, current - 1));
    return next;
}

void ShmPublisher::remove() {
    std::uint64_t g = generation();
    if (g >= 1) (void)shm::unlink(image_segment_name(ns_, g - 1));
    (void)shm::unlink(image_segment_name(ns_, g));
    (void)shm::unlink(control_segment_name(ns_));
}

Result<ShmReader> ShmReader::open(const std::string& ns) {
    if (!valid_shm_namespace(ns)) return plain("route table namespace '" + ns + "' is not 1-64 of [A-Za-z0-9_.-]");
    auto m = shm::open(control_segment_name(ns), shm::Access::read_only);
    if (!m) return m.error();
    if (m->size() < sizeof(Control) || control(*m).magic != control_magic)
        return plain("route table control block " + control_segment_name(ns) + " is not initialised");
    ShmReader r(ns, std::move(m).value());
    r.current();
    return r;
}

const TableView& ShmReader::current() {
    std::uint64_t g = control(control_).generation.load(std::memory_order_acquire);
    if (g != generation_ && g != failed_generation_) remap(g);
    return view_;
}

void ShmReader::remap(std::uint64_t wanted) {
    for (int attempt = 0; attempt < 4; ++attempt) {
        std::string name = image_segment_name(ns_, wanted);
        auto m = shm::open(name, shm::Access::read_only);
        if (!m) {
            last_error_ = m.error();
            // The publisher may retire a generation between our load and
            // shm_open; the control block then already names a newer one.
            std::uint64_t now = control(control_).generation.load(std::memory_order_acquire);
            if (!shm::missing(m.error()) || now == wanted || now == generation_) break;
            wanted = now;
            continue;
        }
        auto v = TableView::attach({static_cast<const std::byte*>(m->data()), m->size()});
        if (!v) {
            last_error_ = plain(name + ": " + v.error().message);
            break;
        }
        if (v->generation() != wanted) {
            last_error_ = plain(name + ": holds generation " + std::to_string(v->generation()));
            break;
        }
        image_ = std::move(m).value();
        view_ = v.value();
        generation_ = wanted;
        last_error_.reset();
        return;
    }
    // Keep serving the table we have; try again once the generation moves.
    failed_generation_ = wanted;
}

}  // namespace smpp::routing
