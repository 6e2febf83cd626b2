# ROOT reader checks that are not C test programs (see docs/root.md):
# the jsroot cross-check (node + npm; skips without them) and a bounded
# libFuzzer run (registered only when clang is found), and the CLI checks.
add_test(NAME root_jsroot_crosscheck
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/jsroot/run.sh $<TARGET_FILE:hepnn>
                 ${CMAKE_CURRENT_SOURCE_DIR}/data/root ${CMAKE_BINARY_DIR}/jsroot)
set_tests_properties(root_jsroot_crosscheck PROPERTIES TIMEOUT 900)
find_program(HEPNN_CLANG clang)
if(HEPNN_CLANG)
  add_test(NAME root_fuzz
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run.sh ${CMAKE_SOURCE_DIR}
                   ${CMAKE_BINARY_DIR}/fuzz 30)
  set_tests_properties(root_fuzz PROPERTIES TIMEOUT 900 ENVIRONMENT "CLANG=${HEPNN_CLANG}")
endif()
add_test(NAME root_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_root.sh $<TARGET_FILE:hepnn>
                               ${CMAKE_CURRENT_SOURCE_DIR}/data/root)
