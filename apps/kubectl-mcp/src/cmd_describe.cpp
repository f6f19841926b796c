// kubectl mcp describe NAME: the object, the pods its status.selector picks and the events
// about it.
#include <iostream>

#include "commands.hpp"
#include "describe.hpp"
#include "exit_codes.hpp"

namespace kubectl_mcp {

namespace {

kube::api_resource core_events() {
  return {"", "v1", "events", "Event", true};
}

std::string text_at(const boost::json::object& o, std::string_view a, std::string_view b) {
  const auto* x = o.if_contains(a);
  const auto* y = x != nullptr && x->is_object() ? x->get_object().if_contains(b) : nullptr;
  return y != nullptr && y->is_string() ? std::string(y->get_string()) : std::string();
}

}  // namespace

boost::asio::awaitable<int> run_describe(const kube_context& ctx) {
  failure why;
  auto target = co_await find_target(ctx, why);
  if (!target)
    co_return fail(why);
  std::vector<boost::json::object> pods, events;
  // Pods and events are context: a caller allowed to read the object but not them still gets it.
  std::string notes;
  if (const std::string selector = text_at(target->obj, "status", "selector"); !selector.empty()) {
    kube::list_params p;
    p.label_selector = selector;
    auto list = co_await ctx.core(kube::resources::pods()).list_all(p);
    if (list)
      pods = std::move(list->items);
    else
      notes += "(pods not shown: " + from_kube_error(list.error()).message + ")\n";
  }
  kube::list_params ep;
  ep.field_selector = "involvedObject.uid=" + text_at(target->obj, "metadata", "uid");
  auto list = co_await ctx.core(core_events()).list_all(ep);
  if (list)
    events = std::move(list->items);
  else
    notes += "(events not shown: " + from_kube_error(list.error()).message + ")\n";
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  std::cout << render_describe(*target, pods, std::move(events), now.count()) << notes;
  co_return exit_code::ok;
}

}  // namespace kubectl_mcp
