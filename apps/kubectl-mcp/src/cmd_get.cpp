// kubectl mcp get [NAME]: MCPServers and MCPPools of the namespace (or all namespaces).
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "format.hpp"

namespace kubectl_mcp {

namespace {

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

boost::asio::awaitable<int> run_get(const kube_context& ctx) {
  std::vector<resource_ref> items;
  const auto fmt = ctx.inv.flags.output;
  if (!ctx.inv.name.empty()) {
    failure why;
    auto found = co_await find_target(ctx, why);
    if (!found)
      co_return fail(why);
    items.push_back(std::move(*found));
  } else {
    auto servers = co_await ctx.servers(ctx.ns).list_all();
    if (!servers)
      co_return fail(from_kube_error(servers.error()));
    auto pools = co_await ctx.pools(ctx.ns).list_all();
    // A cluster whose CRDs predate MCPPool has only servers.
    if (!pools && !pools.error().is(kube::error_kind::not_found))
      co_return fail(from_kube_error(pools.error()));
    for (auto& o : servers->items)
      items.push_back({kind::server, std::move(o)});
    if (pools)
      for (auto& o : pools->items)
        items.push_back({kind::pool, std::move(o)});
  }
  if (items.empty() && (fmt == output_format::table || fmt == output_format::wide)) {
    std::cerr << (ctx.ns.empty() ? std::string("No resources found\n")
                                 : "No resources found in " + ctx.ns + " namespace.\n");
    co_return exit_code::ok;
  }
  switch (fmt) {
    case output_format::json:
      std::cout << pretty_json(get_document(items, !ctx.inv.name.empty()));
      break;
    case output_format::yaml:
      std::cout << to_yaml(get_document(items, !ctx.inv.name.empty()));
      break;
    case output_format::name:
      std::cout << render_get_names(items);
      break;
    default:
      std::cout << render_get_table(items, fmt, ctx.inv.flags.all_namespaces, now_seconds());
  }
  co_return exit_code::ok;
}

}  // namespace kubectl_mcp
