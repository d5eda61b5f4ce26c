/* onshi_ext_events.h: "onshi.events/1", what a plugin reports without being asked, as documents,
 * so a host that passes events on (`onshi serve`: GET /v1/events) needs no code per plugin.
 * Optional; the typed listeners of each extension (card-reader/1's set_listener, eligibility/1's
 * set_face_listener) stay as they are. Pure C99. */
#ifndef ONSHI_ABI_EXT_EVENTS_H
#define ONSHI_ABI_EXT_EVENTS_H

#include "onshi_extensions.h"
#include "onshi_plugin.h"

/* Each event document:
 * {"schema": "onshi.plugin-event/1", "kind": "card" | "face" | "disaster" | a vendor's word,
 *  "data": {...}  what happened, as the plugin's own documents say it,
 *  "route": {"birth_date": "YYYYMMDD", "reference_number", "reader"}  optional: the event concerns
 *           one patient and goes to one desk only, the one that said it expects that patient (or
 *           to the clinic-wide queue),
 *  "reader": "<card reader name>"  optional: the event concerns the desk(s) at that reader;
 *  with neither it concerns the whole clinic}.
 * Never an individual number or a PIN; withheld data only as the plugin's outcome allows. */
#define ONSHI_SCHEMA_PLUGIN_EVENT "onshi.plugin-event/1"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct onshi_events_v1 {
  uint32_t struct_size;
  /* [any-thread] Starts delivery to a copy of listener (replacing any previous one), or stops it
   * (NULL). Documents arrive on a host executor thread, one at a time. After a stop returns, no
   * call is running or will come. A plugin that cannot watch what it would report (no face folder
   * configured) says why and delivers nothing. */
  onshi_status(ONSHI_ABI* set_listener)(onshi_instance* instance, const onshi_document_listener* listener,
                                        onshi_error* err);
} onshi_events_v1;

#ifdef __cplusplus
}
#endif
#endif
