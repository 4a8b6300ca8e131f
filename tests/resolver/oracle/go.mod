module regmirror.test/registries-oracle

go 1.19
