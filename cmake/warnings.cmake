# Project-wide warning flags. CI turns them into errors (MCP_WERROR, set by the `ci` preset).
function(mcp_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual)
  # GCC 12 reports a false -Wmismatched-new-delete on coroutine frames that use Asio's awaitable
  # frame allocator (GCC bug 109224) once optimisation inlines the frame's operator delete.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
  if(MCP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
