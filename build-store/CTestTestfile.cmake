# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build-store
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("src/oci")
subdirs("src/storage")
subdirs("src/metadata")
subdirs("src/registry")
subdirs("src/server")
subdirs("src/cli")
subdirs("tests")
