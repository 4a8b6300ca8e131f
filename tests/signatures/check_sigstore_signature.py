#!/usr/bin/env python3
"""Reads the sigstore signatures of a manifest from a plain-HTTP registry the way
containers/image does (the OCI manifest tagged sha256-<hex>.sig, its
application/vnd.dev.cosign.simplesigning.v1+json layers, their
dev.cosignproject.cosign/signature annotations) and checks each independently of regmirror:
the payload must be containers/image's exact form (sorted keys, no spaces, the critical
members containers/image requires, optional.creator/timestamp) for DIGEST, and the signature
is checked with `openssl dgst -sha256 -verify PUBKEY` (what sigstore's ECDSA verifier does).

usage: check_sigstore_signature.py ADDR REPO DIGEST PUBKEY
prints one line per signature layer: "verified IDENTITY" or "unverified IDENTITY";
exits 2 when the attachment or a payload is malformed."""
import base64
import http.client
import json
import os
import subprocess
import sys
import tempfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
ANNOTATION = "dev.cosignproject.cosign/signature"


def get(addr, path, accept=None):
    host, port = addr.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", path, headers={"Accept": accept} if accept else {})
        response = connection.getresponse()
        body = response.read()
        if response.status in (301, 302, 307) and response.getheader("Location"):
            location = response.getheader("Location")
            if location.startswith("http"):
                location = "/" + location.split("/", 3)[3]
            return get(addr, location, accept)
        if response.status != 200:
            bad(f"GET {path}: status {response.status}")
        return body
    finally:
        connection.close()


def bad(message):
    print(message, file=sys.stderr)
    sys.exit(2)


def check_payload(payload, digest):
    document = json.loads(payload)
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    if canonical != payload:
        bad(f"payload is not in containers/image's form:\n{payload!r}\n{canonical!r}")
    if set(document) != {"critical", "optional"}:
        bad(f"payload top-level members: {sorted(document)}")
    critical = document["critical"]
    if set(critical) != {"identity", "image", "type"}:
        bad(f"critical members: {sorted(critical)}")
    if critical["type"] != "cosign container image signature":
        bad(f"type {critical['type']!r}")
    if critical["image"] != {"docker-manifest-digest": digest}:
        bad(f"image {critical['image']!r}, expected {digest}")
    if set(critical["identity"]) != {"docker-reference"}:
        bad(f"identity {critical['identity']!r}")
    optional = document["optional"]
    if not optional["creator"].startswith("regmirror ") or not isinstance(optional["timestamp"], int):
        bad(f"optional {optional!r}")
    return critical["identity"]["docker-reference"]


def verifies(pubkey, payload, signature):
    with tempfile.TemporaryDirectory() as scratch:
        paths = {name: os.path.join(scratch, name) for name in ("payload", "sig")}
        for name, data in (("payload", payload), ("sig", signature)):
            with open(paths[name], "wb") as out:
                out.write(data)
        checked = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pubkey, "-signature",
                                  paths["sig"], paths["payload"]], capture_output=True)
        return checked.returncode == 0


def main():
    addr, repo, digest, pubkey = sys.argv[1:5]
    tag = digest.replace(":", "-", 1) + ".sig"
    manifest = json.loads(get(addr, f"/v2/{repo}/manifests/{tag}", OCI_MANIFEST))
    if manifest.get("mediaType") != OCI_MANIFEST:
        bad(f"{tag}: mediaType {manifest.get('mediaType')!r}")
    if manifest["config"]["mediaType"] != "application/vnd.oci.image.config.v1+json":
        bad(f"{tag}: config mediaType {manifest['config']['mediaType']!r}")
    for layer in manifest["layers"]:
        if layer["mediaType"] != SIMPLE_SIGNING:
            continue
        payload = get(addr, f"/v2/{repo}/blobs/{layer['digest']}")
        identity = check_payload(payload, digest)
        signature = base64.b64decode(layer["annotations"][ANNOTATION], validate=True)
        print("verified" if verifies(pubkey, payload, signature) else "unverified", identity)


if __name__ == "__main__":
    main()
