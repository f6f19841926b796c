# Project-wide warning flags. CI turns them into errors (MCP_WERROR, set by the `ci` preset).
function(mcp_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual)
  if(MCP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
