// The one place that includes Boost.Asio. Boost 1.74's awaitable.hpp uses
// std::exchange without including <utility>, which breaks with GCC 12 in
// C++20 mode; include it first. Keep this header out of widely included
// headers: Asio is slow to compile.
#pragma once

#include <utility>

#include <boost/asio.hpp>
