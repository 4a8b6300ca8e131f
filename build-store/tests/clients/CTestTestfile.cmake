# CMake generated Testfile for 
# Source directory: /work/main/tests/clients
# Build directory: /work/main/build-store/tests/clients
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[clients.skopeo_roundtrip]=] "bash" "/work/main/tests/clients/skopeo_roundtrip.sh")
set_tests_properties([=[clients.skopeo_roundtrip]=] PROPERTIES  ENVIRONMENT "REGMIRROR_BIN=/work/main/build-store/src/cli/regmirror" LABELS "clients" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/tests/clients/CMakeLists.txt;17;add_test;/work/main/tests/clients/CMakeLists.txt;0;")
add_test([=[clients.podman_pull]=] "bash" "/work/main/tests/clients/podman_pull.sh")
set_tests_properties([=[clients.podman_pull]=] PROPERTIES  ENVIRONMENT "REGMIRROR_BIN=/work/main/build-store/src/cli/regmirror" LABELS "clients" RESOURCE_LOCK "podman" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/tests/clients/CMakeLists.txt;17;add_test;/work/main/tests/clients/CMakeLists.txt;0;")
add_test([=[clients.peer_digests]=] "bash" "/work/main/tests/clients/peer_digests.sh")
set_tests_properties([=[clients.peer_digests]=] PROPERTIES  ENVIRONMENT "REGMIRROR_BIN=/work/main/build-store/src/cli/regmirror" LABELS "clients" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/tests/clients/CMakeLists.txt;17;add_test;/work/main/tests/clients/CMakeLists.txt;0;")
add_test([=[clients.buildah_push]=] "bash" "/work/main/tests/clients/buildah_push.sh")
set_tests_properties([=[clients.buildah_push]=] PROPERTIES  ENVIRONMENT "REGMIRROR_BIN=/work/main/build-store/src/cli/regmirror" LABELS "clients" RESOURCE_LOCK "podman" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/tests/clients/CMakeLists.txt;17;add_test;/work/main/tests/clients/CMakeLists.txt;0;")
