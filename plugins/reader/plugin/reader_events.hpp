// Card and reader events for set_listener(): a loop on a host blocking thread
// sleeps in SCardGetStatusChange over every reader (and pcsc-lite's PnP
// notification) and posts each change to the listener through the host
// executor (one callback at a time, per the executor's contract).
#pragma once

#include <onshi/abi/onshi_ext_card_reader.h>
#include <onshi/plugin.hpp>

#include <memory>

namespace onshi::reader::plugin {

class ReaderEvents {
 public:
  explicit ReaderEvents(onshi::plugin::Host host) : host_(host) {}
  ~ReaderEvents() { stop(); }
  ReaderEvents(const ReaderEvents&) = delete;
  ReaderEvents& operator=(const ReaderEvents&) = delete;

  // Starts delivering to a copy of `listener` (replacing any previous one), or
  // stops with nullptr. The readers' state when it starts is the baseline: only
  // changes after that are events. After a stop returns, on_event is not
  // running and will not be called again.
  Result<void> set_listener(const onshi_reader_listener* listener);

 private:
  struct Loop;
  struct Delivery;
  void stop();

  onshi::plugin::Host host_;
  std::shared_ptr<Loop> loop_;
  std::shared_ptr<Delivery> delivery_;
};

}  // namespace onshi::reader::plugin
