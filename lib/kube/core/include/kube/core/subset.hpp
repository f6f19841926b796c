// Whether a live object already holds every field of a desired (server-side apply) body:
// then applying it would change nothing, and the controller skips the write. This is what
// keeps a restarted operator from writing to the objects it already converged. Objects are
// compared field by field; lists element by element (same length: a list the operator owns
// is the whole list). Values the apiserver normalises (e.g. a CPU quantity "0.5" stored as
// "500m") read as different, which costs one idempotent apply, never a wrong skip.
// Caveat: a field removed from the desired body is invisible to it (live still "contains"
// the smaller body); kube::owned_set pairs it with a hash of the last applied body for that.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace kube {

bool contains_subset(const boost::json::value& live, const boost::json::value& desired);
// The same for two objects, compared in place (no copy of either).
bool contains_subset(const boost::json::object& live, const boost::json::object& desired);

}  // namespace kube
