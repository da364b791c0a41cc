#include "core/util/signals.h"

#include <csignal>

#include <atomic>

namespace mapsla {
namespace {

std::atomic<int> g_signal{0};

extern "C" void on_stop_signal(int signal_number) {
  g_signal.store(signal_number, std::memory_order_relaxed);
}

}  // namespace

void install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    sigaction(sig, &action, nullptr);
}

bool stop_requested() {
  return g_signal.load(std::memory_order_relaxed) != 0;
}
int stop_signal() {
  return g_signal.load(std::memory_order_relaxed);
}

}  // namespace mapsla
