// regmirror's sigstore oracle: VerifySigstorePayload, whose stub build.sh removes from Debian's
// sigstore_payload.go. Our own code, doing what containers/image 5.23.1 does with sigstore's
// signature.LoadVerifier(publicKey, crypto.SHA256); error texts as upstream's.

package internal

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// VerifySigstorePayload checks that unverifiedBase64Signature is publicKey's signature of
// unverifiedPayload, then parses the payload and lets rules judge its digest and identity.
func VerifySigstorePayload(publicKey crypto.PublicKey, unverifiedPayload []byte, unverifiedBase64Signature string, rules SigstorePayloadAcceptanceRules) (*UntrustedSigstorePayload, error) {
	verify, err := sigstoreVerifier(publicKey)
	if err != nil {
		return nil, fmt.Errorf("creating verifier: %w", err)
	}
	rawSignature, err := base64.StdEncoding.DecodeString(unverifiedBase64Signature)
	if err != nil {
		return nil, NewInvalidSignatureError(fmt.Sprintf("base64 decoding: %v", err))
	}
	if err := verify(unverifiedPayload, rawSignature); err != nil {
		return nil, NewInvalidSignatureError(fmt.Sprintf("cryptographic signature verification failed: %v", err))
	}

	var payload UntrustedSigstorePayload
	if err := json.Unmarshal(unverifiedPayload, &payload); err != nil {
		return nil, NewInvalidSignatureError(err.Error())
	}
	if err := rules.ValidateSignedDockerManifestDigest(payload.UntrustedDockerManifestDigest); err != nil {
		return nil, err
	}
	if err := rules.ValidateSignedDockerReference(payload.UntrustedDockerReference); err != nil {
		return nil, err
	}
	return &payload, nil
}

// sigstoreVerifier: how sigstore checks a signature with publicKey and SHA-256. ECDSA (an ASN.1
// signature) and RSA (PKCS#1 v1.5) sign the payload's SHA-256, Ed25519 the payload itself.
func sigstoreVerifier(publicKey crypto.PublicKey) (func(payload, rawSignature []byte) error, error) {
	switch key := publicKey.(type) {
	case *ecdsa.PublicKey:
		return func(payload, rawSignature []byte) error {
			sum := sha256.Sum256(payload)
			if !ecdsa.VerifyASN1(key, sum[:], rawSignature) {
				return errors.New("invalid signature when validating ASN.1 encoded signature")
			}
			return nil
		}, nil
	case *rsa.PublicKey:
		return func(payload, rawSignature []byte) error {
			sum := sha256.Sum256(payload)
			return rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], rawSignature)
		}, nil
	case ed25519.PublicKey:
		return func(payload, rawSignature []byte) error {
			if !ed25519.Verify(key, payload, rawSignature) {
				return errors.New("failed to verify signature")
			}
			return nil
		}, nil
	}
	return nil, errors.New("unsupported public key type")
}
