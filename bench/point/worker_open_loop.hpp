#pragma once
// The open loop of the dispatcher's models (fiber, nodejs), generated where it is served: each
// worker runs a generator fiber on its own share of the rate (arrival_schedule's streams, as wrk2
// gives each thread its share), which sleeps for its next arrival in the same idle path as the
// worker's timers and descriptors. An arrival is throttled (LMI's 429) when the environment-wide
// slot_limiter is full, else handed to a slot of the generator's own worker, and to another
// worker's only when all of its own are busy: no arrival crosses threads while its worker can serve
// it, and none waits for a slot while any is free.
//
// Slots: run_slots(slots()) with run(i) as the body. Slots 0..workers-1 are the generators (the
// dispatcher places slot i on worker i mod workers); slot workers + j serves as slot j of the
// point's context, on worker j mod workers.

#include <atomic>
#include <boost/fiber/buffered_channel.hpp>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "inflight/slot_limiter.hpp"
#include "point/open_loop.hpp"

namespace inflight::bench::detail {

class worker_open_loop {
 public:
  worker_open_loop(point_context& ctx, std::size_t workers)
      : ctx_(ctx), limiter_(ctx.spec.in_flight()), closed_(2) {
    const std::size_t n = ctx.spec.in_flight();
    for (std::size_t w = 0; w < workers; ++w) {
      const std::size_t slots = n / workers + (w < n % workers ? 1 : 0);
      lanes_.push_back(std::make_unique<lane>(slots));
    }
  }
  ~worker_open_loop() { close(); }

  /// The slot fibers to run: one generator per worker, then the point's slots.
  std::size_t slots() const { return lanes_.size() + ctx_.spec.in_flight(); }

  /// The body of slot i; returns once the loop is closed.
  void run(std::size_t i) {
    if (i < lanes_.size()) {
      generate(i);
    } else {
      serve(i - lanes_.size());
    }
  }

  /// Waits for every generator that started to issue its last arrival (they end with the window),
  /// closes the lanes so that the slots drain what is left, and adds the generators' counts to
  /// `r`. Idempotent; a generator that could not start (no stack) is not waited for, and none
  /// starts after this.
  void finish(point_result& r) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      closing_ = true;
      generators_done_.wait(lock, [this] { return running_ == 0; });
    }
    close();
    if (added_) return;
    added_ = true;
    for (const auto& l : lanes_) l->tally.add_to(r);
  }

  double occupancy() const { return static_cast<double>(limiter_.in_use()); }

 private:
  struct arrival {
    steady::time_point due;
    bool counted = false;
    slot_limiter::slot slot;
  };
  // One worker's share: its queue, its slots, and how many of them hold an arrival.
  struct alignas(64) lane {
    explicit lane(std::size_t n) : slots(n), queue(next_pow2(n + 1)) {}
    const std::size_t slots;
    std::atomic<std::size_t> assigned{0};
    boost::fibers::buffered_channel<arrival> queue;
    arrival_tally tally;  // written by this lane's generator only
    bool generated = false;
  };

  void generate(std::size_t w) {
    lane& own = *lanes_[w];
    if (!own.generated) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closing_) return wait_closed();
        ++running_;
      }
      own.generated = true;
      arrival_schedule schedule(ctx_.spec, ctx_.start, ctx_.window_end, w, lanes_.size());
      generate_arrivals(ctx_, schedule, own.tally, [&](steady::time_point due, bool counted) {
        auto slot = limiter_.try_acquire();
        if (!slot) return false;
        lane_with_a_free_slot(w).queue.push(arrival{due, counted, std::move(slot)});
        return true;
      });
      {
        std::lock_guard<std::mutex> lock(mutex_);
        --running_;
      }
      generators_done_.notify_all();
    }
    wait_closed();
  }

  // The generator's own lane when one of its slots is free, else the next one with a free slot.
  // The limiter admitted the arrival, so fewer arrivals are assigned than there are slots and one
  // lane has room; the claim is a compare-and-swap, so two generators never take its last slot.
  lane& lane_with_a_free_slot(std::size_t w) {
    for (std::size_t k = 0; k < lanes_.size(); ++k) {
      lane& l = *lanes_[(w + k) % lanes_.size()];
      std::size_t a = l.assigned.load();
      while (a < l.slots) {
        if (l.assigned.compare_exchange_weak(a, a + 1)) return l;
      }
    }
    lane& own = *lanes_[w];  // unreachable while the counts hold; it would wait for a slot
    own.assigned.fetch_add(1);
    return own;
  }

  void serve(std::size_t j) {
    lane& l = *lanes_[j % lanes_.size()];
    arrival a;
    while (l.queue.pop(a) == boost::fibers::channel_op_status::success) {
      ctx_.invoke(j, a.due, a.counted);
      l.assigned.fetch_sub(1);  // before the limiter's slot: the counts never claim a free slot
      a.slot.reset();
    }
  }

  // A generator's slot fiber parks here once its schedule is over, until the loop closes.
  void wait_closed() {
    int unused = 0;
    closed_.pop(unused);
  }
  void close() {
    for (auto& l : lanes_) l->queue.close();
    closed_.close();
  }

  point_context& ctx_;
  slot_limiter limiter_;
  std::vector<std::unique_ptr<lane>> lanes_;
  boost::fibers::buffered_channel<int> closed_;
  std::mutex mutex_;
  std::condition_variable generators_done_;
  std::size_t running_ = 0;
  bool closing_ = false;
  bool added_ = false;
};

}  // namespace inflight::bench::detail
