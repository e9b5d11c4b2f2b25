#pragma once
// Restricting the calling thread to a set of CPUs, for the models that stand in for fewer vCPUs.

#include <pthread.h>  // pthread_setaffinity_np
#include <sched.h>    // cpu_set_t

#include <vector>

namespace inflight::bench {

/// Lets the calling thread run on `cpus` only; does nothing when `cpus` is empty.
inline void pin_current_thread(const std::vector<int>& cpus) {
  if (cpus.empty()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

}  // namespace inflight::bench
