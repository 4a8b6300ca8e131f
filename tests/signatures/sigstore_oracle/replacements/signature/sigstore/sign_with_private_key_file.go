// regmirror's sigstore oracle: SignDockerManifestWithPrivateKeyFileUnstable, whose stub
// build.sh removes from Debian's sign.go (Debian also emptied copied.go, cosign's key loading).
// Our own code, doing what containers/image 5.23.1 does with cosign's key file format (go-tuf's
// encrypted envelope) and sigstore's signers; error texts as theirs.

package sigstore

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/internal/signature"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/signature/internal"
	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// SignDockerManifestWithPrivateKeyFileUnstable signs manifest m as dockerReference with the
// cosign private key in privateKeyFile, encrypted with passphrase.
func SignDockerManifestWithPrivateKeyFileUnstable(m []byte, dockerReference reference.Named, privateKeyFile string, passphrase []byte) (signature.Sigstore, error) {
	keyFile, err := os.ReadFile(privateKeyFile)
	if err != nil {
		return signature.Sigstore{}, fmt.Errorf("reading private key from %s: %w", privateKeyFile, err)
	}
	privateKey, err := loadCosignPrivateKey(keyFile, passphrase)
	if err != nil {
		return signature.Sigstore{}, fmt.Errorf("initializing private key: %w", err)
	}
	if reference.IsNameOnly(dockerReference) {
		return signature.Sigstore{}, fmt.Errorf("reference %s can’t be signed, it has neither a tag nor a digest", dockerReference.String())
	}
	manifestDigest, err := manifest.Digest(m)
	if err != nil {
		return signature.Sigstore{}, err
	}
	payload, err := json.Marshal(internal.NewUntrustedSigstorePayload(manifestDigest, dockerReference.String()))
	if err != nil {
		return signature.Sigstore{}, err
	}
	rawSignature, err := signPayload(privateKey, payload)
	if err != nil {
		return signature.Sigstore{}, fmt.Errorf("creating signature: %w", err)
	}
	annotations := map[string]string{
		signature.SigstoreSignatureAnnotationKey: base64.StdEncoding.EncodeToString(rawSignature),
	}
	return signature.SigstoreFromComponents(signature.SigstoreSignatureMIMEType, payload, annotations), nil
}

// loadCosignPrivateKey: a PKCS#8 private key in cosign's encrypted PEM, under the only label
// containers/image 5.23.1 reads ("ENCRYPTED COSIGN PRIVATE KEY"; cosign 2's "ENCRYPTED
// SIGSTORE PRIVATE KEY" is read from 5.25.0 on).
func loadCosignPrivateKey(keyFile, passphrase []byte) (crypto.PrivateKey, error) {
	block, _ := pem.Decode(keyFile)
	if block == nil {
		return nil, errors.New("invalid pem block")
	}
	if block.Type != "ENCRYPTED COSIGN PRIVATE KEY" {
		return nil, fmt.Errorf("unsupported pem type: %s", block.Type)
	}
	der, err := openKeyEnvelope(block.Bytes, passphrase)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	privateKey, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parsing private key: %w", err)
	}
	return privateKey, nil
}

// keyEnvelope is the JSON in a cosign key's PEM block (go-tuf's "encrypted" format); Go's JSON
// decodes the base64 of the []byte fields.
type keyEnvelope struct {
	KDF struct {
		Name   string
		Params struct{ N, R, P int }
		Salt   []byte
	}
	Cipher struct {
		Name  string
		Nonce []byte
	}
	Ciphertext []byte
}

// openKeyEnvelope decrypts a key envelope: secretbox under scrypt(passphrase, salt). Only the
// scrypt cost cosign writes, N=32768 r=8 p=1, is accepted, as go-tuf does (a file cannot make
// the reader spend more).
func openKeyEnvelope(envelopeJSON, passphrase []byte) ([]byte, error) {
	var envelope keyEnvelope
	if err := json.Unmarshal(envelopeJSON, &envelope); err != nil {
		return nil, err
	}
	kdf := envelope.KDF
	if kdf.Name != "scrypt" {
		return nil, fmt.Errorf("encrypted: unknown kdf name %q", kdf.Name)
	}
	if envelope.Cipher.Name != "nacl/secretbox" {
		return nil, fmt.Errorf("encrypted: unknown cipher name %q", envelope.Cipher.Name)
	}
	if kdf.Params.N != 32768 || kdf.Params.R != 8 || kdf.Params.P != 1 {
		return nil, errors.New("encrypted: unexpected kdf parameters")
	}
	derived, err := scrypt.Key(passphrase, kdf.Salt, kdf.Params.N, kdf.Params.R, kdf.Params.P, 32)
	if err != nil {
		return nil, err
	}
	var key [32]byte
	var nonce [24]byte
	if len(envelope.Cipher.Nonce) != len(nonce) {
		return nil, errors.New("encrypted: incorrect nonce size")
	}
	copy(key[:], derived)
	copy(nonce[:], envelope.Cipher.Nonce)
	plaintext, ok := secretbox.Open(nil, envelope.Ciphertext, &nonce, &key)
	if !ok {
		return nil, errors.New("encrypted: decryption failed")
	}
	return plaintext, nil
}

// signPayload signs as sigstore's signers with SHA-256 do: ECDSA (ASN.1) and RSA (PKCS#1 v1.5)
// the payload's SHA-256, Ed25519 the payload itself.
func signPayload(privateKey crypto.PrivateKey, payload []byte) ([]byte, error) {
	sum := sha256.Sum256(payload)
	switch key := privateKey.(type) {
	case *ecdsa.PrivateKey:
		return ecdsa.SignASN1(rand.Reader, key, sum[:])
	case *rsa.PrivateKey:
		return rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	case ed25519.PrivateKey:
		return ed25519.Sign(key, payload), nil
	}
	return nil, errors.New("unsupported key type")
}
