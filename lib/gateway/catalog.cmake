# gateway catalog: no I/O. The MCPPool gateway's aggregate of its members' tools, prompts,
# resources and resource templates, the routes back to each member, cursor pagination, and the
# pick of an upstream pod by least outstanding requests. Depends only on Boost.JSON.
# Its own file and target (included from the top CMakeLists.txt), beside lib/gateway's own.
set(GATEWAY_CATALOG_DIR ${CMAKE_CURRENT_LIST_DIR})
add_library(gateway_catalog ${GATEWAY_CATALOG_DIR}/src/catalog.cpp ${GATEWAY_CATALOG_DIR}/src/least_outstanding.cpp)
add_library(gateway::catalog ALIAS gateway_catalog)
target_include_directories(gateway_catalog PUBLIC ${GATEWAY_CATALOG_DIR}/include)
# The static Boost.JSON archive lib/mcp found (see lib/mcp/CMakeLists.txt for why not Boost::json).
target_link_libraries(gateway_catalog PUBLIC Boost::headers ${MCP_BOOST_JSON_STATIC})
mcp_set_warnings(gateway_catalog)

if(MCP_BUILD_TESTS)
  mcp_unit_test(gateway_catalog_test
    SOURCES ${GATEWAY_CATALOG_DIR}/tests/catalog_test.cpp ${GATEWAY_CATALOG_DIR}/tests/least_outstanding_test.cpp
    LIBS gateway::catalog)
endif()
