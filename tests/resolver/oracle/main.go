// The registries.conf oracle: what containers/image itself (the library podman, skopeo and
// CRI-O share) decides for a registries.conf, a drop-in directory and some image references.
// regmirror's resolver is compared with it (tests/resolver); see README.md beside this file.
//
//	resolve --config FILE [--dropin-dir DIR] [--] REF...
//
// It prints one JSON document: the loaded configuration and, per reference, three views whose
// field names are those of `regmirror resolve --json`:
//   - the library view: FindRegistry on the repository name, then PullSourcesFromReference;
//   - the docker:// transport view: what opening an image source decides before any network
//     traffic (":latest" added, tag+digest refused, blocked checked per rewritten reference);
//   - the short-name view: pkg/shortnames.Resolve as podman calls it, without a terminal.
//
// Only the named files are read: never /etc/containers, the user's configuration, the
// short-name alias cache in /var/cache, credentials or certificates. It never prompts.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/shortnames"
	"github.com/containers/image/v5/pkg/sysregistriesv2"
	"github.com/containers/image/v5/types"
	"github.com/containers/image/v5/version"
)

type mirrorOut struct {
	Location       string `json:"location"`
	Insecure       bool   `json:"insecure"`
	PullFromMirror string `json:"pull_from_mirror"`
}

type registryOut struct {
	Prefix             string      `json:"prefix"`
	Location           string      `json:"location"`
	Insecure           bool        `json:"insecure"`
	Blocked            bool        `json:"blocked"`
	MirrorByDigestOnly bool        `json:"mirror_by_digest_only"`
	Mirrors            []mirrorOut `json:"mirrors"`
}

// sourceOut is one endpoint to pull from, in the order containers/image tries them.
type sourceOut struct {
	Location  string `json:"location"`
	Insecure  bool   `json:"insecure"`
	Mirror    bool   `json:"mirror"`
	Reference string `json:"reference"`
}

// attemptOut is a pull source as the docker transport sees it: Error is set when the
// transport gives up on this endpoint before contacting it, Blocked when that is because
// the rewritten reference falls under a blocked entry.
type attemptOut struct {
	sourceOut
	Error   *string `json:"error"`
	Blocked bool    `json:"blocked"`
}

type transportOut struct {
	Reference *string      `json:"reference"`
	Error     *string      `json:"error"`
	Attempts  []attemptOut `json:"attempts"`
}

type shortNameOut struct {
	IsShortName bool     `json:"is_short_name"`
	Candidates  []string `json:"candidates"`
	Error       *string  `json:"error"`
}

type resultOut struct {
	Input       string       `json:"input"`
	Reference   *string      `json:"reference"`
	Error       *string      `json:"error"`
	Registry    *registryOut `json:"registry"`
	Blocked     bool         `json:"blocked"`
	PullSources []sourceOut  `json:"pull_sources"`
	Transport   transportOut `json:"transport"`
	ShortName   shortNameOut `json:"short_name"`
}

type configOut struct {
	Error                       *string       `json:"error"`
	Registries                  []registryOut `json:"registries"`
	UnqualifiedSearchRegistries []string      `json:"unqualified_search_registries"`
	ShortNameMode               *string       `json:"short_name_mode"`
	CredentialHelpers           []string      `json:"credential_helpers"`
}

type documentOut struct {
	Library string      `json:"library"`
	Config  configOut   `json:"config"`
	Results []resultOut `json:"results"`
}

func text(err error) *string {
	if err == nil {
		return nil
	}
	message := err.Error()
	return &message
}

func describe(registry *sysregistriesv2.Registry) *registryOut {
	if registry == nil {
		return nil
	}
	out := &registryOut{
		Prefix:             registry.Prefix,
		Location:           registry.Location,
		Insecure:           registry.Insecure,
		Blocked:            registry.Blocked,
		MirrorByDigestOnly: registry.MirrorByDigestOnly,
		Mirrors:            []mirrorOut{},
	}
	for _, mirror := range registry.Mirrors {
		out.Mirrors = append(out.Mirrors, mirrorOut{mirror.Location, mirror.Insecure, mirror.PullFromMirror})
	}
	return out
}

// sources lists PullSourcesFromReference's answer; the primary endpoint always comes last.
func sources(pulls []sysregistriesv2.PullSource) []sourceOut {
	out := []sourceOut{}
	for i, pull := range pulls {
		out = append(out, sourceOut{
			Location:  pull.Endpoint.Location,
			Insecure:  pull.Endpoint.Insecure,
			Mirror:    i+1 < len(pulls),
			Reference: pull.Reference.String(),
		})
	}
	return out
}

// implicitRegistry is the entry containers/image makes up when no [[registry]] matches:
// its single endpoint is the reference itself.
func implicitRegistry(named reference.Named) *sysregistriesv2.Registry {
	return &sysregistriesv2.Registry{
		Prefix:   named.String(),
		Endpoint: sysregistriesv2.Endpoint{Location: named.String()},
	}
}

// libraryView takes the reference as parsed, without adding ":latest", and matches the
// configuration on its repository name, as every caller of the library does.
func libraryView(sys *types.SystemContext, input string, result *resultOut) {
	result.PullSources = []sourceOut{}
	named, err := reference.ParseNormalizedNamed(input)
	if err != nil {
		result.Error = text(err)
		return
	}
	normalized := named.String()
	result.Reference = &normalized
	registry, err := sysregistriesv2.FindRegistry(sys, named.Name())
	if err != nil {
		result.Error = text(err)
		return
	}
	result.Registry = describe(registry)
	if registry == nil {
		registry = implicitRegistry(named)
	}
	result.Blocked = registry.Blocked
	pulls, err := registry.PullSourcesFromReference(named)
	if err != nil {
		result.Error = text(err)
		return
	}
	result.PullSources = sources(pulls)
}

// refusal is why the docker transport would skip an endpoint without contacting it: the
// rewritten reference is not a valid docker reference (a tag and a digest, say), or it
// falls under a blocked entry. That entry is looked up again for the rewritten reference,
// so it can differ from the one that produced the endpoint. The wording is the transport's.
func refusal(sys *types.SystemContext, rewritten reference.Named) (blocked bool, err error) {
	if _, err := docker.NewReference(rewritten); err != nil {
		return false, err
	}
	registry, err := sysregistriesv2.FindRegistry(sys, rewritten.Name())
	if err != nil {
		return false, fmt.Errorf("loading registries: %w", err)
	}
	if registry != nil && registry.Blocked {
		return true, fmt.Errorf("registry %s is blocked in %s or %s", registry.Prefix,
			sysregistriesv2.ConfigPath(sys), sysregistriesv2.ConfigDirPath(sys))
	}
	return false, nil
}

// transportView follows what opening a docker:// image source does up to the first request.
func transportView(sys *types.SystemContext, input string, transport *transportOut) {
	transport.Attempts = []attemptOut{}
	imageRef, err := docker.ParseReference("//" + input)
	if err != nil {
		transport.Error = text(err)
		return
	}
	logical := imageRef.DockerReference()
	withTag := logical.String()
	transport.Reference = &withTag
	registry, err := sysregistriesv2.FindRegistry(sys, logical.Name())
	if err != nil {
		transport.Error = text(fmt.Errorf("loading registries configuration: %w", err))
		return
	}
	if registry == nil {
		registry = implicitRegistry(logical)
	}
	pulls, err := registry.PullSourcesFromReference(logical)
	if err != nil {
		transport.Error = text(err)
		return
	}
	for i, source := range sources(pulls) {
		blocked, err := refusal(sys, pulls[i].Reference)
		transport.Attempts = append(transport.Attempts, attemptOut{source, text(err), blocked})
	}
}

// shortNameView resolves the input as podman does; standard input is /dev/null (see
// main), so enforcing mode cannot prompt and reports an error instead.
func shortNameView(sys *types.SystemContext, input string, view *shortNameOut) {
	view.Candidates = []string{}
	view.IsShortName = shortnames.IsShortName(input)
	resolved, err := shortnames.Resolve(sys, input)
	if err != nil {
		view.Error = text(err)
		return
	}
	for _, candidate := range resolved.PullCandidates {
		view.Candidates = append(view.Candidates, candidate.Value.String())
	}
}

func modeName(mode types.ShortNameMode) string {
	switch mode {
	case types.ShortNameModeDisabled:
		return "disabled"
	case types.ShortNameModePermissive:
		return "permissive"
	case types.ShortNameModeEnforcing:
		return "enforcing"
	}
	return fmt.Sprintf("unknown (%d)", int(mode))
}

func emptyIfNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// describeConfig reports the merged configuration (drop-ins applied, entries sorted by
// prefix as the library keeps them), or the error loading it.
func describeConfig(sys *types.SystemContext) configOut {
	out := configOut{Registries: []registryOut{}, UnqualifiedSearchRegistries: []string{},
		CredentialHelpers: []string{}}
	registries, err := sysregistriesv2.GetRegistries(sys)
	if err != nil {
		out.Error = text(err)
		return out
	}
	for i := range registries {
		out.Registries = append(out.Registries, *describe(&registries[i]))
	}
	// The configuration is cached by now: these cannot fail where GetRegistries did not.
	if search, err := sysregistriesv2.UnqualifiedSearchRegistries(sys); err == nil {
		out.UnqualifiedSearchRegistries = emptyIfNil(search)
	}
	if mode, err := sysregistriesv2.GetShortNameMode(sys); err == nil {
		name := modeName(mode)
		out.ShortNameMode = &name
	}
	if helpers, err := sysregistriesv2.CredentialHelpers(sys); err == nil {
		out.CredentialHelpers = emptyIfNil(helpers)
	}
	return out
}

func run() error {
	config := flag.String("config", "", "the registries.conf to load (required; it may be missing)")
	dropins := flag.String("dropin-dir", "", "the registries.conf.d directory (default: none)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: resolve --config FILE [--dropin-dir DIR] [--] REF...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *config == "" {
		flag.Usage()
		return errors.New("--config is required")
	}
	stdin, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	os.Stdin = stdin
	scratch, err := os.MkdirTemp("", "registries-oracle-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	if *dropins == "" {
		// Left empty, the library would read /etc/containers/registries.conf.d.
		*dropins = filepath.Join(scratch, "no-dropins")
	}
	sys := &types.SystemContext{
		SystemRegistriesConfPath:    *config,
		SystemRegistriesConfDirPath: *dropins,
		// The alias cache that podman writes after a prompt: an empty one of our own.
		UserShortNameAliasConfPath: filepath.Join(scratch, "short-name-aliases.conf"),
	}
	document := documentOut{
		Library: "containers/image " + version.Version,
		Config:  describeConfig(sys),
		Results: []resultOut{},
	}
	for _, input := range flag.Args() {
		result := resultOut{Input: input}
		libraryView(sys, input, &result)
		transportView(sys, input, &result.Transport)
		shortNameView(sys, input, &result.ShortName)
		document.Results = append(document.Results, result)
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetEscapeHTML(false)
	encoder.SetIndent("", " ")
	return encoder.Encode(document)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "resolve:", err)
		os.Exit(2)
	}
}
