#pragma once
// The bench's Runtime API server on a thread of its own for one test, with a driver of the
// test's type (runtime_api_server_test, runtime_api_transport_test).

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <utility>

#include "runtime_api/server.hpp"

namespace inflight::test {

template <class Driver>
class runtime_api_fixture : public ::testing::Test {
 protected:
  using server = bench::runtime_api::server;
  void start(bench::runtime_api::server_config config = {}) {
    srv_ = std::make_unique<server>(std::move(config));
    thread_ = std::thread([this] { srv_->run(driver_); });
  }
  void TearDown() override {
    if (srv_) {
      srv_->stop();
      thread_.join();
    }
  }
  // Makes `n` invocations available, on the server's thread.
  void submit(std::size_t n, bool counted = true) {
    srv_->post([this, n, counted] {
      for (std::size_t i = 0; i < n; ++i) srv_->submit(bench::runtime_api::steady::now(), counted);
    });
  }

  Driver driver_;
  std::unique_ptr<server> srv_;
  std::thread thread_;
};

}  // namespace inflight::test
