#!/usr/bin/env python3
"""Baking interoperability: independent bakers against `insignia bake/extract/verify`.

Two independent implementations, installed from PyPI at pinned versions
(requirements-bake.txt):

  * openbadges-bakery 2.0.0 (Concentric Sky, the baker of Badgr / Canvas
    Credentials): Open Badges 2.0 only (PNG iTXt `openbadges`, SVG
    `<openbadges:assertion>`);
  * openbadgeslib 4.6.3: Open Badges 2.0 and 3.0 (PNG iTXt `openbadges` /
    `openbadgecredential`, SVG `<openbadges:assertion verify=…>` /
    `<openbadges:credential>` with a JWT in `verify` or a Data Integrity JSON
    credential as text).

Payloads, all made by `insignia sign`: an Open Badges 2.0 hosted assertion
(JSON), an Open Badges 2.0 signed assertion (JWS, RS256), an Open Badges 3.0
credential with a Data Integrity proof (eddsa-rdfc-2022, did:key issuer) and
the same as a VC-JWT (EdDSA). The Open Badges 2.0 issuer Profile, BadgeClass,
CryptographicKey and hosted assertion are served by a local HTTP server on
127.0.0.1, and `insignia verify --allow-http` checks them online.

Theirs -> ours: each baker bakes each payload it supports into a PNG and an
SVG; `insignia extract` must return the payload exactly, and `insignia verify
--json` must exit 0 with "valid": true. Ours -> theirs: `insignia bake` bakes
each payload; each baker's extractor that supports the standard must return
the payload exactly. A tampered baked image (one payload byte changed) must
be rejected by `insignia verify`.

Usage: python bake-interop.py --insignia BIN --work DIR --credential OB3.json
Prints one PASS/FAIL line per case and, last, `bake-interop: N passed, M failed`.
"""

import argparse
import functools
import http.server
import io
import json
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import png  # pypng, a dependency of both bakers
import openbadges_bakery
from openbadgeslib import baking as obl

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
RECIPIENT = "amira.haddad@example.org"


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def case(self, name, problems):
        if problems:
            self.failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"     {p}")
        else:
            self.passed += 1
            print(f"PASS {name}")
        sys.stdout.flush()


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def sign(insignia, infile, key, proof, out):
    r = run([insignia, "sign", str(infile), "--key", str(key), "--proof", proof, "-o", str(out)])
    if r.returncode != 0:
        raise SystemExit(f"insignia sign {proof} failed: {r.stderr}")
    return out.read_text().strip()


def base_png(path):
    """A small RGBA PNG (a plain disc), written by pypng."""
    size = 32
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            inside = (x - 15.5) ** 2 + (y - 15.5) ** 2 <= 15 ** 2
            row.extend((30, 90, 160, 255) if inside else (0, 0, 0, 0))
        rows.append(row)
    with open(path, "wb") as f:
        png.Writer(size, size, greyscale=False, alpha=True).write(f, rows)


BASE_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
  <circle cx="32" cy="32" r="30" fill="#1e5aa0"/>
  <text x="32" y="38" font-size="16" text-anchor="middle" fill="#fff">OB</text>
</svg>
"""


def serve(root):
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {".json": "application/ld+json", "": "application/octet-stream"}

    def log_message(self, *args):
        pass


def ob2_documents(insignia, work, site, base):
    """Issuer, key, BadgeClass, hosted and signed assertions; returns the payloads."""
    rsa = work / "keys" / "rsa.json"
    r = run([insignia, "keys", "generate", "--alg", "rsa", "--out", str(rsa)])
    if r.returncode != 0:
        raise SystemExit(f"insignia keys generate failed: {r.stderr}")
    pem = run([insignia, "keys", "public", str(rsa), "--pem"]).stdout
    issuer = {
        "@context": OB2_CONTEXT, "type": "Issuer", "id": f"{base}/issuer.json",
        "name": "Interop Test Issuer", "url": base, "email": "badges@example.org",
        "publicKey": f"{base}/key.json",
    }
    key = {
        "@context": OB2_CONTEXT, "type": "CryptographicKey", "id": f"{base}/key.json",
        "owner": f"{base}/issuer.json", "publicKeyPem": pem,
    }
    badge = {
        "@context": OB2_CONTEXT, "type": "BadgeClass", "id": f"{base}/badge.json",
        "name": "Interop Badge", "description": "Baked by another implementation.",
        "image": f"{base}/badge.png", "criteria": {"narrative": "Take part in the interop run."},
        "issuer": f"{base}/issuer.json",
    }
    recipient = {"type": "email", "hashed": False, "identity": RECIPIENT}
    hosted = {
        "@context": OB2_CONTEXT, "type": "Assertion", "id": f"{base}/assertion.json",
        "recipient": recipient, "badge": f"{base}/badge.json",
        "verification": {"type": "hosted"}, "issuedOn": "2026-01-15T10:00:00Z",
    }
    signed = {
        "@context": OB2_CONTEXT, "type": "Assertion", "id": f"urn:uuid:{uuid.uuid4()}",
        "recipient": recipient, "badge": f"{base}/badge.json",
        "verification": {"type": "signed", "creator": f"{base}/key.json"},
        "issuedOn": "2026-01-15T10:00:00Z",
    }
    for name, doc in [("issuer", issuer), ("key", key), ("badge", badge), ("assertion", hosted)]:
        (site / f"{name}.json").write_text(json.dumps(doc, indent=2))
    # The hosted assertion is published exactly as it is baked.
    hosted_text = (site / "assertion.json").read_text()
    (work / "inputs" / "ob2-signed.json").write_text(json.dumps(signed, indent=2))
    jws = sign(insignia, work / "inputs" / "ob2-signed.json", rsa, "ob2-jws",
               work / "ours" / "ob2-signed.jws")
    return hosted_text, jws


def extract_ours(insignia, image):
    r = run([insignia, "extract", str(image)])
    return r.returncode, r.stdout, r.stderr


def verify_ours(insignia, image):
    r = run([insignia, "verify", "--json", "--allow-http", "--recipient", RECIPIENT, str(image)])
    try:
        report = json.loads(r.stdout)
    except ValueError:
        report = None
    return r.returncode, report, r.stderr


def same(got, want):
    """Exact match; a trailing newline added by `insignia extract` on stdout is allowed."""
    return got == want or got == want + "\n"


def check_ours_reads(insignia, image, payload):
    problems = []
    code, out, err = extract_ours(insignia, image)
    if code != 0:
        problems.append(f"insignia extract exited {code}: {err.strip()}")
    elif not same(out, payload):
        problems.append(f"insignia extract returned {out[:80]!r}…, not the baked payload")
    code, report, err = verify_ours(insignia, image)
    if report is None:
        problems.append(f"insignia verify printed no JSON report (exit {code}): {err.strip()}")
    elif code != 0 or report.get("valid") is not True:
        bad = [f"{c['check']}: {c['outcome']} ({c['message']})" for c in report["checks"]
               if c["outcome"] not in ("passed", "not_applicable")]
        problems.append(f"insignia verify: exit {code}, verdict {report.get('verdict')}; {bad}")
    return problems


def tampered(image, payload, out):
    """A copy of a baked image with one character of the payload changed
    where it appears verbatim in any carrier (a JWT's or JWS's signature, a
    Data Integrity proofValue, a hosted assertion's issue date); a PNG's CRCs
    are recomputed so that only the payload is wrong."""
    data = image.read_bytes()
    if payload.startswith("eyJ"):
        needle = payload[-30:]
        changed = needle[:15] + ("A" if needle[15] != "A" else "B") + needle[16:]
    elif '"proofValue"' in payload:
        needle = json.loads(payload)["proof"]["proofValue"][-30:]
        changed = needle[:15] + ("A" if needle[15] != "A" else "B") + needle[16:]
    else:
        needle = "2026-01-15T10:00:00Z"
        changed = "2026-01-15T10:00:01Z"
    # Every copy of it (openbadges-bakery writes a JWS both in `verify` and as text).
    if needle.encode() not in data:
        raise SystemExit(f"{image}: the payload text to change is not there")
    data = data.replace(needle.encode(), changed.encode())
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        data = fix_png_crcs(data)
    out.write_bytes(data)
    return out


def fix_png_crcs(data):
    import struct
    import zlib
    out = bytearray(data[:8])
    i = 8
    while i < len(data):
        (length,) = struct.unpack(">I", data[i:i + 4])
        body = data[i + 4:i + 8 + length]
        out += data[i:i + 8 + length] + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        i += 12 + length
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--insignia", required=True)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--credential", required=True, type=Path)
    args = ap.parse_args()
    insignia, work = args.insignia, args.work
    for d in ("keys", "inputs", "ours", "theirs", "site", "images"):
        (work / d).mkdir(parents=True, exist_ok=True)
    site = work / "site"
    server, base = serve(site)
    results = Results()
    try:
        png_in = work / "images" / "base.png"
        svg_in = work / "images" / "base.svg"
        base_png(png_in)
        svg_in.write_text(BASE_SVG)

        hosted, jws = ob2_documents(insignia, work, site, base)
        ed = work / "keys" / "ed25519.json"
        run([insignia, "keys", "generate", "--alg", "ed25519", "--out", str(ed)])
        ob3_json = sign(insignia, args.credential, ed, "eddsa-rdfc-2022", work / "ours" / "ob3.json")
        ob3_jwt = sign(insignia, args.credential, ed, "jwt", work / "ours" / "ob3.jwt")
        # Exactly the signed file's text (without the final newline) is baked.
        payloads = {
            "OB 2.0 hosted assertion (JSON)": ("ob2", hosted),
            "OB 2.0 signed assertion (JWS)": ("ob2", jws),
            "OB 3.0 Data Integrity credential (JSON)": ("ob3", ob3_json),
            "OB 3.0 VC-JWT": ("ob3", ob3_jwt),
        }

        print("== baked by other implementations, read and verified by insignia")
        n = 0
        for label, (std, payload) in payloads.items():
            bakers = []
            if std == "ob2":
                bakers.append(("openbadges-bakery", "png",
                               lambda p=payload: openbadges_bakery.bake(open(png_in, "rb"), p, io.BytesIO()).getvalue()))
                bakers.append(("openbadges-bakery", "svg",
                               lambda p=payload: bake_badgr_svg(svg_in, p)))
                bakers.append(("openbadgeslib", "png",
                               lambda p=payload: obl.bake_png(png_in.read_bytes(), p)))
                if payload.startswith("eyJ"):
                    # openbadgeslib's OB 2.0 SVG carries a JWS in `verify` only.
                    bakers.append(("openbadgeslib", "svg",
                                   lambda p=payload: obl.bake_svg(svg_in.read_bytes(), p)))
            else:
                bakers.append(("openbadgeslib", "png",
                               lambda p=payload: obl.bake_png(png_in.read_bytes(), p, keyword=obl.ITXT_KEYWORD_OB3)))
                as_text = not payload.startswith("eyJ")
                bakers.append(("openbadgeslib", "svg",
                               lambda p=payload, t=as_text: obl.bake_svg(
                                   svg_in.read_bytes(), p, element=obl.SVG_ELEMENT_OB3,
                                   namespace=obl.SVG_NS_OB3, as_text=t)))
            for baker, kind, bake in bakers:
                n += 1
                out = work / "theirs" / f"{n:02d}-{baker}.{kind}"
                name = f"{baker} {kind.upper()} <- {label}: insignia extract + verify"
                try:
                    out.write_bytes(bake())
                except Exception as e:  # a baker that cannot bake this is a failed case
                    results.case(name, [f"{baker} could not bake: {e!r}"])
                    continue
                problems = check_ours_reads(insignia, out, payload)
                if not problems:
                    bad = tampered(out, payload, work / "theirs" / f"{n:02d}-{baker}-tampered.{kind}")
                    code, report, _ = verify_ours(insignia, bad)
                    if code == 0 or report is None or report.get("valid") is not False:
                        problems.append(f"a tampered copy was not rejected (exit {code})")
                results.case(name, problems)

        print()
        print("== baked by insignia, read by other implementations")
        for index, (label, (std, payload)) in enumerate(payloads.items()):
            src = work / "ours" / f"payload-{index}-{std}.txt"
            src.write_text(payload)
            for kind, image in (("png", png_in), ("svg", svg_in)):
                out = work / "ours" / f"baked-{index}-{std}.{kind}"
                r = run([insignia, "bake", str(image), "--credential", str(src), "-o", str(out)])
                readers = []
                if std == "ob2":
                    readers.append(("openbadges-bakery", lambda o=out: openbadges_bakery.unbake(open(o, "rb"))))
                    if kind == "png":
                        readers.append(("openbadgeslib", lambda o=out: obl.extract_png(o.read_bytes())))
                    else:
                        readers.append(("openbadgeslib", lambda o=out: obl.extract_svg(o.read_bytes(), text_fallback=True)))
                else:
                    if kind == "png":
                        readers.append(("openbadgeslib", lambda o=out: obl.extract_png(
                            o.read_bytes(), keyword=obl.ITXT_KEYWORD_OB3)))
                    else:
                        readers.append(("openbadgeslib", lambda o=out: obl.extract_svg(
                            o.read_bytes(), element=obl.SVG_ELEMENT_OB3, text_fallback=True)))
                for reader, read in readers:
                    name = f"insignia bake {kind.upper()} <- {label}: {reader} extracts it"
                    if r.returncode != 0:
                        results.case(name, [f"insignia bake exited {r.returncode}: {r.stderr.strip()}"])
                        continue
                    try:
                        got = read()
                    except Exception as e:
                        results.case(name, [f"{reader} could not read it: {e!r}"])
                        continue
                    want = expected_by_reader(reader, std, kind, payload)
                    problems = []
                    if got != want:
                        problems.append(f"{reader} returned {str(got)[:80]!r}…, expected {want[:80]!r}…")
                    if want != payload and svg_cdata(out) != payload:
                        problems.append("the SVG's CDATA is not the assertion JSON")
                    results.case(name, problems)
    finally:
        server.shutdown()
    print()
    print(f"bake-interop: {results.passed} passed, {results.failed} failed")
    return 0 if results.failed == 0 else 1


def svg_cdata(path):
    from defusedxml.minidom import parseString
    doc = parseString(path.read_bytes())
    node = doc.getElementsByTagName("openbadges:assertion")[0]
    return "".join(c.data for c in node.childNodes if c.nodeType == c.CDATA_SECTION_NODE)


def bake_badgr_svg(svg_in, payload):
    out = io.BytesIO()
    openbadges_bakery.bake(open(svg_in, "rb"), payload, out)
    return out.getvalue()


def expected_by_reader(reader, std, kind, payload):
    """What a reader must return for `payload` baked by insignia. The Open
    Badges 2.0 baking spec puts a hosted assertion's URL in the SVG element's
    `verify` attribute (its JSON may follow as CDATA); both bakers' readers
    return `verify` first, so for that one combination the URL is the payload."""
    if std == "ob2" and kind == "svg" and not payload.startswith("eyJ"):
        return json.loads(payload)["id"]
    return payload


if __name__ == "__main__":
    sys.exit(main())
