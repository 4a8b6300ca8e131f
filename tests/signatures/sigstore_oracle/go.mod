module regmirror.test/sigstore-oracle

go 1.19
