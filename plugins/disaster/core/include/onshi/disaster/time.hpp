// Dates and time points of the disaster core: libs/support's, so every plugin writes and reads them
// the same way. Time is always passed in (the host's clock service); nothing here reads the clock.
#pragma once

#include <onshi/support/dates.hpp>

namespace onshi::disaster {

using support::Date;
using support::TimePoint;

using support::compact_date;
using support::compact_time;
using support::iso_date;
using support::iso_time;
using support::parse_date;  // YYYY-MM-DD or YYYYMMDD; the JAHIS 和暦 form is jahis.cpp's alone
using support::parse_time;

}  // namespace onshi::disaster
