/**
 * hadolint's own test cases for DL1001 and DL3000–DL3030, transcribed from hadolint/hadolint
 * `test/Hadolint/Rule/DLxxxxSpec.hs` (obtained through the search tool; the commit of each file is
 * cited). Each `ruleCatches`/`ruleCatchesNot` is a case; an `onBuildRuleCatches`/`…Not` on the same
 * text is its `onbuild` expectation (when hadolint's onBuild line uses a different text, that text
 * is a case of its own). Haskell string escapes and gaps are resolved: `\\` → `\`, `"a \
 *   \b"` → `"a b"`.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile and shell text, not templates
import type { RuleSpec } from "../rule-cases.js";

const spec = (code: string, commit: string) =>
  `hadolint/hadolint test/Hadolint/Rule/${code}Spec.hs @ ${commit}`;

export const HADOLINT_DL1001_DL3030: readonly RuleSpec[] = [
  {
    code: "DL1001",
    source: spec("DL1001", "bf3ae0cf97ac6b56b1b4550cd8431b35c252e8c4"),
    cases: [
      {
        name: "catches inline ignore pragma",
        dockerfile: ["# hadolint ignore=DL3003", "RUN foo bar"],
        expect: "catches",
      },
      {
        name: "does not catch other pragma",
        dockerfile: ["# hadolint shell=powershell", "RUN foo bar"],
        expect: "catchesNot",
      },
      { name: "does not catch other comment", dockerfile: ["# foobar", "RUN foo bar"], expect: "catchesNot" },
      {
        name: "does not catch when inline ignore pragma is absent",
        dockerfile: ["FROM debian", "RUN foo bar"],
        expect: "catchesNot",
      },
    ],
  },
  {
    code: "DL3000",
    source: spec("DL3000", "414149198b165579040845825a3cd5377e48e763"),
    cases: [
      { name: "workdir relative", dockerfile: "WORKDIR relative/dir", expect: "catches" },
      { name: "workdir absolute", dockerfile: "WORKDIR /usr/local", expect: "catchesNot" },
      { name: "workdir variable", dockerfile: "WORKDIR ${work}", expect: "catchesNot" },
      { name: "workdir relative single quotes", dockerfile: "WORKDIR 'relative/dir'", expect: "catches" },
      { name: "workdir absolute single quotes", dockerfile: "WORKDIR '/usr/local'", expect: "catchesNot" },
      { name: "workdir relative double quotes", dockerfile: 'WORKDIR "relative/dir"', expect: "catches" },
      { name: "workdir absolute double quotes", dockerfile: 'WORKDIR "/usr/local"', expect: "catchesNot" },
      { name: "workdir variable double quotes", dockerfile: 'WORKDIR "${dir}"', expect: "catchesNot" },
      { name: "workdir absolute windows", dockerfile: "WORKDIR 'C:\\'", expect: "catchesNot" },
      { name: "workdir absolute windows quotes", dockerfile: 'WORKDIR "C:\\"', expect: "catchesNot" },
      { name: "workdir absolute windows alternative", dockerfile: "WORKDIR C:/", expect: "catchesNot" },
      {
        name: "workdir absolute windows quotes alternative",
        dockerfile: 'WORKDIR "C:/"',
        expect: "catchesNot",
      },
    ],
  },
  {
    code: "DL3001",
    source: spec("DL3001", "414149198b165579040845825a3cd5377e48e763"),
    cases: [
      { name: "invalid cmd", dockerfile: "RUN top", expect: "catches", onbuild: "catches" },
      {
        name: "install ssh",
        dockerfile: "RUN apt-get install ssh",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
    ],
  },
  {
    code: "DL3002",
    source: spec("DL3002", "5268d28b1f828b39ffb9052beb03e633f81da398"),
    cases: [
      { name: "last user should not be root", dockerfile: ["FROM scratch", "USER root"], expect: "catches" },
      { name: "no root", dockerfile: ["FROM scratch", "USER foo"], expect: "catchesNot" },
      { name: "no root UID", dockerfile: ["FROM scratch", "USER 0"], expect: "catches" },
      { name: "no root:root", dockerfile: ["FROM scratch", "USER root:root"], expect: "catches" },
      { name: "no UID:GID", dockerfile: ["FROM scratch", "USER 0:0"], expect: "catches" },
      {
        name: "can switch back to non root",
        dockerfile: ["FROM scratch", "USER root", "RUN something", "USER foo"],
        expect: "catchesNot",
      },
      {
        name: "warns on transitive root user",
        dockerfile: ["FROM debian as base", "USER root", "RUN something", "FROM base", "RUN something else"],
        expect: "catches",
      },
      {
        name: "warns on multiple stages",
        dockerfile: [
          "FROM debian as base",
          "USER root",
          "RUN something",
          "FROM scratch",
          "USER foo",
          "RUN something else",
        ],
        expect: "catches",
      },
      {
        name: "does not warn when switching in multiple stages",
        dockerfile: [
          "FROM debian as base",
          "USER root",
          "RUN something",
          "USER foo",
          "FROM scratch",
          "RUN something else",
        ],
        expect: "catchesNot",
      },
    ],
  },
  {
    code: "DL3003",
    source: spec("DL3003", "414149198b165579040845825a3cd5377e48e763"),
    cases: [
      { name: "ok using WORKDIR", dockerfile: "WORKDIR /opt", expect: "catchesNot" },
      { name: "not ok using cd", dockerfile: "RUN cd /opt", expect: "catches" },
    ],
  },
  {
    code: "DL3004",
    source: spec("DL3004", "414149198b165579040845825a3cd5377e48e763"),
    cases: [
      { name: "sudo", dockerfile: "RUN sudo apt-get update", expect: "catches", onbuild: "catches" },
      {
        name: "install sudo",
        dockerfile: "RUN apt-get install sudo",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "sudo chained programs",
        dockerfile: "RUN apt-get update && sudo apt-get install",
        expect: "catches",
        onbuild: "catches",
      },
    ],
  },
  {
    code: "DL3006",
    source: spec("DL3006", "40b19f79246186df473c7ecdc713f24ec48f2df9"),
    cases: [
      { name: "no untagged", dockerfile: "FROM debian", expect: "catches" },
      { name: "no untagged with name", dockerfile: "FROM debian AS builder", expect: "catches" },
      {
        name: "untagged digest is not an error",
        dockerfile: "FROM ruby@sha256:f1dbca0f5dbc9",
        expect: "catchesNot",
      },
      { name: "untagged digest is not an error (tag)", dockerfile: "FROM ruby:2", expect: "catchesNot" },
      { name: "using args is not an error", dockerfile: "FROM ${VALUE}", expect: "catchesNot" },
      {
        name: "local aliases are OK to be untagged",
        dockerfile: [
          "FROM golang:1.9.3-alpine3.7 AS build",
          "RUN foo",
          "FROM build as unit-test",
          "RUN bar",
          "FROM alpine:3.7",
          "RUN baz",
        ],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "other untagged cases are not ok",
        dockerfile: [
          "FROM golang:1.9.3-alpine3.7 AS build",
          "RUN foo",
          "FROM node as unit-test",
          "RUN bar",
          "FROM alpine:3.7",
          "RUN baz",
        ],
        expect: "catches",
        onbuild: "catches",
      },
      { name: "scratch", dockerfile: "FROM scratch", expect: "catchesNot" },
    ],
  },
  {
    code: "DL3007",
    source: spec("DL3007", "414149198b165579040845825a3cd5377e48e763"),
    cases: [
      { name: "explicit latest", dockerfile: "FROM debian:latest", expect: "catches" },
      { name: "explicit latest with name", dockerfile: "FROM debian:latest AS builder", expect: "catches" },
      { name: "explicit tagged", dockerfile: "FROM debian:jessie", expect: "catchesNot" },
      {
        name: "explicit SHA",
        dockerfile:
          "FROM hub.docker.io/debian@sha256:7959ed6f7e35f8b1aaa06d1d8259d4ee25aa85a086d5c125480c333183f9deeb",
        expect: "catchesNot",
      },
      {
        name: "explicit tagged with name",
        dockerfile: "FROM debian:jessie AS builder",
        expect: "catchesNot",
      },
    ],
  },
  {
    code: "DL3008",
    source: spec("DL3008", "5268d28b1f828b39ffb9052beb03e633f81da398"),
    cases: [
      {
        name: "apt-get version pinning",
        dockerfile: "RUN apt-get update && apt-get install python",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "apt-get pinned chained",
        dockerfile: [
          "RUN apt-get update \\",
          " && apt-get -yqq --no-install-recommends install nodejs=0.10 \\",
          " && rm -rf /var/lib/apt/lists/*",
        ],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get pinned regression",
        dockerfile: [
          "RUN apt-get update && apt-get install --no-install-recommends -y \\",
          "python-demjson=2.2.2* \\",
          "wget=1.16.1* \\",
          "git=1:2.5.0* \\",
          "ruby=1:2.1.*",
        ],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get version",
        dockerfile: "RUN apt-get install -y python=1.2.2",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get version (.deb)",
        dockerfile: "RUN apt-get install ./wkhtmltox_0.12.5-1.bionic_amd64.deb",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get pinned",
        dockerfile: "RUN apt-get -y --no-install-recommends install nodejs=0.10",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get tolerate target-release",
        dockerfile: [
          "RUN set -e &&\\",
          ' echo "deb http://http.debian.net/debian jessie-backports main" > /etc/apt/sources.list.d/jessie-backports.list &&\\',
          " apt-get update &&\\",
          " apt-get install -y --no-install-recommends -t jessie-backports openjdk-8-jdk=8u131-b11-1~bpo8+1 &&\\",
          " rm -rf /var/lib/apt/lists/*",
        ],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
    ],
  },
  {
    code: "DL3009",
    source: spec("DL3009", "5268d28b1f828b39ffb9052beb03e633f81da398"),
    cases: [
      {
        name: "apt-get no cleanup",
        dockerfile: ["FROM scratch", "RUN apt-get update && apt-get install python"],
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "apt-get cleanup in stage image",
        dockerfile: [
          "FROM ubuntu as foo",
          "RUN apt-get update && apt-get install python",
          "FROM scratch",
          "RUN echo hey!",
        ],
        expect: "catchesNot",
        onbuild: "catches",
      },
      {
        name: "apt-get no cleanup in last stage",
        dockerfile: [
          "FROM ubuntu as foo",
          "RUN hey!",
          "FROM scratch",
          "RUN apt-get update && apt-get install python",
        ],
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "apt-get no cleanup in intermediate stage",
        dockerfile: [
          "FROM ubuntu as foo",
          "RUN apt-get update && apt-get install python",
          "FROM foo",
          "RUN hey!",
        ],
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "no warn apt-get cleanup in intermediate stage that cleans lists",
        dockerfile: [
          "FROM ubuntu as foo",
          "RUN apt-get update && apt-get install python && rm -rf /var/lib/apt/lists/*",
          "FROM foo",
          "RUN hey!",
        ],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "no warn apt-get cleanup in intermediate stage when stage not used later",
        dockerfile: [
          "FROM ubuntu as foo",
          "RUN apt-get update && apt-get install python",
          "FROM scratch",
          "RUN hey!",
        ],
        expect: "catchesNot",
        onbuild: "catches",
      },
      {
        name: "apt-get cleanup",
        dockerfile: [
          "FROM scratch",
          "RUN apt-get update && apt-get install python && rm -rf /var/lib/apt/lists/*",
        ],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "don't warn: BuildKit cache mount to apt lists directory",
        dockerfile:
          "RUN --mount=type=cache,target=/var/lib/apt/lists \\    apt-get update && apt-get install python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "don't warn: BuildKit cache mount to apt directories 1",
        dockerfile:
          "RUN --mount=type=cache,target=/var/lib/apt \\    --mount=type=cache,target=/var/cache/apt \\    rm -f /etc/apt/apt.conf.d/docker-clean && \\    apt-get update && apt-get install python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "don't warn: BuildKit cache mount to apt directories 2",
        dockerfile: [
          "RUN rm -f /etc/apt/apt.conf.d/docker-clean",
          "RUN --mount=type=cache,target=/var/cache/apt \\",
          "    --mount=type=cache,target=/var/lib/apt \\",
          "    apt-get update && apt-get install foo",
        ],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "warn: BuildKit cache mount to apt cache directory only",
        dockerfile: [
          "RUN --mount=type=cache,target=/var/cache/apt \\",
          "    rm -f /etc/apt/apt.conf.d/docker-clean && \\",
          "    apt-get update && apt-get install python",
        ],
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "warn: BuildKit cache mount to apt lists directory only",
        dockerfile: [
          "RUN rm -f /etc/apt/apt.conf.d/docker-clean",
          "RUN --mount=type=cache,target=/var/lib/apt \\",
          "    apt-get update && apt-get install python",
        ],
        expect: "catches",
        onbuild: "catches",
      },
    ],
  },
  {
    code: "DL3010",
    source: spec("DL3010", "5268d28b1f828b39ffb9052beb03e633f81da398"),
    cases: [
      {
        name: "catch: copy archive then extract 1",
        dockerfile: ["COPY packaged-app.tar /usr/src/app", "RUN tar -xf /usr/src/app/packaged-app.tar"],
        expect: "catches",
      },
      {
        name: "catch: copy archive then extract 2",
        dockerfile: [
          "COPY packaged-app.tar /usr/src/app",
          "WORKDIR /usr/src/app",
          "RUN foo bar && echo something && tar -xf packaged-app.tar",
        ],
        expect: "catches",
      },
      {
        name: "catch: copy archive then extract 3",
        dockerfile: ["COPY foo/bar/packaged-app.tar /foo.tar", "RUN tar -xf /foo.tar"],
        expect: "catches",
      },
      {
        name: "catch: copy archive then extract windows paths 1",
        dockerfile: [
          'COPY build\\foo\\bar.tar.gz "C:\\Program Files\\Foo"',
          'RUN tar -xf "C:\\Program Files\\Foo\\bar.tar.gz"',
        ],
        expect: "catches",
      },
      {
        name: "catch: copy archive then extract windows paths 2",
        dockerfile: ['COPY build\\foo\\bar.tar.gz "C:\\Program Files\\foo.tar.gz"', "RUN tar -xf foo.tar.gz"],
        expect: "catches",
      },
      {
        name: "ignore: copy archive without extract",
        dockerfile: ["COPY packaged-app.tar /usr/src/app", "FROM debian:11 as newstage"],
        expect: "catchesNot",
      },
      { name: "ignore: non archive", dockerfile: "COPY package.json /usr/src/app", expect: "catchesNot" },
      {
        name: "ignore: copy from previous stage",
        dockerfile: "COPY --from=builder /usr/local/share/some.tar /opt/some.tar",
        expect: "catchesNot",
      },
    ],
  },
  {
    code: "DL3011",
    source: spec("DL3011", "dc66e0996474b324f10649618f424fc76ca60e28"),
    cases: [
      { name: "invalid port", dockerfile: "EXPOSE 80000", expect: "catches" },
      { name: "valid port", dockerfile: "EXPOSE 60000", expect: "catchesNot" },
      { name: "valid port variable", dockerfile: "EXPOSE ${FOOBAR}", expect: "catchesNot" },
      { name: "invalid port in range", dockerfile: "EXPOSE 40000-80000/tcp", expect: "catches" },
      { name: "valid port range", dockerfile: "EXPOSE 40000-60000/tcp", expect: "catchesNot" },
      { name: "valid port range variable", dockerfile: "EXPOSE 40000-${FOOBAR}", expect: "catchesNot" },
    ],
  },
  {
    code: "DL3012",
    source: spec("DL3012", "5268d28b1f828b39ffb9052beb03e633f81da398"),
    cases: [
      { name: "ok with no HEALTHCHECK instruction", dockerfile: "FROM scratch", expect: "catchesNot" },
      {
        name: "ok with one HEALTHCHECK instruction",
        dockerfile: "FROM scratch\nHEALTHCHECK CMD /bin/bla",
        expect: "catchesNot",
      },
      {
        name: "ok with two HEALTHCHECK instructions in two stages",
        dockerfile: "FROM scratch\nHEALTHCHECK CMD /bin/bla1\nFROM scratch\nHEALTHCHECK CMD /bin/bla2",
        expect: "catchesNot",
      },
      {
        name: "warn with two HEALTHCHECK instructions",
        dockerfile: "FROM scratch\nHEALTHCHECK CMD /bin/bla1\nHEALTHCHECK CMD /bin/bla2",
        expect: "catches",
      },
    ],
  },
  {
    code: "DL3013",
    source: spec("DL3013", "6cab02ad0143cf334fe276cb7240f0263674be2d"),
    cases: [
      {
        name: "pip2 version not pinned",
        dockerfile: "RUN pip2 install MySQL_python",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "pip3 version not pinned",
        dockerfile: "RUN pip3 install MySQL_python",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "pip3 version pinned",
        dockerfile: "RUN pip3 install MySQL_python==1.2.2",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip3 install from local package (whl)",
        dockerfile: "RUN pip3 install mypkg.whl",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip3 install from local package (tar.gz)",
        dockerfile: "RUN pip3 install mypkg.tar.gz",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install requirements",
        dockerfile: "RUN pip install -r requirements.txt",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install requirements with long flag",
        dockerfile: "RUN pip install --requirement requirements.txt",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install use setup.py",
        dockerfile: "RUN pip install .",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip version not pinned",
        dockerfile: "RUN pip install MySQL_python",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "pip version pinned",
        dockerfile: "RUN pip install MySQL_python==1.2.2",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip version pinned with ~= operator",
        dockerfile: "RUN pip install MySQL_python~=1.2.2",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip version pinned with === operator",
        dockerfile: "RUN pip install MySQL_python===1.2.2",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip version pinned with flag --ignore-installed",
        dockerfile: "RUN pip install --ignore-installed MySQL_python==1.2.2",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip version pinned with flag --build",
        dockerfile: "RUN pip3 install --build /opt/yamllint yamllint==1.20.0",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip version pinned with flag --prefix",
        dockerfile: "RUN pip3 install --prefix /opt/yamllint yamllint==1.20.0",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip version pinned with flag --root",
        dockerfile: "RUN pip3 install --root /opt/yamllint yamllint==1.20.0",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip version pinned with flag --target",
        dockerfile: "RUN pip3 install --target /opt/yamllint yamllint==1.20.0",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip version pinned with flag --trusted-host",
        dockerfile: "RUN pip3 install --trusted-host host example==1.2.2",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip version pinned with python -m",
        dockerfile: "RUN python -m pip install example==1.2.2",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip version not pinned with python -m",
        dockerfile: "RUN python -m pip install example",
        expect: "catches",
      },
      {
        name: "pip version not pinned with python -m (onbuild, --index-url)",
        dockerfile: "RUN python -m pip install --index-url url example",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "pip install git (https)",
        dockerfile: "RUN pip install git+https://github.com/rtfd/r-ext.git@0.6-alpha#egg=r-ext",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install git (ssh)",
        dockerfile: "RUN pip install git+ssh://github.com/rtfd/r-ext.git@0.6-alpha#egg=r-ext",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install unversioned git (https)",
        dockerfile: "RUN pip install git+https://github.com/rtfd/read-ext.git#egg=read-ext",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "pip install unversioned git (ssh)",
        dockerfile: "RUN pip install git+ssh://github.com/rtfd/read-ext.git#egg=read-ext",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "pip install local dir",
        dockerfile: "RUN pip install foo/bar",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install https url package",
        dockerfile: "RUN pip install https://foo.bar/baz.zip",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install upper bound",
        dockerfile: "RUN pip install 'alabaster>=0.7'",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install lower bound",
        dockerfile: "RUN pip install 'alabaster<0.7'",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install excluded version",
        dockerfile: "RUN pip install 'alabaster!=0.7'",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install user directory",
        dockerfile: "RUN pip install MySQL_python==1.2.2 --user",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install no pip version check",
        dockerfile: "RUN pip install MySQL_python==1.2.2 --disable-pip-version-check",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install --index-url",
        dockerfile: "RUN pip install --index-url https://eg.com/foo foobar==1.0.0",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install --index-url with --extra-index-url",
        dockerfile:
          "RUN pip install --index-url https://eg.com/foo --extra-index-url https://ex-eg.io/foo foobar==1.0.0",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install no cache dir",
        dockerfile: "RUN pip install MySQL_python==1.2.2 --no-cache-dir",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install constraints file - long version argument",
        dockerfile: "RUN pip install pykafka --constraint http://foo.bar.baz",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install constraints file - short version argument",
        dockerfile: "RUN pip install pykafka -c http://foo.bar.baz",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pip install --index-url with --extra-index-url with basic auth",
        dockerfile:
          "RUN pip install --index-url https://user:pass@eg.com/foo --extra-index-url https://user:pass@ex-eg.io/foo foobar==1.0.0",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "pipenv is not pip",
        dockerfile: "RUN pipenv install black",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
    ],
  },
  {
    code: "DL3014",
    source: spec("DL3014", "80d0187dc62897658e3ee973b63058e524a5078e"),
    cases: [
      {
        name: "apt-get auto yes",
        dockerfile: "RUN apt-get install python",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "apt-get -q",
        dockerfile: "RUN apt-get install -q python",
        expect: "catches",
        onbuild: "catches",
      },
      { name: "apt-get --quiet", dockerfile: "RUN apt-get install --quiet python", expect: "catches" },
      {
        name: "apt-get yes shortflag",
        dockerfile: "RUN apt-get install -yq python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get yes different pos",
        dockerfile: "RUN apt-get install -y python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get with auto yes",
        dockerfile: "RUN apt-get -y install python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get with auto expanded yes",
        dockerfile: "RUN apt-get --yes install python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get with assume-yes",
        dockerfile: "RUN apt-get --assume-yes install python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get -qq",
        dockerfile: "RUN apt-get install -qq python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get -q -q",
        dockerfile: "RUN apt-get install -q -q python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get -q=2",
        dockerfile: "RUN apt-get install -q=2 python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get --quiet --quiet",
        dockerfile: "RUN apt-get install --quiet --quiet python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
    ],
  },
  {
    code: "DL3015",
    source: spec("DL3015", "bf7e48ea735db423a349fb2d7a83fe7a77091cc2"),
    cases: [
      {
        name: "apt-get install recommends",
        dockerfile: "RUN apt-get install --no-install-recommends python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apt-get no install recommends",
        dockerfile: "RUN apt-get install python",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "apt-get no install recommends (-y)",
        dockerfile: "RUN apt-get -y install python",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "apt-get no install recommends via option",
        dockerfile: "RUN apt-get -o APT::Install-Recommends=false install python",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
    ],
  },
  {
    code: "DL3016",
    source: spec("DL3016", "bf7e48ea735db423a349fb2d7a83fe7a77091cc2"),
    cases: [
      {
        name: "version pinned in package.json",
        dockerfile: "RUN npm install",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version pinned in package.json with arguments",
        dockerfile: "RUN npm install --progress=false",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version pinned",
        dockerfile: "RUN npm install express@4.1.1",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version pinned with scope",
        dockerfile: 'RUN npm install @myorg/privatepackage@">=0.1.0"',
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version pinned multiple packages",
        dockerfile: 'RUN npm install express@"4.1.1" sax@0.1.1',
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version pinned with --global",
        dockerfile: 'RUN npm install --global express@"4.1.1"',
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version pinned with -g",
        dockerfile: 'RUN npm install -g express@"4.1.1"',
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version does not have to be pinned for tarball suffix .tar",
        dockerfile: "RUN npm install package-v1.2.3.tar",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version does not have to be pinned for tarball suffix .tar.gz",
        dockerfile: "RUN npm install package-v1.2.3.tar.gz",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version does not have to be pinned for tarball suffix .tgz",
        dockerfile: "RUN npm install package-v1.2.3.tgz",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version does not have to be pinned for folder - absolute path",
        dockerfile: "RUN npm install /folder",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version does not have to be pinned for folder - relative path from current folder",
        dockerfile: "RUN npm install ./folder",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version does not have to be pinned for folder - relative path to parent folder",
        dockerfile: "RUN npm install ../folder",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version does not have to be pinned for folder - relative path from home",
        dockerfile: "RUN npm install ~/folder",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "commit pinned for git+ssh",
        dockerfile: "RUN npm install git+ssh://git@github.com:npm/npm.git#v1.0.27",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "commit pinned for git+http",
        dockerfile: "RUN npm install git+http://isaacs@github.com/npm/npm#semver:^5.0",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "commit pinned for git+https",
        dockerfile: "RUN npm install git+https://isaacs@github.com/npm/npm.git#v1.0.27",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "commit pinned for git",
        dockerfile: "RUN npm install git://github.com/npm/npm.git#v1.0.27",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "npm run install is fine",
        dockerfile: "RUN npm run --crazy install",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version pinned with scope (range)",
        dockerfile: 'RUN npm install @myorg/privatepackage@">=0.1.0 <0.2.0"',
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "version not pinned",
        dockerfile: "RUN npm install express",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "version not pinned with scope",
        dockerfile: "RUN npm install @myorg/privatepackage",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "version not pinned multiple packages",
        dockerfile: "RUN npm install express sax@0.1.1",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "version not pinned with --global",
        dockerfile: "RUN npm install --global express",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "commit not pinned for git+ssh",
        dockerfile: "RUN npm install git+ssh://git@github.com:npm/npm.git",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "commit not pinned for git+http",
        dockerfile: "RUN npm install git+http://isaacs@github.com/npm/npm",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "commit not pinned for git+https",
        dockerfile: "RUN npm install git+https://isaacs@github.com/npm/npm.git",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "commit not pinned for git",
        dockerfile: "RUN npm install git://github.com/npm/npm.git",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "don't fire on loglevel flag",
        dockerfile: "RUN npm install --loglevel verbose sax@0.1.1",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
    ],
  },
  {
    code: "DL3018",
    source: spec("DL3018", "5268d28b1f828b39ffb9052beb03e633f81da398"),
    cases: [
      {
        name: "apk add version pinning single",
        dockerfile: "RUN apk add flex",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "apk add no version pinning single",
        dockerfile: "RUN apk add flex=2.6.4-r1",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apk add version pinned chained",
        dockerfile: ["RUN apk add --no-cache flex=2.6.4-r1 \\", " && pip install -r requirements.txt"],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apk add version pinned regression",
        dockerfile: [
          "RUN apk add --no-cache \\",
          "flex=2.6.4-r1 \\",
          "libffi=3.2.1-r3 \\",
          "python2=2.7.13-r1 \\",
          "libbz2=1.0.6-r5",
        ],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apk add version pinned regression - one missed",
        dockerfile: [
          "RUN apk add --no-cache \\",
          "flex=2.6.4-r1 \\",
          "libffi \\",
          "python2=2.7.13-r1 \\",
          "libbz2=1.0.6-r5",
        ],
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "apk add virtual package",
        dockerfile: [
          "RUN apk add \\",
          "--virtual build-dependencies \\",
          "python-dev=1.1.1 build-base=2.2.2 wget=3.3.3 \\",
          "&& pip install -r requirements.txt \\",
          "&& python setup.py install \\",
          "&& apk del build-dependencies",
        ],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apk add with repository without equal sign",
        dockerfile: [
          "RUN apk add --no-cache \\",
          "--repository https://nl.alpinelinux.org/alpine/edge/testing \\",
          "flow=0.78.0-r0",
        ],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apk add with repository with equal sign",
        dockerfile: [
          "RUN apk add --no-cache \\",
          "--repository=https://nl.alpinelinux.org/alpine/edge/testing \\",
          "flow=0.78.0-r0",
        ],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "apk add with repository (-X) without equal sign",
        dockerfile: [
          "RUN apk add --no-cache \\",
          "-X https://nl.alpinelinux.org/alpine/edge/testing \\",
          "flow=0.78.0-r0",
        ],
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "don't trigger when installing from .apk file",
        dockerfile: "RUN apk add mypackage-1.1.1.apk",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
    ],
  },
  {
    code: "DL3019",
    source: spec("DL3019", "5268d28b1f828b39ffb9052beb03e633f81da398"),
    cases: [
      {
        name: "apk add with --no-cache",
        dockerfile: "RUN apk add flex=2.6.4-r1",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "apk add without --no-cache",
        dockerfile: "RUN apk add --no-cache flex=2.6.4-r1",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "don't warn: apk add with BuildKit cache mount",
        dockerfile: "RUN --mount=type=cache,target=/var/cache/apk apk add -U curl=7.77.0",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "don't warn: apk add with BuildKit cache mount in wrong dir and --no-cache",
        dockerfile: "RUN --mount=type=cache,target=/var/cache/foo apk add --no-cache -U curl=7.77.0",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "warn: apk add with BuildKit cache mount to wrong dir",
        dockerfile: "RUN --mount=type=cache,target=/var/cache/foo apk add -U curl=7.77.0",
        expect: "catches",
        onbuild: "catches",
      },
    ],
  },
  {
    code: "DL3020",
    source: spec("DL3020", "5268d28b1f828b39ffb9052beb03e633f81da398"),
    cases: [
      { name: "add for tar", dockerfile: "ADD file.tar /usr/src/app/", expect: "catchesNot" },
      { name: "add for gzip", dockerfile: "ADD file.gz /usr/src/app/", expect: "catchesNot" },
      { name: "add for bz2", dockerfile: "ADD file.bz2 /usr/src/app/", expect: "catchesNot" },
      { name: "add for xz", dockerfile: "ADD file.xz /usr/src/app/", expect: "catchesNot" },
      { name: "add for tgz", dockerfile: "ADD file.tgz /usr/src/app/", expect: "catchesNot" },
      { name: "add for url", dockerfile: "ADD http://file.com /usr/src/app/", expect: "catchesNot" },
      { name: "using add", dockerfile: "ADD file /usr/src/app/", expect: "catches" },
      { name: "warn for zip", dockerfile: "ADD file.zip /usr/src/app/", expect: "catches" },
      { name: "add for tgz with quotes", dockerfile: 'ADD "file.tgz" /usr/src/app/', expect: "catchesNot" },
      {
        name: "add for url with quotes",
        dockerfile: 'ADD "http://file.com" /usr/src/app/',
        expect: "catchesNot",
      },
      { name: "warn for zip with quotes", dockerfile: 'ADD "file.zip" /usr/src/app/', expect: "catches" },
    ],
  },
  {
    code: "DL3021",
    source: spec("DL3021", "d16f342c8e70fcffc7a788d122a1ba602075250d"),
    cases: [
      { name: "no warn on 2 args", dockerfile: "COPY foo bar", expect: "catchesNot" },
      { name: "warn on 3 args", dockerfile: "COPY foo bar baz", expect: "catches" },
      { name: "no warn on 3 args", dockerfile: "COPY foo bar baz/", expect: "catchesNot" },
      { name: "warn on 3 args with quotes", dockerfile: 'COPY foo bar "baz"', expect: "catches" },
      { name: "no warn on 3 args with quotes", dockerfile: 'COPY foo bar "baz/"', expect: "catchesNot" },
    ],
  },
  {
    code: "DL3022",
    source: spec("DL3022", "a39f857bc5e61a248c60074f73805e349de0c8d7"),
    cases: [
      { name: "warn on missing alias", dockerfile: "COPY --from=foo bar .", expect: "catches" },
      {
        name: "warn on alias defined after",
        dockerfile: ["FROM scratch", "COPY --from=build foo .", "FROM node as build", "RUN baz"],
        expect: "catches",
      },
      {
        name: "don't warn on correctly defined aliases",
        dockerfile: ["FROM scratch as build", "RUN foo", "FROM node", "COPY --from=build foo .", "RUN baz"],
        expect: "catchesNot",
      },
      {
        name: "don't warn on external images",
        dockerfile: "COPY --from=haskell:latest bar .",
        expect: "catchesNot",
      },
      {
        name: "warn on invalid stage count as --from=<count>",
        dockerfile: "COPY --from=0 bar .",
        expect: "catches",
      },
      {
        name: "don't warn on valid stage count as --from=<count>",
        dockerfile: ["FROM scratch as build", "RUN foo", "FROM node", "COPY --from=0 foo ."],
        expect: "catchesNot",
      },
      {
        name: "don't warn on valid stage count as --from=<count> (unnamed stage)",
        dockerfile: ["FROM scratch", "RUN foo", "FROM node", "COPY --from=0 foo ."],
        expect: "catchesNot",
      },
    ],
  },
  {
    code: "DL3023",
    source: spec("DL3023", "5268d28b1f828b39ffb9052beb03e633f81da398"),
    cases: [
      {
        name: "warn on copying from your the same FROM",
        dockerfile: ["FROM node as foo", "COPY --from=foo bar ."],
        expect: "catches",
      },
      {
        name: "don't warn on copying from other sources",
        dockerfile: [
          "FROM scratch as build",
          "RUN foo",
          "FROM node as run",
          "COPY --from=build foo .",
          "RUN baz",
        ],
        expect: "catchesNot",
      },
    ],
  },
  {
    code: "DL3024",
    source: spec("DL3024", "5268d28b1f828b39ffb9052beb03e633f81da398"),
    cases: [
      {
        name: "warn on duplicate aliases",
        dockerfile: ["FROM node as foo", "RUN something", "FROM scratch as foo", "RUN something"],
        expect: "catches",
      },
      {
        name: "don't warn on unique aliases",
        dockerfile: ["FROM scratch as build", "RUN foo", "FROM node as run", "RUN baz"],
        expect: "catchesNot",
      },
    ],
  },
  {
    code: "DL3025",
    source: spec("DL3025", "9665ab4a4a2bcd203695a468d136982548c55bfc"),
    cases: [
      {
        name: "warn on ENTRYPOINT",
        dockerfile: ["FROM node as foo", "ENTRYPOINT something"],
        expect: "catches",
      },
      {
        name: "don't warn on ENTRYPOINT json notation",
        dockerfile: ["FROM scratch as build", 'ENTRYPOINT ["foo", "bar"]'],
        expect: "catchesNot",
      },
      { name: "warn on CMD", dockerfile: ["FROM node as foo", "CMD something"], expect: "catches" },
      {
        name: "don't warn on CMD json notation",
        dockerfile: ["FROM scratch as build", 'CMD ["foo", "bar"]', 'CMD [ "foo", "bar" ]'],
        expect: "catchesNot",
      },
      {
        name: "don't warn on CMD JSON notation with broken long strings",
        dockerfile: ['CMD [ "/bin/sh", "-c", \\', '      "echo foo && \\', '       echo bar" \\', "    ]"],
        expect: "catchesNot",
      },
    ],
  },
  {
    code: "DL3026",
    source: spec("DL3026", "16e53ec9cc643d4332af5bd5fcbbd3d57c48d417"),
    cases: [
      {
        name: "does not warn on empty allowed registries",
        dockerfile: ["FROM random.com/debian"],
        expect: "catchesNot",
      },
      {
        name: "warn on non-allowed registry",
        dockerfile: ["FROM random.com/debian"],
        expect: "catches",
        config: { trustedRegistries: ["docker.io"] },
      },
      {
        name: "does not warn on allowed registries",
        dockerfile: ["FROM random.com/debian"],
        expect: "catchesNot",
        config: { trustedRegistries: ["x.com", "random.com"] },
      },
      {
        name: "doesn't warn on scratch image",
        dockerfile: ["FROM scratch"],
        expect: "catchesNot",
        config: { trustedRegistries: ["x.com", "random.com"] },
      },
      {
        name: "allows boths all forms of docker.io",
        dockerfile: [
          "FROM ubuntu:18.04 AS builder1",
          "FROM zemanlx/ubuntu:18.04 AS builder2",
          "FROM docker.io/zemanlx/ubuntu:18.04 AS builder3",
        ],
        expect: "catchesNot",
        config: { trustedRegistries: ["docker.io"] },
      },
      {
        name: "allows using previous stages",
        dockerfile: ["FROM random.com/foo AS builder1", "FROM builder1 AS builder2"],
        expect: "catchesNot",
        config: { trustedRegistries: ["random.com"] },
      },
      {
        name: "warn on non-allowed wildcard registry",
        dockerfile: ["FROM x.com/debian"],
        expect: "catches",
        config: { trustedRegistries: ["*.random.com"] },
      },
      {
        name: "does not warn on allowed wildcard registries",
        dockerfile: ["FROM foo.random.com/debian"],
        expect: "catchesNot",
        config: { trustedRegistries: ["x.com", "*.random.com"] },
      },
      {
        name: "does not warn on * registry",
        dockerfile: [
          "FROM ubuntu:18.04 AS builder1",
          "FROM zemanlx/ubuntu:18.04 AS builder2",
          "FROM docker.io/zemanlx/ubuntu:18.04 AS builder3",
        ],
        expect: "catchesNot",
        config: { trustedRegistries: ["*"] },
      },
    ],
  },
  {
    code: "DL3027",
    source: spec("DL3027", "748a7b2e630109ca09413c52b12c8fb1d6615700"),
    cases: [
      {
        name: "apt",
        dockerfile: ["FROM ubuntu", "RUN apt install python"],
        expect: "catches",
        onbuild: "catches",
      },
    ],
  },
  {
    code: "DL3028",
    source: spec("DL3028", "012bb45c254066bb4760325413002cbd8efc834c"),
    cases: [
      { name: "i unpinned", dockerfile: "RUN gem i bundler", expect: "catches", onbuild: "catches" },
      { name: "i pinned", dockerfile: "RUN gem i bundler:1", expect: "catchesNot", onbuild: "catchesNot" },
      {
        name: "i multi (one unpinned)",
        dockerfile: "RUN gem i bunlder:1 nokogiri",
        expect: "catches",
        onbuild: "catches",
      },
      { name: "i multi (pinned)", dockerfile: "RUN gem i bunlder:1 nokogirii:1", expect: "catchesNot" },
      {
        name: "i multi (pinned, onbuild)",
        dockerfile: "RUN gem i bunlder:1 nokogiri:1",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "install unpinned",
        dockerfile: "RUN gem install bundler",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "install pinned",
        dockerfile: "RUN gem install bundler:1",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "does not warn on -v",
        dockerfile: "RUN gem install bundler -v '2.0.1'",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "does not warn on --version without =",
        dockerfile: "RUN gem install bundler --version '2.0.1'",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "does not warn on --version with =",
        dockerfile: "RUN gem install bundler --version='2.0.1'",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "does not warn when using extra flags with equal sign and double dashes",
        dockerfile: "RUN gem install bundler:2.0.1 -- --use-system-libraries=true",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "does not warn when using extra flags with double dashes",
        dockerfile: "RUN gem install bundler:2.0.1 -- --use-system-libraries true",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "does not warn when using extra flags",
        dockerfile: "RUN gem install bundler:2.0.1 --use-system-libraries true",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "does not warn when using extra flags with equal sign",
        dockerfile: "RUN gem install bundler:2.0.1 --use-system-libraries=true",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
    ],
  },
  {
    code: "DL3029",
    source: spec("DL3029", "c8e2f1d4a9d388d9b3fcff2c7a3322864c1eebd0"),
    cases: [
      {
        name: "explicit platform flag",
        dockerfile: "FROM --platform=linux debian:jessie",
        expect: "catches",
      },
      { name: "no platform flag", dockerfile: "FROM debian:jessie", expect: "catchesNot" },
      {
        name: "allows platform $BUILDPLATFORM flag",
        dockerfile: "FROM --platform=$BUILDPLATFORM debian:jessie",
        expect: "catchesNot",
      },
      {
        name: 'allows platform "$BUILDPLATFORM" flag',
        dockerfile: 'FROM --platform="$BUILDPLATFORM" debian:jessie',
        expect: "catchesNot",
      },
      {
        name: "allows platform ${BUILDPLATFORM} flag",
        dockerfile: "FROM --platform=${BUILDPLATFORM} debian:jessie",
        expect: "catchesNot",
      },
      {
        name: "allows platform ${BUILDPLATFORM:-} flag",
        dockerfile: "FROM --platform=${BUILDPLATFORM:-} debian:jessie",
        expect: "catchesNot",
      },
      {
        name: 'allows platform "${BUILDPLATFORM:-}" flag',
        dockerfile: 'FROM --platform="${BUILDPLATFORM:-}" debian:jessie',
        expect: "catchesNot",
      },
      {
        name: "allows platform $TARGETPLATFORM flag",
        dockerfile: "FROM --platform=$TARGETPLATFORM debian:jessie",
        expect: "catchesNot",
      },
    ],
  },
  {
    code: "DL3030",
    source: spec("DL3030", "bf7e48ea735db423a349fb2d7a83fe7a77091cc2"),
    cases: [
      {
        name: "not ok when not using `-y` switch",
        dockerfile: "RUN yum install httpd-2.4.24 && yum clean all",
        expect: "catches",
        onbuild: "catches",
      },
      {
        name: "ok when using `-y` switch",
        dockerfile: "RUN yum install -y httpd-2.4.24 && yum clean all",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
      {
        name: "ok when using `-y` switch (not even a yum command)",
        dockerfile: "RUN bash -c `# not even a yum command`",
        expect: "catchesNot",
        onbuild: "catchesNot",
      },
    ],
  },
];
