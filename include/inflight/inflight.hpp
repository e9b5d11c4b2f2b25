#pragma once
// The umbrella header: every inflight primitive.

#include "cpu_work.hpp"
#include "dispatcher.hpp"
#include "distribution.hpp"
#include "fd_wait.hpp"
#include "histogram.hpp"
#include "io_wait.hpp"
#include "limits.hpp"
#include "slot_limiter.hpp"
#include "topology.hpp"
#include "version.hpp"
