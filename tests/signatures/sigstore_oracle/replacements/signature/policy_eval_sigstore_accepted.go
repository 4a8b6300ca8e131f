// regmirror's sigstore oracle: (*prSigstoreSigned).isSignatureAccepted, whose stub build.sh
// removes from Debian's policy_eval_sigstore.go. Our own code, doing what containers/image
// 5.23.1 does; error texts as upstream's (and sigstore's cryptoutils.UnmarshalPEMToPublicKey).

package signature

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/containers/image/v5/internal/private"
	"github.com/containers/image/v5/internal/signature"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/signature/internal"
	digest "github.com/opencontainers/go-digest"
)

// isSignatureAccepted: sig is accepted if the requirement's public key verifies it, the image's
// manifest has the digest it signs and signedIdentity accepts the reference it names.
func (pr *prSigstoreSigned) isSignatureAccepted(ctx context.Context, image private.UnparsedImage, sig signature.Sigstore) (signatureAcceptanceResult, error) {
	publicKey, err := pr.trustedPublicKey()
	if err != nil {
		return sarRejected, err
	}
	base64Signature, ok := sig.UntrustedAnnotations()[signature.SigstoreSignatureAnnotationKey]
	if !ok {
		return sarRejected, fmt.Errorf("missing %s annotation", signature.SigstoreSignatureAnnotationKey)
	}
	rules := internal.SigstorePayloadAcceptanceRules{
		ValidateSignedDockerReference: func(signedReference string) error {
			if !pr.SignedIdentity.matchesDockerReference(image, signedReference) {
				return PolicyRequirementError(fmt.Sprintf("Signature for identity %s is not accepted", signedReference))
			}
			return nil
		},
		ValidateSignedDockerManifestDigest: func(signedDigest digest.Digest) error {
			m, _, err := image.Manifest(ctx)
			if err != nil {
				return err
			}
			if matches, err := manifest.MatchesDigest(m, signedDigest); err != nil {
				return err
			} else if !matches {
				return PolicyRequirementError(fmt.Sprintf("Signature for digest %s does not match", signedDigest))
			}
			return nil
		},
	}
	if _, err := internal.VerifySigstorePayload(publicKey, sig.UntrustedPayload(), base64Signature, rules); err != nil {
		return sarRejected, err
	}
	return sarAccepted, nil
}

// trustedPublicKey: the key of keyData, else of the file keyPath, from PEM "PUBLIC KEY"
// (PKIX) or "RSA PUBLIC KEY" (PKCS#1).
func (pr *prSigstoreSigned) trustedPublicKey() (crypto.PublicKey, error) {
	if pr.KeyPath != "" && pr.KeyData != nil {
		return nil, errors.New(`Internal inconsistency: both "keyPath" and "keyData" specified`)
	}
	pemData := pr.KeyData
	if pemData == nil {
		var err error
		if pemData, err = os.ReadFile(pr.KeyPath); err != nil {
			return nil, err
		}
	}
	var key crypto.PublicKey
	var err error
	switch block, _ := pem.Decode(pemData); {
	case block == nil:
		err = errors.New("PEM decoding failed")
	case block.Type == "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case block.Type == "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		err = fmt.Errorf("unknown Public key PEM file type: %v. Are you passing the correct public key?", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parsing public key: %w", err)
	}
	return key, nil
}
