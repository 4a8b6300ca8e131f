# CMake generated Testfile for 
# Source directory: /work/main/src/storage
# Build directory: /work/main/build-store/src/storage
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build-store/src/storage/storage_test[1]_include.cmake")
