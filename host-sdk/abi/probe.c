/* Exports one function per public type so abidw/abidiff can see the whole C ABI
 * (functions rather than data: a data symbol whose struct grows by an allowed
 * append would be reported as "size of symbol changed"). */
#include <onshi/abi/onshi_ext_card_reader.h>
#include <onshi/abi/onshi_ext_claims.h>
#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/abi/onshi_ext_disaster.h>
#include <onshi/abi/onshi_ext_documents.h>
#include <onshi/abi/onshi_ext_eligibility.h>
#include <onshi/abi/onshi_ext_eligibility_records.h>
#include <onshi/abi/onshi_ext_events.h>
#include <onshi/abi/onshi_services.h>
#include <onshi/onshi_sdk.h>

#define PROBE(type) \
  __attribute__((visibility("default"))) const type* onshi_probe_##type(void) { return 0; }

PROBE(onshi_version)
PROBE(onshi_bytes)
PROBE(onshi_writer)
PROBE(onshi_error)
PROBE(onshi_host)
PROBE(onshi_instance_vtbl)
PROBE(onshi_instance)
PROBE(onshi_plugin_entry)
PROBE(onshi_host_log_v1)
PROBE(onshi_host_clock_v1)
PROBE(onshi_host_config_v1)
PROBE(onshi_host_executor_v1)
PROBE(onshi_store_record)
PROBE(onshi_store_query)
PROBE(onshi_host_store_v1)
PROBE(onshi_host_exchange_v1)
PROBE(onshi_diagnostics_v1)
PROBE(onshi_card_reader_v1)
PROBE(onshi_reader_event)
PROBE(onshi_reader_listener)
PROBE(onshi_claims_v1)
PROBE(onshi_disaster_v1)
PROBE(onshi_eligibility_v1)
PROBE(onshi_eligibility_records_v1)
PROBE(onshi_documents_v1)
PROBE(onshi_events_v1)
PROBE(onshi_sdk_options)
PROBE(onshi_plugin_info)
PROBE(onshi_extension)
