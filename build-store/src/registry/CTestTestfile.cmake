# CMake generated Testfile for 
# Source directory: /work/main/src/registry
# Build directory: /work/main/build-store/src/registry
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
