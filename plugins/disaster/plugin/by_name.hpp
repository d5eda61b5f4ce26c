// Every function of onshi.disaster/1 by name (onshi.documents/1), for hosts that serve them.
#pragma once

#include <onshi/abi/onshi_ext_documents.h>

namespace onshi::disaster::plugin {

const onshi_documents_v1* documents_table();

}  // namespace onshi::disaster::plugin
