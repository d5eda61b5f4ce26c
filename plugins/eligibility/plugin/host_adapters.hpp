// The core's RecordStore and Terminal over the host's services: the durable store
// (onshi.host.store/1) and the exchange (onshi.host.exchange/1). The third adapter, the Reactor, is
// host_reactor.hpp.
#pragma once

#include <onshi/eligibility/bulk_job.hpp>
#include <onshi/eligibility/record_store.hpp>
#include <onshi/plugin.hpp>

#include <utility>
#include <vector>

namespace onshi::eligibility::plugin {

class HostStore final : public RecordStore {
 public:
  explicit HostStore(onshi::plugin::Host host) : host_(host) {}
  Result<void> put(const std::vector<StoreRecord>& records) override { return host_.store_put(records); }
  Result<std::vector<StoreRecord>> query(const StoreQuery& q) const override { return host_.store_query(q); }

 private:
  onshi::plugin::Host host_;
};

// The host's exchange service is this plugin's own exchange_async (whichever transport it is
// configured for), so every answer arrives on this plugin's strand, as the core requires.
class HostTerminal final : public Terminal {
 public:
  explicit HostTerminal(onshi::plugin::Host host) : host_(host) {}

  Result<uint64_t> send(std::string_view prefix, std::string request, Reply reply) override {
    return host_.exchange(prefix, request, std::move(reply));
  }
  void cancel(uint64_t exchange) override { host_.cancel_exchange(exchange); }

 private:
  onshi::plugin::Host host_;
};

}  // namespace onshi::eligibility::plugin
