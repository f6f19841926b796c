// kubectl mcp logs NAME [-f] [-c bridge|server|NAME] [--tail N]: the logs of every pod that
// the server's (or pool's) status.selector picks, each line prefixed with its pod and
// container. With -f each container's log is followed concurrently until its pod ends.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "logs_view.hpp"

namespace kubectl_mcp {

namespace {

namespace asio = boost::asio;

std::string log_path(const std::string& ns, const std::string& pod, const std::string& container, bool follow,
                     std::optional<std::int64_t> tail) {
  std::string p = "/api/v1/namespaces/" + ns + "/pods/" + pod + "/log?container=" + container;
  if (follow)
    p += "&follow=true";
  if (tail)
    p += "&tailLines=" + std::to_string(*tail);
  return p;
}

asio::awaitable<void> follow(std::shared_ptr<kube::client> c, std::string path, std::string prefix) {
  kube::http_request req;
  req.target = std::move(path);
  auto stream = co_await c->open_stream(req);
  if (!stream) {
    std::cerr << prefix << "error: " << from_kube_error(stream.error()).message << "\n";
    co_return;
  }
  line_prefixer lines(prefix);
  std::string chunk;
  for (;;) {
    chunk.clear();
    auto more = co_await stream->next(chunk);
    std::cout << lines.feed(chunk) << std::flush;
    if (!more || !*more)
      break;
  }
  std::cout << lines.flush() << std::flush;
}

std::string text_at(const boost::json::object& o, std::string_view a, std::string_view b) {
  const auto* x = o.if_contains(a);
  const auto* y = x != nullptr && x->is_object() ? x->get_object().if_contains(b) : nullptr;
  return y != nullptr && y->is_string() ? std::string(y->get_string()) : std::string();
}

}  // namespace

asio::awaitable<int> run_logs(const kube_context& ctx) {
  const auto& inv = ctx.inv;
  failure why;
  auto target = co_await find_target(ctx, why);
  if (!target)
    co_return fail(why);
  const std::string selector = text_at(target->obj, "status", "selector");
  if (selector.empty())
    co_return fail(
        {exit_code::not_ready, kind_word(target->k) + " \"" + inv.name +
                                   "\" has no status.selector yet (the operator has not reported its pods)"});
  kube::list_params p;
  p.label_selector = selector;
  auto pods = co_await ctx.core(kube::resources::pods()).list_all(p);
  if (!pods)
    co_return fail(from_kube_error(pods.error()));
  if (pods->items.empty())
    co_return fail(
        {exit_code::not_ready, kind_word(target->k) + " \"" + inv.name + "\" has no pods (" + selector + ")"});
  int status = exit_code::ok;
  bool any = false;
  for (const auto& pod : pods->items) {
    const std::string name = text_at(pod, "metadata", "name");
    for (const auto& container : containers_for(pod, inv.container)) {
      any = true;
      const std::string prefix = "[pod/" + name + "/" + container + "] ";
      const std::string path = log_path(ctx.ns, name, container, inv.follow, inv.tail);
      if (inv.follow) {
        // Every container's stream runs at once; the process ends when the last one does.
        asio::co_spawn(co_await asio::this_coro::executor, follow(ctx.client, path, prefix), asio::detached);
        continue;
      }
      kube::http_request req;
      req.target = path;
      req.idempotent = true;
      auto text = co_await ctx.client->send(req);
      if (!text) {
        std::cerr << prefix << "error: " << from_kube_error(text.error()).message << "\n";
        status = from_kube_error(text.error()).code;
        continue;
      }
      line_prefixer lines(prefix);
      std::cout << lines.feed(*text) << lines.flush();
    }
  }
  if (!any)
    co_return fail({exit_code::not_found, "no container \"" + inv.container + "\" in the pods of " +
                                              kind_word(target->k) + " \"" + inv.name + "\""});
  std::cout << std::flush;
  co_return status;
}

}  // namespace kubectl_mcp
