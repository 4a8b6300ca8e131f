// The sigstore oracle: what containers/image 5.23.1 decides about sigstore signatures, built
// from Debian's library with the sigstore functions Debian stubbed written anew (build.sh,
// README.md).
//
//	sigstore-oracle check --policy P --registries.d D [--instance DIGEST] docker://HOST/REPO:TAG
//	sigstore-oracle sign --key KEY --passphrase-file F --registries.d D docker://SRC docker://DST
//
// check: the policy check skopeo copy makes before copying (IsRunningImageAllowed on the
// unparsed source image); prints "accepted", exit 0, or the library's error on stderr, exit 1.
// With --instance, the check copy.Image makes on that instance of an index it copies
// (copySingleImage's IsRunningImageAllowed on image.UnparsedInstance(source, &DIGEST)): the
// instance's manifest and signatures, the identity against the reference given. An index
// itself is checked only without --instance, which containers/image's copy never does.
// sign: copy.Image with SignBySigstorePrivateKeyFile, as skopeo copy
// --sign-by-sigstore-private-key does (the copy itself under insecureAcceptAnything).
// Registries are reached as skopeo's --tls-verify=false does (https, then plain http); the
// registries.conf is /dev/null and no credentials are read. Exit 2: bad usage.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/image"
	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/types"
	"github.com/opencontainers/go-digest"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "check":
		err = check(os.Args[2:])
	case "sign":
		err = sign(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: sigstore-oracle check --policy P --registries.d D [--instance DIGEST] docker://REF\n"+
		"       sigstore-oracle sign --key KEY --passphrase-file F --registries.d D docker://SRC docker://DST")
	os.Exit(2)
}

// systemContext: registries.d from the command line, nothing else from the machine.
func systemContext(registriesD string) *types.SystemContext {
	return &types.SystemContext{
		RegistriesDirPath:           registriesD,
		SystemRegistriesConfPath:    "/dev/null",
		SystemRegistriesConfDirPath: "/nonexistent",
		AuthFilePath:                "/nonexistent/auth.json",
		DockerInsecureSkipTLSVerify: types.OptionalBoolTrue,
	}
}

func parseFlags(fs *flag.FlagSet, args []string, operands int) []string {
	if err := fs.Parse(args); err != nil || fs.NArg() != operands {
		usage()
	}
	return fs.Args()
}

func check(args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	policyPath := fs.String("policy", "", "policy.json")
	registriesD := fs.String("registries.d", "", "registries.d directory")
	instance := fs.String("instance", "", "the digest of an instance of the index to check")
	ref := parseFlags(fs, args, 1)[0]
	var instanceDigest *digest.Digest
	if *instance != "" {
		parsed, err := digest.Parse(*instance)
		if err != nil {
			return err
		}
		instanceDigest = &parsed
	}

	ctx := context.Background()
	policy, err := signature.NewPolicyFromFile(*policyPath)
	if err != nil {
		return err
	}
	policyContext, err := signature.NewPolicyContext(policy)
	if err != nil {
		return err
	}
	defer policyContext.Destroy()
	imageRef, err := parseDockerReference(ref)
	if err != nil {
		return err
	}
	source, err := imageRef.NewImageSource(ctx, systemContext(*registriesD))
	if err != nil {
		return err
	}
	defer source.Close()
	if allowed, err := policyContext.IsRunningImageAllowed(ctx, image.UnparsedInstance(source, instanceDigest)); !allowed {
		if err == nil {
			err = errors.New("refused without a reason")
		}
		return err
	}
	fmt.Println("accepted")
	return nil
}

func sign(args []string) error {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	key := fs.String("key", "", "cosign private key file")
	passphraseFile := fs.String("passphrase-file", "", "its passphrase, the first line")
	registriesD := fs.String("registries.d", "", "registries.d directory")
	refs := parseFlags(fs, args, 2)

	passphrase, err := readPassphraseFile(*passphraseFile)
	if err != nil {
		return err
	}
	policyContext, err := signature.NewPolicyContext(&signature.Policy{
		Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}})
	if err != nil {
		return err
	}
	defer policyContext.Destroy()
	src, err := parseDockerReference(refs[0])
	if err != nil {
		return err
	}
	dest, err := parseDockerReference(refs[1])
	if err != nil {
		return err
	}
	sys := systemContext(*registriesD)
	_, err = copy.Image(context.Background(), policyContext, dest, src, &copy.Options{
		SignBySigstorePrivateKeyFile:     *key,
		SignSigstorePrivateKeyPassphrase: []byte(passphrase),
		SourceCtx:                        sys,
		DestinationCtx:                   sys,
		ReportWriter:                     os.Stderr,
	})
	if err != nil {
		return err
	}
	fmt.Println("signed")
	return nil
}

// readPassphraseFile is what skopeo's --sign-passphrase-file reads (containers/common's
// cli.ReadPassphraseFile): the first line, without its newline.
func readPassphraseFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSuffix(line, "\n"), nil
}

// parseDockerReference: a docker://REF, what skopeo's alltransports.ParseImageName makes of it
// (only the docker transport is built in: the others would need cgo).
func parseDockerReference(ref string) (types.ImageReference, error) {
	if !strings.HasPrefix(ref, "docker:") {
		return nil, fmt.Errorf("%s: only docker:// references", ref)
	}
	return docker.Transport.ParseReference(strings.TrimPrefix(ref, "docker:"))
}
