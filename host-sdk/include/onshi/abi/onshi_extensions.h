/* onshi_extensions.h: the extension ids this host knows. An id is
 * "onshi.<name>/<revision>" for ours and "<reverse-dns>.<name>/<revision>" for a
 * vendor's; the revision goes up on any incompatible change and a plugin may
 * answer several revisions. Each id's function table is declared in its own
 * header (onshi_ext_<name>.h) when its revision is published. */
#ifndef ONSHI_ABI_EXTENSIONS_H
#define ONSHI_ABI_EXTENSIONS_H

#define ONSHI_EXT_CARD_READER "onshi.card-reader/1"
#define ONSHI_EXT_ELIGIBILITY "onshi.eligibility/1"
/* What a clinic keeps and registers, optional beside eligibility/1: 一括照会
 * jobs, 照会番号 registration, the verification history (onshi_ext_eligibility_records.h). */
#define ONSHI_EXT_ELIGIBILITY_RECORDS "onshi.eligibility-records/1"
#define ONSHI_EXT_CLAIMS "onshi.claims/1"
#define ONSHI_EXT_DISASTER "onshi.disaster/1"
#define ONSHI_EXT_DIAGNOSTICS "onshi.diagnostics/1" /* onshi_ext_diagnostics.h */
/* A plugin's document functions by name, for hosts that serve them (onshi_ext_documents.h). */
#define ONSHI_EXT_DOCUMENTS "onshi.documents/1"
/* What a plugin reports without being asked (a card put on the reader, a face-reader result,
 * disaster mode switched), as documents, for hosts that pass them on (onshi_ext_events.h). */
#define ONSHI_EXT_EVENTS "onshi.events/1"

#endif
