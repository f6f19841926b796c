// Whether a live object already holds every field of a desired (server-side apply) body:
// then applying it would change nothing, and the controller skips the write. This is what
// keeps a restarted operator from writing to the objects it already converged. Objects are
// compared field by field; lists element by element (same length: a list the operator owns
// is the whole list). Values the apiserver normalises (e.g. a CPU quantity "0.5" stored as
// "500m") read as different, which costs one idempotent apply, never a wrong skip.
#pragma once

#include <boost/json/value.hpp>

namespace controllers {

bool contains_subset(const boost::json::value& live, const boost::json::value& desired);

}  // namespace controllers
