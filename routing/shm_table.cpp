#include "routing/shm_table.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

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

Result<ShmReader> ShmReader::open(std::shared_ptr<TableRefresher> refresher) {
    if (!refresher) return plain("no table refresher");
    ShmReader r(std::move(refresher));
    r.current();
    return r;
}

const TableView& ShmReader::current() {
    if (refresher_) {
        if (refresher_->generation() != generation_) {
            TableRefresher::Table t = refresher_->table();
            // The refresher's thread unmaps it (munmap of a big populated
            // mapping takes milliseconds), not this lookup.
            refresher_->retire(std::move(image_));
            image_ = std::move(t.image);
            view_ = t.view;
            generation_ = t.generation;
        }
        return view_;
    }
    std::uint64_t g = control(control_).generation.load(std::memory_order_acquire);
    if (g != generation_ && g != failed_generation_) remap(g);
    return view_;
}

void ShmReader::remap(std::uint64_t wanted) {
    for (int attempt = 0; attempt < 4; ++attempt) {
        std::string name = image_segment_name(ns_, wanted);
        auto m = shm::open(name, shm::Access::read_only, true);
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
        image_ = std::make_shared<const ShmMapping>(std::move(m).value());
        view_ = v.value();
        generation_ = wanted;
        last_error_.reset();
        return;
    }
    // Keep serving the table we have; try again once the generation moves.
    failed_generation_ = wanted;
}

}  // namespace smpp::routing

namespace smpp::routing {

Result<std::shared_ptr<TableRefresher>> TableRefresher::open(const std::string& ns, std::chrono::milliseconds poll) {
    auto reader = ShmReader::open(ns);
    if (!reader) return reader.error();
    std::shared_ptr<TableRefresher> r(new TableRefresher(std::move(reader).value()));
    r->refresh();
    if (poll.count() > 0) r->thread_ = std::thread([raw = r.get(), poll] { raw->run(poll); });
    return r;
}

TableRefresher::~TableRefresher() {
    {
        std::lock_guard lock(stop_mutex_);
        stop_ = true;
    }
    stop_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void TableRefresher::run(std::chrono::milliseconds poll) {
    std::unique_lock lock(stop_mutex_);
    while (!stop_cv_.wait_for(lock, poll, [this] { return stop_; })) {
        lock.unlock();
        refresh();
        lock.lock();
    }
}

void TableRefresher::retire(std::shared_ptr<const ShmMapping> image) {
    if (!image) return;
    std::lock_guard lock(table_mutex_);
    retired_.push_back(std::move(image));
}

void TableRefresher::refresh() {
    std::lock_guard lock(refresh_mutex_);
    {
        // Unmapped here, once no reader and no view holder has them any more.
        std::vector<std::shared_ptr<const ShmMapping>> release;
        {
            std::lock_guard table_lock(table_mutex_);
            auto still_used = [](const std::shared_ptr<const ShmMapping>& m) { return m.use_count() > 1; };
            auto keep = std::partition(retired_.begin(), retired_.end(), still_used);
            release.assign(std::make_move_iterator(keep), std::make_move_iterator(retired_.end()));
            retired_.erase(keep, retired_.end());
        }
    }
    const std::uint64_t before = reader_.generation();
    // Maps with MAP_POPULATE and validates (the checksum reads every byte):
    // this thread pays the page faults and the checks, not a lookup.
    const TableView& view = reader_.current();
    if (reader_.generation() == before && generation() == before) return;
    {
        std::lock_guard table_lock(table_mutex_);
        table_ = Table{reader_.image(), view, reader_.generation()};
    }
    generation_.store(reader_.generation(), std::memory_order_release);
    prepared_.fetch_add(1, std::memory_order_relaxed);
}

TableRefresher::Table TableRefresher::table() const {
    std::lock_guard lock(table_mutex_);
    return table_;
}

std::optional<Error> TableRefresher::last_error() const {
    std::lock_guard lock(refresh_mutex_);
    return reader_.last_error();
}

}  // namespace smpp::routing
