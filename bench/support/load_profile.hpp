#pragma once
// How load reaches a point: a closed loop (every slot loops invoke -> complete) or an open loop of
// arrivals at a rate. Shared by the flags and the point; includes nothing of inflight.

namespace inflight::bench {

enum class loop_mode { closed, open };
enum class arrival_process { poisson, uniform };

}  // namespace inflight::bench
