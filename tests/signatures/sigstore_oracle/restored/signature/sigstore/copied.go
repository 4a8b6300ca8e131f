package sigstore

// regmirror's oracle: upstream v5.23.1's copied.go (cosign's loadPrivateKey), with the two
// libraries Debian does not ship done by the standard library and golang.org/x/crypto:
//   - github.com/theupdateframework/go-tuf v0.5.1's encrypted.Decrypt: decryptKeyEnvelope;
//   - github.com/sigstore/sigstore v1.4.2's Load*SignerVerifier(…, crypto.SHA256) and their
//     SignMessage: messageSigner.
// Only "ENCRYPTED COSIGN PRIVATE KEY" is read, as in v5.23.1 ("ENCRYPTED SIGSTORE PRIVATE
// KEY" came in v5.25.0).

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// The following code was copied from github.com/sigstore.
// FIXME: Eliminate that duplication.

// Copyright 2021 The Sigstore Authors.

// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at

//     http://www.apache.org/licenses/LICENSE-2.0

// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

const (
	// from sigstore/cosign/pkg/cosign.sigstorePrivateKeyPemType
	sigstorePrivateKeyPemType = "ENCRYPTED COSIGN PRIVATE KEY"
)

// messageSigner signs a message as a sigstore Signer's SignMessage does.
type messageSigner func(message []byte) ([]byte, error)

// from sigstore/cosign/pkg/cosign.loadPrivateKey
// FIXME: Do we need all of these key formats, and all of those
func loadPrivateKey(key []byte, pass []byte) (messageSigner, error) {
	// Decrypt first
	p, _ := pem.Decode(key)
	if p == nil {
		return nil, errors.New("invalid pem block")
	}
	if p.Type != sigstorePrivateKeyPemType {
		return nil, fmt.Errorf("unsupported pem type: %s", p.Type)
	}

	x509Encoded, err := decryptKeyEnvelope(p.Bytes, pass)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}

	pk, err := x509.ParsePKCS8PrivateKey(x509Encoded)
	if err != nil {
		return nil, fmt.Errorf("parsing private key: %w", err)
	}
	switch pk := pk.(type) {
	case *rsa.PrivateKey:
		return func(message []byte) ([]byte, error) {
			digest := sha256.Sum256(message)
			return rsa.SignPKCS1v15(rand.Reader, pk, crypto.SHA256, digest[:])
		}, nil
	case *ecdsa.PrivateKey:
		return func(message []byte) ([]byte, error) {
			digest := sha256.Sum256(message)
			return ecdsa.SignASN1(rand.Reader, pk, digest[:])
		}, nil
	case ed25519.PrivateKey:
		return func(message []byte) ([]byte, error) {
			return ed25519.Sign(pk, message), nil
		}, nil
	default:
		return nil, errors.New("unsupported key type")
	}
}

// keyEnvelope is go-tuf's encrypted data: JSON with []byte fields in base64.
type keyEnvelope struct {
	KDF struct {
		Name   string `json:"name"`
		Params struct {
			N int `json:"N"`
			R int `json:"r"`
			P int `json:"p"`
		} `json:"params"`
		Salt []byte `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

// decryptKeyEnvelope is go-tuf v0.5.1's encrypted.Decrypt, checks and error texts included:
// scrypt with exactly N=32768, r=8, p=1 into a 32-byte key, then NaCl secretbox.
func decryptKeyEnvelope(ciphertext, passphrase []byte) ([]byte, error) {
	var data keyEnvelope
	if err := json.Unmarshal(ciphertext, &data); err != nil {
		return nil, err
	}
	if data.KDF.Name != "scrypt" {
		return nil, fmt.Errorf("encrypted: unknown kdf name %q", data.KDF.Name)
	}
	if data.Cipher.Name != "nacl/secretbox" {
		return nil, fmt.Errorf("encrypted: unknown cipher name %q", data.Cipher.Name)
	}
	if params := data.KDF.Params; params.N != 32768 || params.R != 8 || params.P != 1 {
		return nil, errors.New("encrypted: unexpected kdf parameters")
	}
	key, err := scrypt.Key(passphrase, data.KDF.Salt, data.KDF.Params.N, data.KDF.Params.R, data.KDF.Params.P, 32)
	if err != nil {
		return nil, err
	}
	var keyBytes [32]byte
	var nonceBytes [24]byte
	if len(data.Cipher.Nonce) != len(nonceBytes) {
		return nil, errors.New("encrypted: incorrect nonce size")
	}
	copy(keyBytes[:], key)
	copy(nonceBytes[:], data.Cipher.Nonce)
	plaintext, ok := secretbox.Open(nil, data.Ciphertext, &nonceBytes, &keyBytes)
	if !ok {
		return nil, errors.New("encrypted: decryption failed")
	}
	return plaintext, nil
}
