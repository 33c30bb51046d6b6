#include "smpp/session/read_buffer.hpp"

#include <algorithm>
#include <cstring>

namespace smpp::session {

std::span<std::uint8_t> ReadBuffer::prepare() {
    std::size_t need = room_;
    // The rest of a long frame may be less than the read room: asking for
    // the full room then would grow a buffer that fit() already sized.
    if (awaiting_ > end_ - start_) need = std::min(need, std::max(awaiting_ - (end_ - start_), min_read_room));
    make_room(need);
    offered_ = buf_.size() - end_;
    return {buf_.data() + end_, offered_};
}

void ReadBuffer::commit(std::size_t n) noexcept {
    end_ += n;
    // A full read means the socket had more: give the next one more room.
    if (n == offered_ && room_ < max_read_room) room_ = std::min(room_ * 2, max_read_room);
    offered_ = 0;
}

void ReadBuffer::consume(std::size_t n) noexcept {
    start_ += n;
    awaiting_ = 0;
    // Empty: the next read starts at the front, with no copy.
    if (start_ == end_) start_ = end_ = 0;
}

void ReadBuffer::fit(std::size_t length) {
    awaiting_ = length;
    if (buf_.size() - start_ >= length) return;
    make_room(length - (end_ - start_));
}

void ReadBuffer::make_room(std::size_t need) {
    if (buf_.size() - end_ >= need) return;
    if (start_ > 0) {
        std::memmove(buf_.data(), buf_.data() + start_, end_ - start_);
        end_ -= start_;
        start_ = 0;
    }
    // Doubling: a few growths reach any size, then none. Not past the
    // ceiling, so a frame near max_command_length costs about that much.
    if (buf_.size() - end_ < need) buf_.resize(std::max(std::min(buf_.size() * 2, ceiling_), end_ + need));
}

}  // namespace smpp::session
