// The plugin's functions by name (onshi.documents/1) and its events (onshi.events/1), in by_name.cpp:
// thin adapters over its C tables, plus the few calls that only they need.
#pragma once

#include <onshi/abi/onshi_ext_documents.h>
#include <onshi/abi/onshi_ext_events.h>

#include <string>
#include <string_view>

#include "records.hpp"

namespace onshi::eligibility::plugin {

// What the by-name functions ask of the plugin beyond its C tables.
class EligibilityInstance : public RecordsInstance {
 public:
  // query_async and exchange_async whose `progress` (may be null; copied) hears, over the folders,
  // the name a request is about to be placed under (onshi.eligibility.placed/1); exchange completes
  // with onshi.eligibility.exchange-answer/1 instead of the raw bytes.
  virtual Result<uint64_t> query(std::string_view request_json, const onshi_document_listener* progress,
                                 const onshi_completion* done) = 0;
  virtual Result<uint64_t> exchange(std::string_view file_prefix, std::string request_xml,
                                    const onshi_document_listener* progress, const onshi_completion* done) = 0;
  // onshi.eligibility.await-request/1: the answer to a request placed before a restart.
  virtual Result<uint64_t> await(std::string_view request_json, const onshi_completion* done) = 0;
  // At a desk ("transport": "service"): whom this desk expects at the face reader, so that the
  // service sends that patient's result here (onshi.expectation-request/1 → onshi.expectation/1).
  virtual Result<uint64_t> expect(std::string_view request_json, const onshi_completion* done) = 0;
  // Face-reader results as onshi.plugin-event/1 documents (kind "face", routed by birth date and
  // 照会番号); nullptr stops.
  virtual Result<void> set_event_listener(const onshi_document_listener* listener) = 0;
};

const onshi_documents_v1* documents_table();
const onshi_events_v1* events_table();

}  // namespace onshi::eligibility::plugin
