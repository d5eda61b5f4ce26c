// onshi.documents/1 and onshi.events/1 of the reader plugin (by_name.cpp): every function of
// onshi.card-reader/1 by name, and card events as documents.
#pragma once

#include <onshi/abi/onshi_ext_card_reader.h>
#include <onshi/abi/onshi_ext_documents.h>
#include <onshi/abi/onshi_ext_events.h>
#include <onshi/plugin.hpp>

#include <memory>
#include <mutex>

#include "reader_events.hpp"

namespace onshi::reader::plugin {

// Card and reader events as onshi.plugin-event/1 documents (kind "card"), from a watcher of their own.
class CardEventDocuments {
 public:
  explicit CardEventDocuments(onshi::plugin::Host host) : events_(host) {}
  Result<void> set_listener(const onshi_document_listener* listener);

 private:
  static void ONSHI_ABI on_event(void* ctx, const onshi_reader_event* event);
  std::mutex mutex_;  // held while the listener runs
  onshi_document_listener listener_{};
  ReaderEvents events_;
};

const onshi_documents_v1* documents_table();

}  // namespace onshi::reader::plugin
