# ROOT reader and writer checks that are not C test programs (see
# docs/root.md): the jsroot cross-checks (node + npm; they skip without
# them), a bounded libFuzzer run (registered only when clang is found), and
# the CLI checks. jsroot is installed once, by a fixture, into the build tree.
add_test(NAME root_jsroot_install
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/jsroot/install.sh ${CMAKE_BINARY_DIR}/jsroot)
set_tests_properties(root_jsroot_install PROPERTIES TIMEOUT 900 FIXTURES_SETUP jsroot
                     SKIP_RETURN_CODE 77)
add_test(NAME root_jsroot_crosscheck
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/jsroot/run.sh $<TARGET_FILE:hepnn>
                 ${CMAKE_CURRENT_SOURCE_DIR}/data/root ${CMAKE_BINARY_DIR}/jsroot)
set_tests_properties(root_jsroot_crosscheck PROPERTIES TIMEOUT 900 FIXTURES_REQUIRED jsroot)
# the writer's files read by jsroot: root_write_files writes them
add_executable(root_write_files ${CMAKE_CURRENT_SOURCE_DIR}/jsroot/write_files.c)
target_link_libraries(root_write_files PRIVATE hepnn_static OpenMP::OpenMP_C)
add_test(NAME root_jsroot_writer
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/jsroot/writer.sh $<TARGET_FILE:hepnn>
                 $<TARGET_FILE:root_write_files> ${CMAKE_BINARY_DIR}/jsroot)
set_tests_properties(root_jsroot_writer PROPERTIES TIMEOUT 900 FIXTURES_REQUIRED jsroot
                     ENVIRONMENT "OMP_NUM_THREADS=2;OPENBLAS_NUM_THREADS=1")
find_program(HEPNN_CLANG clang)
if(HEPNN_CLANG)
  add_test(NAME root_fuzz
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run.sh ${CMAKE_SOURCE_DIR}
                   ${CMAKE_BINARY_DIR}/fuzz 12000 1)
  set_tests_properties(root_fuzz PROPERTIES TIMEOUT 900 ENVIRONMENT "CLANG=${HEPNN_CLANG}")
endif()
add_test(NAME root_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_root.sh $<TARGET_FILE:hepnn>
                               ${CMAKE_CURRENT_SOURCE_DIR}/data/root)
