#pragma once
// The fiber and nodejs models: inflight's dispatcher, vCPUs x workers_per_vcpu threads (1 for
// fiber, 8 for nodejs, as the Node.js runtime client starts), each slot a long-lived fiber.

#include "inflight/dispatcher.hpp"
#include "support/open_loop.hpp"
#include "support/point.hpp"

namespace inflight::bench::detail {

inline void run_dispatcher_model(point_context& ctx, point_result& r, std::size_t workers_per_vcpu,
                                 const progress& tick) {
  dispatcher_options o;
  o.vcpus = r.vcpus;
  o.workers_per_vcpu = workers_per_vcpu;
  o.pin = ctx.spec.pinned();
  o.stack_size = ctx.spec.stack_size;
  dispatcher d(o);
  r.workers = d.workers();
  r.threads = d.workers();
  if (ctx.spec.mode == loop_mode::closed) {
    d.run_slots(r.in_flight, [&](std::size_t i) { ctx.invoke_closed(i); });
    await_window(ctx, r, tick);
    d.stop_slots();
  } else {
    open_loop loop(ctx, r);
    d.run_slots(r.in_flight, [&](std::size_t i) { loop.serve(i); });
    loop.drive(tick);
    d.stop_slots();
  }
  // A slot whose stack could not be mapped never ran: the point had fewer slots than it claims.
  r.unstarted = d.unstarted();
  r.failed += r.unstarted;
}

}  // namespace inflight::bench::detail
