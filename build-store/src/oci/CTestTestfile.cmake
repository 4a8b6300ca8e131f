# CMake generated Testfile for 
# Source directory: /work/main/src/oci
# Build directory: /work/main/build-store/src/oci
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build-store/src/oci/oci_test[1]_include.cmake")
