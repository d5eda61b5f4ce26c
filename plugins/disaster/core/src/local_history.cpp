#include <onshi/disaster/local_history.hpp>

namespace onshi::disaster {

bool retained_at(const RetainedRetrieval& r, TimePoint now) { return now < r.keep_until; }

}  // namespace onshi::disaster
