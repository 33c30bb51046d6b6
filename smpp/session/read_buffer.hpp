#pragma once
// A session's read buffer: the octets read from the socket and not yet
// parsed into frames, with room after them for the next read.
//
// It starts small, because every connection has one before its peer has
// proved anything: at 64 KiB each, 3,000 idle unbound connections held
// 190 MiB of buffers. It grows on demand, never per read:
//  - to hold a whole frame whose header says it is longer than the buffer
//    (fit(); the frame's command_length was checked against
//    max_command_length before, so that bounds this growth);
//  - when a read fills all the room it was offered (the socket has more
//    waiting, as under a pipelining peer), the next read is offered twice
//    the room, up to max_read_room.
// Growth doubles the capacity, so a busy session reaches its working size
// in a few reads and keeps it (nothing shrinks): a bound peer at tens of
// thousands of PDUs a second costs no allocation per read. Not
// thread-safe: the session touches it only on its strand.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace smpp::session {

class ReadBuffer {
public:
    // Room for dozens of typical PDUs (a submit_sm is 60-300 octets).
    static constexpr std::size_t initial_capacity = 4 * 1024;
    // The least room offered to a read: below it, a read returns too little
    // to be worth the system call.
    static constexpr std::size_t min_read_room = 1024;
    // The most room a read is made to have; reads past it gain little (the
    // old fixed buffer was 64 KiB, which this reaches once doubled).
    static constexpr std::size_t max_read_room = 32 * 1024;

    // `max_frame`: the longest frame the session admits (its
    // max_command_length); doubling stops there, growth to fit a frame
    // or a read room does not.
    explicit ReadBuffer(std::size_t max_frame)
        : buf_(initial_capacity), ceiling_(std::max(max_frame, 2 * max_read_room)) {}

    // Where the next read goes: at least the current read room (less when
    // a frame still being read needs less), compacting or growing first.
    std::span<std::uint8_t> prepare();
    // `n` octets were read into prepare()'s span.
    void commit(std::size_t n) noexcept;

    // Read, not yet parsed.
    std::span<const std::uint8_t> unparsed() const noexcept { return {buf_.data() + start_, end_ - start_}; }
    void consume(std::size_t n) noexcept;

    // A frame of `length` octets starts at unparsed(): make the buffer able
    // to hold all of it, so the reads to come can complete it.
    void fit(std::size_t length);

    std::size_t capacity() const noexcept { return buf_.size(); }
    std::size_t read_room() const noexcept { return room_; }

private:
    // At least `need` free octets after end_.
    void make_room(std::size_t need);

    std::vector<std::uint8_t> buf_;
    std::size_t ceiling_;
    std::size_t start_ = 0, end_ = 0;
    std::size_t room_ = min_read_room;
    // The room prepare() last offered, to tell a read that filled it.
    std::size_t offered_ = 0;
    // The length of the frame at start_ that fit() made room for, until it
    // is consumed: prepare() need not offer more than it lacks.
    std::size_t awaiting_ = 0;
};

}  // namespace smpp::session
