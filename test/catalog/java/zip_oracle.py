#!/usr/bin/env python3
"""Independent oracle for the Java cataloger tests: walk a Java archive and the archives nested in it
with Python's zipfile (not our zip reader) and print, as JSON, one record per pom.properties, or one
per archive without any (from its MANIFEST.MF), following the fixtures' rule (fixtures README,
build/lib/expected.py jar_pkgs) extended to nested archives.

usage: zip_oracle.py ARCHIVE [MAX_DEPTH]
"""
import io
import json
import re
import sys
import zipfile

ARCHIVE = re.compile(r"\.(jar|war|ear|jpi|hpi)$", re.I)


def manifest(z):
    out = {}
    names = {n.upper(): n for n in z.namelist()}
    name = names.get("META-INF/MANIFEST.MF")
    if name is None:
        return None
    cur = None
    for line in z.read(name).decode("utf-8", "replace").splitlines():
        if line.startswith(" ") and cur:
            out[cur] += line[1:]
        elif ":" in line:
            cur, _, v = line.partition(":")
            cur = cur.strip().lower()
            out.setdefault(cur, v.strip())
    return out


def walk(data, nested, depth, max_depth, out):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        man = manifest(z)
        poms = sorted(n for n in names if n.rsplit("/", 1)[-1] == "pom.properties")
        found = 0
        for pn in poms:
            props = {}
            for line in z.read(pn).decode("utf-8", "replace").splitlines():
                line = line.strip()
                if "=" in line and not line.startswith("#"):
                    k, _, v = line.partition("=")
                    props[k.strip()] = v.strip()
            if props.get("groupId") and props.get("artifactId") and props.get("version"):
                found += 1
                out.append({"nestedPath": nested, "evidence": pn,
                            "name": "%s:%s" % (props["groupId"], props["artifactId"]),
                            "version": props["version"]})
        if found == 0:
            out.append({"nestedPath": nested, "evidence": "META-INF/MANIFEST.MF" if man is not None else None,
                        "name": None,
                        "version": (man or {}).get("implementation-version") or (man or {}).get("bundle-version")})
        if depth >= max_depth:
            return
        for n in names:
            if not n.endswith("/") and ARCHIVE.search(n):
                walk(z.read(n), (nested + "/" + n) if nested else n, depth + 1, max_depth, out)


def main():
    out = []
    with open(sys.argv[1], "rb") as fh:
        walk(fh.read(), "", 0, int(sys.argv[2]) if len(sys.argv) > 2 else 6, out)
    json.dump(out, sys.stdout)


main()
