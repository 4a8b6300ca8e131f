"""The objects the OCI distribution-spec conformance suite pushes (conformance/setup.go), rebuilt
in Python so the ported checks send the same shapes of content: Go-marshalled JSON (tab
indent), descriptors carrying `"data": null` and an unknown `newUnspecifiedField`, an image
config blob embedded base64 in its descriptor, a manifest with no `mediaType` and no layers,
artifacts whose type comes from `artifactType` or from the config media type, an index with a
subject, and a referrer whose subject was never pushed.
"""

import base64
import gzip
import io
import random
import string
import tarfile

from harness import (EMPTY_JSON, OCI_CONFIG, OCI_EMPTY, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST, go_json,
                     sha256)

ANNOTATION_KEY = "org.opencontainers.conformance.test"
ARTIFACT_TYPE_A = "application/vnd.nhl.peanut.butter.bagel"
ARTIFACT_TYPE_B = "application/vnd.nba.strawberry.jam.croissant"
ARTIFACT_TYPE_INDEX = "application/vnd.food.stand"
NONEXISTENT_MANIFEST = ".INVALID_MANIFEST_NAME"
INVALID_MANIFEST = b"blablabla"
TEST_TAG = "tagtest0"
EMPTY_LAYER_TAG = "emptylayer"


class Blob:
    def __init__(self, content):
        self.content = content
        self.digest = sha256(content)
        self.length = len(content)


def go_descriptor(media_type, blob=None, *, digest=None, size=None, data=None, unspecified=None, **extra):
    """A descriptor as the suite's Go struct marshals it: data and newUnspecifiedField are
    []byte without omitempty, so they are base64 strings or null."""
    d = {}
    if media_type:
        d["mediaType"] = media_type
    d["digest"] = digest if digest is not None else blob.digest
    d["size"] = size if size is not None else blob.length
    d["data"] = base64.b64encode(data).decode() if data is not None else None
    d["newUnspecifiedField"] = base64.b64encode(unspecified).decode() if unspecified is not None else None
    d.update(extra)
    return d


def go_manifest(config, layers, *, media_type=OCI_MANIFEST, artifact_type=None, subject=None, annotations=None):
    m = {"schemaVersion": 2}
    if media_type:
        m["mediaType"] = media_type
    if artifact_type:
        m["artifactType"] = artifact_type
    m["config"] = config
    m["layers"] = layers
    if subject is not None:
        m["subject"] = subject
    if annotations:
        m["annotations"] = annotations
    return Blob(go_json(m))


def go_index(manifests, *, artifact_type=None, subject=None, annotations=None):
    m = {"schemaVersion": 2, "mediaType": OCI_INDEX}
    if artifact_type:
        m["artifactType"] = artifact_type
    m["manifests"] = manifests
    if subject is not None:
        m["subject"] = subject
    if annotations:
        m["annotations"] = annotations
    return Blob(go_json(m))


def small_layer_tarball():
    """A gzipped tar holding one small text file (the suite's layer is the same kind of thing)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        text = b"you bothered to find out what was in here. Congratulations!\n"
        info = tarfile.TarInfo("test.txt")
        info.size = len(text)
        info.mtime = 1_600_000_000
        tar.addfile(info, io.BytesIO(text))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


class ConformanceData:
    """A fresh set per test class: configs get a random author so digests are unique per run."""

    def setup_chunked_blob(self, size):
        """The suite's setupChunkedBlob: a random blob in two chunks, the first one byte longer."""
        chunked = bytes(self.rng.getrandbits(8) for _ in range(size))
        self.blob_b = Blob(chunked)
        half = size // 2 + 1
        self.chunk1, self.chunk2 = chunked[:half], chunked[half:]
        self.chunk1_range = f"0-{len(self.chunk1) - 1}"
        self.chunk2_range = f"{len(self.chunk1)}-{size - 1}"

    def __init__(self, seed=None):
        rng = self.rng = random.Random(seed)
        letters = string.ascii_letters + string.digits + "-"
        self.configs = []
        for _ in range(5):
            author = "".join(rng.choice(letters) for _ in range(16))
            cfg = {"author": author, "architecture": "amd64", "os": "linux",
                   "rootfs": {"type": "layers", "diff_ids": []}}
            self.configs.append(Blob(go_json(cfg)))

        self.layer = Blob(small_layer_tarball())
        layers = [go_descriptor(OCI_LAYER_GZIP, self.layer)]

        self.manifests = []
        for cfg in self.configs:
            config = go_descriptor(OCI_CONFIG, cfg, data=cfg.content, unspecified=b"hello world")
            self.manifests.append(go_manifest(config, layers))

        # a manifest without mediaType and without layers (push: "no layers")
        self.empty_layer_manifest = go_manifest(
            go_descriptor(OCI_CONFIG, self.configs[1], data=self.configs[1].content, unspecified=b"hello world"),
            [], media_type=None)

        self.blob_a = Blob(bytes(rng.getrandbits(8) for _ in range(42)))  # streamed upload
        self.setup_chunked_blob(42)

        # referrers (content discovery) and artifact pushes
        self.empty_json = Blob(EMPTY_JSON)
        empty_desc = go_descriptor(OCI_EMPTY, self.empty_json)
        self.ref_blob_a = Blob(b"NHL Peanut Butter on my NHL bagel")
        self.ref_blob_b = Blob(b"NBA Strawberry Jam on my NBA croissant")
        subject4 = go_descriptor(OCI_MANIFEST, self.manifests[4])
        subject3 = go_descriptor(OCI_MANIFEST, self.manifests[3])
        self.annotations = {}  # referrer digest -> the annotation value it carries

        def annotated(blob, value):
            self.annotations[blob.digest] = value
            return blob

        self.ref_a_config = annotated(go_manifest(
            go_descriptor(ARTIFACT_TYPE_A, self.ref_blob_a), [empty_desc], subject=subject4,
            annotations={ANNOTATION_KEY: "test config a"}), "test config a")
        self.ref_b_config = annotated(go_manifest(
            go_descriptor(ARTIFACT_TYPE_B, self.ref_blob_b), [empty_desc], subject=subject4,
            annotations={ANNOTATION_KEY: "test config b"}), "test config b")
        self.ref_a_layer = annotated(go_manifest(
            empty_desc, [go_descriptor(ARTIFACT_TYPE_A, self.ref_blob_a)], artifact_type=ARTIFACT_TYPE_A,
            subject=subject4, annotations={ANNOTATION_KEY: "test layer a"}), "test layer a")
        self.ref_b_layer = annotated(go_manifest(
            empty_desc, [go_descriptor(ARTIFACT_TYPE_B, self.ref_blob_b)], artifact_type=ARTIFACT_TYPE_B,
            subject=subject4, annotations={ANNOTATION_KEY: "test layer b"}), "test layer b")
        # same as B layer but its subject (manifests[3]) is never pushed
        self.ref_c_layer = go_manifest(
            empty_desc, [go_descriptor(ARTIFACT_TYPE_B, self.ref_blob_b)], artifact_type=ARTIFACT_TYPE_B,
            subject=subject3)
        self.ref_index = annotated(go_index(
            [go_descriptor(OCI_MANIFEST, self.ref_a_config), go_descriptor(OCI_MANIFEST, self.ref_a_layer)],
            artifact_type=ARTIFACT_TYPE_INDEX, subject=subject4, annotations={ANNOTATION_KEY: "test index"}),
            "test index")

        # push: artifacts typed by config media type / by artifactType (no subject)
        self.artifact_config_type = go_manifest(go_descriptor(ARTIFACT_TYPE_A, self.ref_blob_a), [empty_desc])
        self.artifact_type_manifest = go_manifest(
            empty_desc, [go_descriptor(ARTIFACT_TYPE_A, self.ref_blob_a)], artifact_type=ARTIFACT_TYPE_A)
