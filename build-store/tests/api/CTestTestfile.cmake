# CMake generated Testfile for 
# Source directory: /work/main/tests/api
# Build directory: /work/main/build-store/tests/api
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[api.pull]=] "/root/.pyenv/shims/python3" "-m" "unittest" "-v" "test_pull")
set_tests_properties([=[api.pull]=] PROPERTIES  ENVIRONMENT "REGMIRROR_BIN=/work/main/build-store/src/cli/regmirror;PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1" LABELS "api" TIMEOUT "600" WORKING_DIRECTORY "/work/main/tests/api" _BACKTRACE_TRIPLES "/work/main/tests/api/CMakeLists.txt;14;add_test;/work/main/tests/api/CMakeLists.txt;0;")
add_test([=[api.push]=] "/root/.pyenv/shims/python3" "-m" "unittest" "-v" "test_push")
set_tests_properties([=[api.push]=] PROPERTIES  ENVIRONMENT "REGMIRROR_BIN=/work/main/build-store/src/cli/regmirror;PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1" LABELS "api" TIMEOUT "600" WORKING_DIRECTORY "/work/main/tests/api" _BACKTRACE_TRIPLES "/work/main/tests/api/CMakeLists.txt;14;add_test;/work/main/tests/api/CMakeLists.txt;0;")
add_test([=[api.manifests]=] "/root/.pyenv/shims/python3" "-m" "unittest" "-v" "test_manifests")
set_tests_properties([=[api.manifests]=] PROPERTIES  ENVIRONMENT "REGMIRROR_BIN=/work/main/build-store/src/cli/regmirror;PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1" LABELS "api" TIMEOUT "600" WORKING_DIRECTORY "/work/main/tests/api" _BACKTRACE_TRIPLES "/work/main/tests/api/CMakeLists.txt;14;add_test;/work/main/tests/api/CMakeLists.txt;0;")
add_test([=[api.blobs]=] "/root/.pyenv/shims/python3" "-m" "unittest" "-v" "test_blobs")
set_tests_properties([=[api.blobs]=] PROPERTIES  ENVIRONMENT "REGMIRROR_BIN=/work/main/build-store/src/cli/regmirror;PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1" LABELS "api" TIMEOUT "600" WORKING_DIRECTORY "/work/main/tests/api" _BACKTRACE_TRIPLES "/work/main/tests/api/CMakeLists.txt;14;add_test;/work/main/tests/api/CMakeLists.txt;0;")
add_test([=[api.discovery]=] "/root/.pyenv/shims/python3" "-m" "unittest" "-v" "test_discovery")
set_tests_properties([=[api.discovery]=] PROPERTIES  ENVIRONMENT "REGMIRROR_BIN=/work/main/build-store/src/cli/regmirror;PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1" LABELS "api" TIMEOUT "600" WORKING_DIRECTORY "/work/main/tests/api" _BACKTRACE_TRIPLES "/work/main/tests/api/CMakeLists.txt;14;add_test;/work/main/tests/api/CMakeLists.txt;0;")
add_test([=[api.referrers]=] "/root/.pyenv/shims/python3" "-m" "unittest" "-v" "test_referrers")
set_tests_properties([=[api.referrers]=] PROPERTIES  ENVIRONMENT "REGMIRROR_BIN=/work/main/build-store/src/cli/regmirror;PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1" LABELS "api" TIMEOUT "600" WORKING_DIRECTORY "/work/main/tests/api" _BACKTRACE_TRIPLES "/work/main/tests/api/CMakeLists.txt;14;add_test;/work/main/tests/api/CMakeLists.txt;0;")
add_test([=[api.hostile]=] "/root/.pyenv/shims/python3" "-m" "unittest" "-v" "test_hostile")
set_tests_properties([=[api.hostile]=] PROPERTIES  ENVIRONMENT "REGMIRROR_BIN=/work/main/build-store/src/cli/regmirror;PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1" LABELS "api" TIMEOUT "600" WORKING_DIRECTORY "/work/main/tests/api" _BACKTRACE_TRIPLES "/work/main/tests/api/CMakeLists.txt;14;add_test;/work/main/tests/api/CMakeLists.txt;0;")
add_test([=[api.lifecycle]=] "/root/.pyenv/shims/python3" "-m" "unittest" "-v" "test_lifecycle")
set_tests_properties([=[api.lifecycle]=] PROPERTIES  ENVIRONMENT "REGMIRROR_BIN=/work/main/build-store/src/cli/regmirror;PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1" LABELS "api" TIMEOUT "600" WORKING_DIRECTORY "/work/main/tests/api" _BACKTRACE_TRIPLES "/work/main/tests/api/CMakeLists.txt;14;add_test;/work/main/tests/api/CMakeLists.txt;0;")
