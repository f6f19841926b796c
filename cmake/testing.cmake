# Test helpers. Every test carries exactly one CTest label: unit, integration, mcp or e2e.

# mcp_unit_test(<name> SOURCES ... LIBS ...): a GoogleTest binary whose tests get the `unit` label.
function(mcp_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  mcp_set_warnings(${name})
  gtest_discover_tests(${name} PROPERTIES LABELS unit DISCOVERY_TIMEOUT 30)
endfunction()
