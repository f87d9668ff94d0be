/**
 * hadolint's own test cases for DL3032–DL4006 (DL3031 and DL3039 are retired), transcribed from
 * hadolint/hadolint `test/Hadolint/Rule/DLxxxxSpec.hs`, obtained through the search tool. Each spec
 * cites the commit the index stored it at; where the index held several versions of a file the one
 * closest to the rule list in ../shared/data/policy/HADOLINT-RULES.md (hadolint @ 8f936c5e975d) was
 * taken — when the index gave that version without a commit, its stored-file id is cited instead.
 * Helpers as in hadolint's test/Helpers.hs: `yes` = ruleCatches, `no` = ruleCatchesNot, the third
 * argument the onBuildRuleCatches[Not] on the same text; a text hadolint checks only wrapped in
 * ONBUILD is a case of its own. `failsWith n` assertions are in HADOLINT_EXACT_COUNTS. Haskell
 * string escapes carry over to TypeScript as written (`\\`, `\"`, `\n`); string gaps are resolved.
 * SHIPSHAPE_EXTRA_CASES are ours: the semantics of hadolint's current sources for which the stored
 * specs had no case, and our additions (named as such).
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile and shell text, not templates
import type { LintConfig } from "../../../src/dockerfile/config.js";
import type { RuleCase, RuleSpec } from "../rule-cases.js";

type Expect = RuleCase["expect"];
type Text = string | readonly string[];

const at = (code: string, commit: string) =>
  `hadolint/hadolint test/Hadolint/Rule/${code}Spec.hs @ ${commit}`;
const stored = (code: string, id: string) =>
  `hadolint/hadolint test/Hadolint/Rule/${code}Spec.hs (stored-file id ${id}, commit not given by the index)`;

const C414 = "414149198b165579040845825a3cd5377e48e763";
const CBF7 = "bf7e48ea735db423a349fb2d7a83fe7a77091cc2";

function make(
  expect: Expect,
  name: string,
  dockerfile: Text,
  onbuild?: Expect,
  config?: LintConfig,
): RuleCase {
  return { name, dockerfile, expect, ...(onbuild ? { onbuild } : {}), ...(config ? { config } : {}) };
}
const yes = (name: string, dockerfile: Text, onbuild?: Expect) => make("catches", name, dockerfile, onbuild);
const no = (name: string, dockerfile: Text, onbuild?: Expect) =>
  make("catchesNot", name, dockerfile, onbuild);
/** Cases sharing one configuration (hadolint's `let ?config = …`). */
const withConfig = (config: LintConfig, cases: readonly RuleCase[]): RuleCase[] =>
  cases.map((c) => ({ ...c, config }));
const schema = (labels: Record<string, string>): LintConfig => ({ "label-schema": labels }) as LintConfig;

export const HADOLINT_DL3031_DL4006: readonly RuleSpec[] = [
  {
    code: "DL3032",
    source: at("DL3032", "a7bbd3dc76a4d9c3da6150052c325d7fd0271d00"),
    cases: [
      yes("not ok with no clean all", "RUN yum install -y mariadb-10.4", "catches"),
      no("ok with yum clean all", "RUN yum install -y mariadb-10.4 && yum clean all", "catchesNot"),
      no("ok with yum clean all (not a yum command)", "RUN bash -c `# not even a yum command`", "catchesNot"),
      no(
        "ok with rm -rf /var/cache/yum/*",
        "RUN yum install -y mariadb-10.4 && rm -rf /var/cache/yum/*",
        "catchesNot",
      ),
    ],
  },
  {
    code: "DL3033",
    source: at("DL3033", "3c165ba973ebb6807d94ee6da7f3a18eae9e837d"),
    cases: [
      yes("not ok without yum version pinning", "RUN yum install -y tomcat && yum clean all", "catches"),
      no("ok with yum version pinning", "RUN yum install -y tomcat-9.2 && yum clean all", "catchesNot"),
      no(
        "ok with yum version pinning (not a yum command)",
        "RUN bash -c `# not even a yum command`",
        "catchesNot",
      ),
      no(
        "ok with yum version pinning - version contains epoch",
        "RUN yum install -y openssl-1:1.1.1k",
        "catchesNot",
      ),
      no(
        "ok with yum version pinning - package name contains `-`",
        "RUN yum install -y rpm-sign-4.16.1.3",
        "catchesNot",
      ),
      no(
        "ok with yum version pinning - package name contains `-` and `+`",
        "RUN yum install -y gcc-c++-1.1.1",
        "catchesNot",
      ),
      yes(
        "not ok without yum version pinning - modules",
        "RUN yum module install -y tomcat && yum clean all",
        "catches",
      ),
      no(
        "ok with yum version pinning - modules",
        "RUN yum module install -y tomcat:9 && yum clean all",
        "catchesNot",
      ),
      no(
        "ok with yum version pinning via shell variable 1",
        'RUN yum install -y "git-core-${GIT_VER}" && yum clean all',
        "catchesNot",
      ),
      no(
        "ok with yum version pinning via shell variable 2",
        'RUN yum install -y "which-${WHICH_VERSION}" && yum clean all',
      ),
      no(
        "ok with yum version pinning via shell variable 3",
        'RUN yum install -y "rpm-sign-${VERSION}" && yum clean all',
      ),
      no(
        "ok with yum version pinning via shell variable 4",
        "RUN yum install -y tomcat-$VERSION && yum clean all",
      ),
    ],
  },
  {
    code: "DL3034",
    source: at("DL3034", CBF7),
    cases: [
      yes(
        "not ok without non-interactive switch",
        "RUN zypper install httpd=2.4.24 && zypper clean",
        "catches",
      ),
      no(
        "ok with non-interactive switch present: -n",
        "RUN zypper install -n httpd=2.4.24 && zypper clean",
        "catchesNot",
      ),
      no(
        "ok with non-interactive switch present: --non-interactive",
        "RUN zypper install --non-interactive httpd=2.4.24 && zypper clean",
        "catchesNot",
      ),
      no(
        "ok with non-interactive switch present: -y",
        "RUN zypper install -y httpd=2.4.24 && zypper clean",
        "catchesNot",
      ),
      no(
        "ok with non-interactive switch present: --no-confirm",
        "RUN zypper install --no-confirm httpd=2.4.24 && zypper clean",
        "catchesNot",
      ),
    ],
  },
  {
    code: "DL3035",
    source: at("DL3035", C414),
    cases: [
      yes("not ok: zypper dist-upgrade", "RUN zypper dist-upgrade", "catches"),
      yes("not ok: zypper dup", "RUN zypper dup", "catches"),
    ],
  },
  {
    code: "DL3036",
    source: at("DL3036", CBF7),
    cases: [
      yes("not ok without zypper clean", "RUN zypper install -y mariadb=10.4", "catches"),
      no("ok with zypper clean", "RUN zypper install -y mariadb=10.4 && zypper clean", "catchesNot"),
      no("ok with zypper cc", "RUN zypper install -y mariadb=10.4 && zypper cc", "catchesNot"),
    ],
  },
  {
    code: "DL3037",
    source: at("DL3037", C414),
    cases: [
      yes("not ok without zypper version pinning", "RUN zypper install -y tomcat && zypper clean", "catches"),
      no(
        "ok with zypper version pinning: =",
        "RUN zypper install -y tomcat=9.0.39 && zypper clean",
        "catchesNot",
      ),
      no(
        "ok with zypper version pinning: >=",
        "RUN zypper install -y tomcat\\>=9.0 && zypper clean",
        "catchesNot",
      ),
      no(
        "ok with zypper version pinning: >",
        "RUN zypper install -y tomcat\\>9.0 && zypper clean",
        "catchesNot",
      ),
      no(
        "ok with zypper version pinning: <=",
        "RUN zypper install -y tomcat\\<=9.0 && zypper clean",
        "catchesNot",
      ),
      no(
        "ok with zypper version pinning: <",
        "RUN zypper install -y tomcat\\<9.0 && zypper clean",
        "catchesNot",
      ),
      no(
        "ok with zypper version pinning: rpm",
        "RUN zypper install -y tomcat-9.0.39-1.rpm && zypper clean",
        "catchesNot",
      ),
    ],
  },
  {
    code: "DL3038",
    source: at("DL3038", "a1240984f461c8cbd5e0c32c2edff1071106eb18"),
    cases: [
      yes(
        "not ok without dnf non-interactive flag",
        "RUN dnf install httpd-2.4.24 && dnf clean all",
        "catches",
      ),
      yes(
        "not ok without microdnf non-interactive flag",
        "RUN microdnf install httpd-2.4.24 && microdnf clean all",
        "catches",
      ),
      no(
        "ok with dnf non-interactive flag",
        "RUN dnf install -y httpd-2.4.24 && dnf clean all",
        "catchesNot",
      ),
      no(
        "ok with microdnf non-interactive flag",
        "RUN microdnf install -y httpd-2.4.24 && microdnf clean all",
        "catchesNot",
      ),
      no("ok with dnf non-interactive flag (notdnf)", "RUN notdnf install httpd", "catchesNot"),
    ],
  },
  {
    code: "DL3040",
    source: stored("DL3040", "51855299618"),
    cases: [
      yes("no ok without dnf clean all: dnf", "RUN dnf install -y mariadb-10.4", "catches"),
      yes("no ok without dnf clean all: microdnf", "RUN microdnf install -y mariadb-10.4", "catches"),
      yes("no ok without dnf clean all: dnf in", "RUN dnf in -y mariadb-10.4", "catches"),
      yes(
        "no ok without dnf clean all: microdnf clean after dnf (onbuild)",
        "RUN dnf install -y mariadb-10.4 && microdnf clean all",
        "catches",
      ),
      no("ok with dnf clean all", "RUN dnf install -y mariadb-10.4 && dnf clean all", "catchesNot"),
      no("ok with dnf clean all: dnf in", "RUN dnf in -y mariadb-10.4 && dnf clean all"),
      no(
        "ok with dnf clean all: microdnf",
        "RUN microdnf install -y mariadb-10.4 && microdnf clean all",
        "catchesNot",
      ),
      no("ok with dnf clean all: notdnf", "RUN notdnf install mariadb", "catchesNot"),
      no(
        "ok with rm /var/cache/yum: dnf",
        "RUN dnf install -y mariadb-10.4 && rm -rf /var/cache/yum/*",
        "catchesNot",
      ),
      no(
        "ok with rm /var/cache/yum: dnf in",
        "RUN dnf in -y mariadb-10.4 && rm -rf /var/cache/yum/*",
        "catchesNot",
      ),
      no(
        "ok with rm /var/cache/yum: microdnf",
        "RUN microdnf install -y mariadb-10.4 && rm -rf /var/cache/yum/*",
        "catchesNot",
      ),
      yes(
        "not ok with clean before install: microdnf clean, dnf install",
        "RUN microdnf clean all && dnf install -y mariadb-10.4",
      ),
      yes(
        "not ok with clean before install: microdnf clean, dnf in",
        "RUN microdnf clean all && dnf in -y mariadb-10.4",
      ),
      yes(
        "not ok with clean before install: rm, dnf install",
        "RUN rm -rf /var/cache/libdnf5 && dnf install -y mariadb-10.4",
        "catches",
      ),
      yes(
        "not ok with clean before install: rm, dnf in",
        "RUN rm -rf /var/cache/libdnf5 && dnf in -y mariadb-10.4",
        "catches",
      ),
      yes(
        "not ok with clean before install: rm, microdnf install",
        "RUN rm -rf /var/cache/libdnf5 && microdnf install -y mariadb-10.4",
        "catches",
      ),
      no(
        "ok with cache mount: dnf install",
        "RUN --mount=type=cache,target=/var/cache/libdnf5 dnf install -y mariadb-10.4",
        "catchesNot",
      ),
      no(
        "ok with cache mount: dnf in",
        "RUN --mount=type=cache,target=/var/cache/libdnf5 dnf in -y mariadb-10.4",
        "catchesNot",
      ),
      no(
        "ok with cache mount: microdnf install",
        "RUN --mount=type=cache,target=/var/cache/libdnf5 microdnf install -y mariadb-10.4",
        "catchesNot",
      ),
      no(
        "ok with tmpfs mount: dnf install",
        "RUN --mount=type=tmpfs,target=/var/cache/libdnf5 dnf install -y mariadb-10.4",
        "catchesNot",
      ),
      no(
        "ok with tmpfs mount: dnf in",
        "RUN --mount=type=tmpfs,target=/var/cache/libdnf5 dnf in -y mariadb-10.4",
        "catchesNot",
      ),
      no(
        "ok with tmpfs mount: microdnf install",
        "RUN --mount=type=tmpfs,target=/var/cache/libdnf5 microdnf install -y mariadb-10.4",
        "catchesNot",
      ),
      yes("not ok with `dnf upgrade`", "RUN dnf -y upgrade", "catches"),
      yes("not ok with `dnf up`", "RUN dnf -y up", "catches"),
      yes("different install command variants: install", "RUN dnf -y install"),
      yes("different install command variants: in", "RUN dnf -y in"),
      yes("different install command variants: upgrade-minimal", "RUN dnf -y upgrade-minimal"),
      yes("different install command variants: up-min", "RUN dnf -y up-min"),
      yes("different install command variants: reinstall", "RUN dnf -y reinstall"),
      yes("different install command variants: rei", "RUN dnf -y rei"),
      no("different install command variants: install && clean", "RUN dnf -y install && dnf clean all"),
      no("different install command variants: in && clean", "RUN dnf -y in && dnf clean all"),
      no("different install command variants: upgrade && clean", "RUN dnf -y upgrade && dnf clean all"),
      no("different install command variants: up && clean", "RUN dnf -y up && dnf clean all"),
      no(
        "different install command variants: upgrade-minimal && clean",
        "RUN dnf -y upgrade-minimal && dnf clean all",
      ),
      no("different install command variants: up-min && clean", "RUN dnf -y up-min && dnf clean all"),
      no("different install command variants: reinstall && clean", "RUN dnf -y reinstall && dnf clean all"),
      no("different install command variants: rei && clean", "RUN dnf -y rei && dnf clean all"),
    ],
  },
  {
    code: "DL3041",
    source: stored("DL3041", "25438740592"),
    cases: [
      yes("not ok without dnf version pinning", "RUN dnf install -y tomcat && dnf clean all", "catches"),
      yes(
        "not ok without dnf version pinning: microdnf",
        "RUN microdnf install -y tomcat && microdnf clean all",
      ),
      yes(
        "not ok without dnf version pinning - package name with `-`",
        "RUN dnf install -y rpm-sign && dnf clean all",
        "catches",
      ),
      yes(
        "not ok without dnf version pinning - package name with `-`: microdnf",
        "RUN microdnf install -y rpm-sign && microdnf clean all",
      ),
      no("ok with dnf version pinning", "RUN dnf install -y tomcat-9.0.1 && dnf clean all", "catchesNot"),
      no(
        "ok with dnf version pinning: microdnf",
        "RUN microdnf install -y tomcat-9.0.1 && microdnf clean all",
        "catchesNot",
      ),
      no(
        "ok with version pinning if command is not `dnf` or `microdnf`",
        "RUN notdnf install openssl-1:1.1.1k",
        "catchesNot",
      ),
      no(
        "ok without version pinning if command is not `dnf` or `microdnf`",
        "RUN notdnf install tomcat",
        "catchesNot",
      ),
      no(
        "ok with dnf version pinning - package name with `-`",
        "RUN dnf install -y rpm-sign-4.16.1.3 && dnf clean all",
        "catchesNot",
      ),
      no(
        "ok with dnf version pinning - package name with `-`: microdnf",
        "RUN microdnf install -y rpm-sign-4.16.1.3 && microdnf clean all",
        "catchesNot",
      ),
      no(
        "ok with dnf version pinning - package version with epoch",
        "RUN dnf install -y openssl-1:1.1.1k",
        "catchesNot",
      ),
      no(
        "ok with dnf version pinning - package version with epoch: microdnf",
        "RUN microdnf install -y openssl-1:1.1.1k",
        "catchesNot",
      ),
      yes(
        "not ok without dnf version pinning - modules",
        "RUN dnf module install -y tomcat && dnf clean all",
        "catches",
      ),
      yes(
        "not ok without dnf version pinning - modules: microdnf",
        "RUN microdnf module install -y tomcat && microdnf clean all",
      ),
      no(
        "ok with dnf version pinning - modules",
        "RUN dnf module install -y tomcat:9 && dnf clean all",
        "catchesNot",
      ),
      no(
        "ok with dnf version pinning - modules: microdnf",
        "RUN microdnf module install -y tomcat:9 && microdnf clean all",
        "catchesNot",
      ),
      no("ok with dnf version pinning - modules: notdnf", "RUN notdnf module install tomcat", "catchesNot"),
    ],
  },
  {
    code: "DL3042",
    source: stored("DL3042", "10616615728"),
    cases: [
      yes("pip2 --no-cache-dir not used", "RUN pip2 install MySQL_python", "catches"),
      yes("pip3 --no-cache-dir not used", "RUN pip3 install MySQL_python", "catches"),
      yes("pip --no-cache-dir not used", "RUN pip install MySQL_python", "catches"),
      no("pip2 --no-cache-dir used", "RUN pip2 install MySQL_python --no-cache-dir", "catchesNot"),
      no("pip3 --no-cache-dir used", "RUN pip3 install --no-cache-dir MySQL_python", "catchesNot"),
      no("pip --no-cache-dir used", "RUN pip install MySQL_python --no-cache-dir", "catchesNot"),
      no("don't match on pipx", "RUN pipx install software"),
      no("don't match on pipx (onbuild text)", "Run pipx install software", "catchesNot"),
      no("don't match on pipenv", "RUN pipenv install library", "catchesNot"),
      ...["1", "on", "yes", "true"].flatMap((v) => [
        no(`respect ENV PIP_NO_CACHE_DIR=${v}`, `ENV PIP_NO_CACHE_DIR=${v}\nRUN pip install MySQL_python`),
        no(`respect RUN PIP_NO_CACHE_DIR=${v}`, `RUN PIP_NO_CACHE_DIR=${v} pip install MySQL_python`),
        no(
          `respect RUN export PIP_NO_CACHE_DIR=${v}`,
          `RUN export PIP_NO_CACHE_DIR=${v} && pip install MySQL_python`,
        ),
      ]),
      ...["0", "off", "no", "false"].flatMap((v) => [
        yes(`respect ENV PIP_NO_CACHE_DIR=${v}`, `ENV PIP_NO_CACHE_DIR=${v}\nRUN pip install MySQL_python`),
        yes(`respect RUN PIP_NO_CACHE_DIR=${v}`, `RUN PIP_NO_CACHE_DIR=${v} pip install MySQL_python`),
        yes(
          `respect RUN export PIP_NO_CACHE_DIR=${v}`,
          `RUN export PIP_NO_CACHE_DIR=${v} && pip install MySQL_python`,
        ),
      ]),
      no("don't trigger if PIP_NO_CACHE_DIR is inherited", [
        "FROM debian:buster as base",
        "ENV PIP_NO_CACHE_DIR=1",
        "FROM base",
        "RUN pip install six",
      ]),
      yes("trigger if PIP_NO_CACHE_DIR is not inherited", [
        "FROM debian:buster as base",
        "ENV PIP_NO_CACHE_DIR=1",
        "FROM debian:buster",
        "RUN pip install six",
      ]),
    ],
  },
  {
    code: "DL3043",
    source: at("DL3043", C414),
    cases: [
      yes("error when using `ONBUILD` within `ONBUILD`", ["ONBUILD ONBUILD RUN anything"]),
      yes("error when using `FROM` within `ONBUILD`", ["ONBUILD FROM debian:buster"]),
      yes("error when using `MAINTAINER` within `ONBUILD`", ['ONBUILD MAINTAINER "BoJack Horseman"']),
      no("ok with `ADD`", "ONBUILD ADD anything anywhere"),
      no("ok with `USER`", "ONBUILD USER anything"),
      no("ok with `LABEL`", 'ONBUILD LABEL bla="blubb"'),
      no("ok with `STOPSIGNAL`", "ONBUILD STOPSIGNAL anything"),
      no("ok with `COPY`", "ONBUILD COPY anything anywhere"),
      no("ok with `RUN`", "ONBUILD RUN anything"),
      no("ok with `CMD`", "ONBUILD CMD anything"),
      no("ok with `SHELL`", "ONBUILD SHELL anything"),
      no("ok with `WORKDIR`", "ONBUILD WORKDIR anything"),
      no("ok with `EXPOSE`", "ONBUILD EXPOSE 69"),
      no("ok with `VOLUME`", "ONBUILD VOLUME anything"),
      no("ok with `ENTRYPOINT`", "ONBUILD ENTRYPOINT anything"),
      no("ok with `ENV`", 'ONBUILD ENV MYVAR="bla"'),
      no("ok with `ARG`", "ONBUILD ARG anything"),
      no("ok with `HEALTHCHECK`", "ONBUILD HEALTHCHECK NONE"),
      no("ok with `FROM` outside of `ONBUILD`", "FROM debian:buster"),
      no("ok with `MAINTAINER` outside of `ONBUILD`", 'MAINTAINER "Some Guy"'),
    ],
  },
  {
    code: "DL3044",
    source: at("DL3044", C414),
    cases: [
      no("ok with normal ENV", 'ENV BLA="blubb"\nENV BLUBB="${BLA}/blubb"'),
      no("ok with partial match 1", 'ENV BLA="blubb" BLUBB="${FOOBLA}/blubb"'),
      no("ok with partial match 2", 'ENV BLA="blubb" BLUBB="${BLAFOO}/blubb"'),
      no("ok with partial match 3", 'ENV BLA="blubb" BLUBB="$FOOBLA/blubb"'),
      no("ok with partial match 4", 'ENV BLA="blubb" BLUBB="$BLAFOO/blubb"'),
      yes("fail with partial match 5", 'ENV BLA="blubb" BLUBB="$BLA/$BLAFOO/blubb"'),
      no("ok with parial match 6", 'ENV BLA="blubb" BLUBB="BLA/$BLAFOO/BLA"'),
      no("ok when previously defined in `ARG`", "ARG BLA\nENV BLA=${BLA}"),
      no("ok when previously defined in `ENV`", "ENV BLA blubb\nENV BLA=${BLA}"),
      no("ok with referencing a variable on its own right hand side", "ENV PATH=/bla:${PATH}"),
      no(
        "ok with referencing a variable on its own right side twice in different `ENV`s",
        "ENV PATH=/bla:${PATH}\nENV PATH=/blubb:${PATH}",
      ),
      yes(
        "fail when referencing a variable on its own right side twice within the same `ENV`",
        "ENV PATH=/bla:${PATH} PATH=/blubb:${PATH}",
      ),
      yes("fail with selfreferencing with curly braces ENV", 'ENV BLA="blubb" BLUBB="${BLA}/blubb"'),
      yes("fail with selfreferencing without curly braces ENV", 'ENV BLA="blubb" BLUBB="$BLA/blubb"'),
      yes("fail with full match 1", 'ENV BLA="blubb" BLUBB="$BLA"'),
      yes("fail with full match 2", 'ENV BLA="blubb" BLUBB="${BLA}"'),
    ],
  },
  {
    code: "DL3045",
    source: at("DL3045", C414),
    cases: [
      no(
        "ok: `COPY` with absolute destination and no `WORKDIR` set",
        "COPY bla.sh /usr/local/bin/blubb.sh",
        "catchesNot",
      ),
      no("ok: absolute destination with quotes", 'COPY bla.sh "/usr/local/bin/blubb.s"'),
      no(
        "ok: absolute destination with quotes (onbuild text)",
        'COPY bla.sh "/usr/local/bin/blubb.sh"',
        "catchesNot",
      ),
      no("ok: absolute destination - windows", "COPY bla.sh c:\\system32\\blubb.sh"),
      no(
        "ok: absolute destination - windows (onbuild text)",
        "COPY bla.sh d:\\mypath\\blubb.sh",
        "catchesNot",
      ),
      no("ok: absolute destination - windows with quotes", 'COPY bla.sh "c:\\system32\\blubb.sh"'),
      no(
        "ok: absolute destination - windows with quotes (onbuild text)",
        'COPY bla.sh "d:\\mypath\\blubb.sh"',
        "catchesNot",
      ),
      no("ok: absolute destination - windows with alternative paths", "COPY bla.sh c:/system32/blubb.sh"),
      no(
        "ok: absolute destination - windows alternative (onbuild text)",
        "COPY bla.sh d:/mypath/blubb.sh",
        "catchesNot",
      ),
      // hadolint's onBuild line here names the code "FROM scratch\nDL3045" (a typo): it checks nothing.
      no(
        "ok: `COPY` with relative destination and `WORKDIR` set",
        "FROM scratch\nWORKDIR /usr\nCOPY bla.sh blubb.sh",
      ),
      no(
        "ok: `COPY` with relative destination and `WORKDIR` set - windows",
        "FROM scratch\nWORKDIR c:\\system32\nCOPY bla.sh blubb.sh",
        "catchesNot",
      ),
      no("ok: destination being an environment variable 1", "COPY src.sh ${SRC_BASE_ENV}", "catchesNot"),
      no("ok: destination being an environment variable 2", "COPY src.sh $SRC_BASE_ENV", "catchesNot"),
      no("ok: destination being an environment variable 3", 'COPY src.sh "${SRC_BASE_ENV}"', "catchesNot"),
      no("ok: destination being an environment variable 4", 'COPY src.sh "$SRC_BASE_ENV"', "catchesNot"),
      yes("not ok: `COPY` with relative destination and no `WORKDIR` set", "COPY bla.sh blubb.sh", "catches"),
      yes(
        "not ok: relative destination and no `WORKDIR` set with quotes",
        'COPY bla.sh "blubb.sh"',
        "catches",
      ),
      yes(
        "not ok: `WORKDIR` set in a previous stage but not inherited",
        ["FROM debian:buster as stage1", "WORKDIR /usr", "FROM debian:buster", "COPY foo bar"],
        "catches",
      ),
      yes(
        "not ok: `WORKDIR` set in a previous stage but not inherited - windows",
        [
          "FROM microsoft/windowsservercore as stage1",
          "WORKDIR c:\\system32",
          "FROM microsoft/windowsservercore",
          "COPY foo bar",
        ],
        "catches",
      ),
      no(
        "ok: `WORKDIR` has been set in base image",
        [
          "FROM debian:buster as base",
          "WORKDIR /usr",
          "FROM debian:buster as stage-inbetween",
          "RUN foo",
          "FROM base",
          "COPY foo bar",
        ],
        "catchesNot",
      ),
      no(
        "ok: `WORKDIR` has been set in base image - windows",
        [
          "FROM microsoft/windowsservercore as base",
          "WORKDIR c:\\system32",
          "FROM microsoft/windowsservercore as stage-inbetween",
          "RUN foo",
          "FROM base",
          "COPY foo bar",
        ],
        "catchesNot",
      ),
      no(
        "ok: `WORKDIR` has been set in previous stage, deep case",
        [
          "FROM debian:buster as base1",
          "WORKDIR /usr",
          "FROM base1 as base2",
          "RUN foo",
          "FROM base2",
          "COPY foo bar",
        ],
        "catchesNot",
      ),
      no(
        "ok: `WORKDIR` has been set in previous stage, deep case - windows",
        [
          "FROM microsoft/windowsservercore as base1",
          "WORKDIR c:\\system32",
          "FROM base1 as base2",
          "RUN foo",
          "FROM base2",
          "COPY foo bar",
        ],
        "catchesNot",
      ),
      no(
        "ok: `WORKDIR` set, both within an `ONBUILD` context",
        ["FROM debian:buster", "ONBUILD WORKDIR /usr/local/lib", "ONBUILD COPY foo bar"],
        "catchesNot",
      ),
      yes("regression: don't crash with single character paths", "COPY a b", "catches"),
    ],
  },
  {
    code: "DL3046",
    source: at("DL3046", C414),
    cases: [
      no("ok with `useradd` alone", "RUN useradd luser"),
      no("ok with `useradd` short uid", "RUN useradd -u 12345 luser"),
      no("ok with `useradd` long uid and flag `-l`", "RUN useradd -l -u 123456 luser"),
      no("ok with `useradd` and just flag `-l`", "RUN useradd -l luser"),
      yes("warn when `useradd` and long uid without flag `-l`", "RUN useradd -u 123456 luser"),
    ],
  },
  {
    code: "DL3047",
    source: at("DL3047", "75b7c0c18878ae4ba603aa0f368d15ecab1eb932"),
    cases: [
      yes(
        "warns when using wget without --progress option",
        ["FROM node as foo", "RUN wget my.xyz"],
        "catches",
      ),
      ...[
        ["--progress option", "--progress=dot:giga"],
        ["-q (quiet short option)", "-q"],
        ["--quiet (quiet long option)", "--quiet"],
        ["-nv (no-verbose short option)", "-nv"],
        ["--no-verbose (no-verbose long option)", "--no-verbose"],
        ["--output-file (output-file long option)", "--output-file=/tmp/wget.log"],
        ["-o (output-file long option)", "-o /tmp/wget.log"],
        ["--append-output (append-output long option)", "--append-output=/tmp/wget.log"],
        ["-a (append-output long option)", "-a /tmp/wget.log"],
      ].map(([what, flag]) =>
        no(
          `does not warn when running with ${what}`,
          ["FROM node as foo", `RUN wget ${flag} my.xyz`],
          "catchesNot",
        ),
      ),
    ],
  },
  {
    code: "DL3048",
    source: at("DL3048", C414),
    cases: [
      yes("not ok with reserved namespace com.docker", 'LABEL com.docker.label="foo"', "catches"),
      yes("not ok with reserved namespace io.docker", 'LABEL io.docker.label="foo"', "catches"),
      yes(
        "not ok with reserved namespace org.dockerproject",
        'LABEL org.dockerproject.label="foo"',
        "catches",
      ),
      yes("not ok with invalid character", 'LABEL invalid$character="foo"', "catches"),
      yes("not ok with invalid start character .", 'LABEL .invalid ="foo"'),
      yes("not ok with invalid start character -", 'LABEL -invalid ="foo"'),
      yes("not ok with invalid start character 1", 'LABEL 1invalid ="foo"'),
      yes("not ok with invalid start character . (onbuild text)", 'LABEL .invalid="foo"', "catches"),
      yes("not ok with invalid start character - (onbuild text)", 'LABEL -invalid="foo"', "catches"),
      yes("not ok with invalid start character 1 (onbuild text)", 'LABEL 1invalid="foo"', "catches"),
      yes("not ok with consecutive dividers ..", 'LABEL invalid..character="foo"', "catches"),
      yes("not ok with consecutive dividers --", 'LABEL invalid--character="foo"', "catches"),
      no("ok with valid labels", 'LABEL org.valid-key.label3="foo"', "catchesNot"),
      no("ok with valid labels 2", 'LABEL validlabel="foo"', "catchesNot"),
    ],
  },
  {
    code: "DL3049",
    source: at("DL3049", "70e5f1fdf1046fb61b7c6f2740931e33e3055513"),
    cases: withConfig(schema({ foo: "text" }), [
      yes("not ok: single stage, no label", "FROM baseimage", "catches"),
      yes("not ok: single stage, wrong label", 'FROM baseimage\nLABEL bar="baz"', "catches"),
      no("ok: single stage, label present", 'FROM baseimage\nLABEL foo="bar"', "catchesNot"),
    ]),
  },
  {
    code: "DL3050",
    source: at("DL3050", C414),
    cases: withConfig({ "label-schema": { required: "text" }, "strict-labels": true }, [
      no("ok with no label", "", "catchesNot"),
      no("ok with required label", 'LABEL required="foo"'),
      no("ok with required label (onbuild text)", 'LABEL required="bar"', "catchesNot"),
      yes("not ok with just other label", 'LABEL other="bar"', "catches"),
      yes("not ok with other label and required label", 'LABEL required="foo" other="bar"', "catches"),
    ]),
  },
  {
    code: "DL3051",
    source: at("DL3051", C414),
    cases: withConfig(schema({ emptylabel: "text" }), [
      yes("not ok with label empty", 'LABEL emptylabel=""', "catches"),
      no("ok with label not empty", 'LABEL emptylabel="foo"'),
      no("ok with label not empty (onbuild text)", 'LABEL emptylabel="bar"', "catchesNot"),
      no("ok with other label empty", 'LABEL other=""', "catchesNot"),
    ]),
  },
  {
    code: "DL3052",
    source: at("DL3052", C414),
    cases: withConfig(schema({ urllabel: "url" }), [
      yes("not ok with label not containing URL", 'LABEL urllabel="not-url"', "catches"),
      no("ok with label containing URL", 'LABEL urllabel="http://example.com"', "catchesNot"),
      no("ok with other label not containing URL", 'LABEL other="foo"'),
      no("ok with other label not containing URL (onbuild text)", 'LABEL other="bar"', "catchesNot"),
    ]),
  },
  {
    code: "DL3053",
    source: at("DL3053", "7c54238e20ab404201b8968a6d439be3f3e5c681"),
    cases: withConfig(schema({ datelabel: "rfc3339" }), [
      yes("not ok with label not containing RFC3339 date", 'LABEL datelabel="not-date"', "catches"),
      no(
        "ok with label containing RFC3339 date",
        'LABEL datelabel="2021-03-10T10:26:33.564595127+01:00"',
        "catchesNot",
      ),
      no("ok with other label not containing RFC3339 date", 'LABEL other="doo"'),
      no("ok with other label not containing RFC3339 date (onbuild text)", 'LABEL other="bar"', "catchesNot"),
    ]),
  },
  {
    code: "DL3054",
    source: at("DL3054", C414),
    cases: withConfig(schema({ spdxlabel: "spdx" }), [
      yes("not ok with label not containing SPDX identifier", 'LABEL spdxlabel="not-spdx"', "catches"),
      no("ok with label containing SPDX identifier", 'LABEL spdxlabel="BSD-3-Clause"'),
      no("ok with label containing SPDX identifier (onbuild text)", 'LABEL spdxlabel="MIT"', "catchesNot"),
      no("ok with other label not containing SPDX identifier", 'LABEL other="fooo"'),
      no(
        "ok with other label not containing SPDX identifier (onbuild text)",
        'LABEL other="bar"',
        "catchesNot",
      ),
    ]),
  },
  {
    code: "DL3055",
    source: at("DL3055", C414),
    cases: withConfig(schema({ githash: "hash" }), [
      yes("not ok with label not containing git hash", 'LABEL githash="not-git-hash"', "catches"),
      no("ok with label containing short git hash", 'LABEL githash="2dbfae9"', "catchesNot"),
      no(
        "ok with label containing long git hash",
        'LABEL githash="43c572f1272b6b3171dd1db9e41b7027128ce080"',
        "catchesNot",
      ),
      no("ok with other label not containing git hash", 'LABEL other="foo"'),
      no("ok with other label not containing git hash (onbuild text)", 'LABEL other="bar"', "catchesNot"),
    ]),
  },
  {
    code: "DL3056",
    source: at("DL3056", C414),
    cases: withConfig(schema({ semver: "semver" }), [
      yes("not ok with label not containing semantic version", 'LABEL semver="not-sem-ver"', "catches"),
      no("ok with label containing semantic version", 'LABEL semver="1.0.0"'),
      no(
        "ok with label containing semantic version (onbuild text)",
        'LABEL semver="2.0.1-rc1"',
        "catchesNot",
      ),
      no("ok with other label not containing semantic version", 'LABEL other="foo"'),
      no(
        "ok with other label not containing semantic version (onbuild text)",
        'LABEL other="bar"',
        "catchesNot",
      ),
    ]),
  },
  {
    code: "DL3057",
    source: at("DL3057", "be6658f1a3a4f5f02d04f990e69fb28680491b71"),
    cases: [
      yes("warn with no HEALTHCHECK instructions", ["FROM scratch"]),
      no("ok when HEALTHCHECK is explicitly disabled", ["FROM scratch", "HEALTHCHECK NONE"]),
      no("ok with one HEALTHCHECK instruction", ["FROM scratch", "HEALTHCHECK CMD /bin/bla"]),
      no("ok with inheriting HEALTHCHECK instruction", [
        "FROM scratch AS base",
        "HEALTHCHECK CMD /bin/bla",
        "FROM base",
      ]),
      no("ok with ending inheritance chain with HEALTCHECK", [
        "FROM scratch AS base1",
        "FROM base1 AS base2",
        "FROM base2 AS base3",
        "FROM base3 AS end",
        "HEALTHCHECK NONE",
      ]),
      yes("warn when inheritance chain bifurcates", [
        "FROM scratch AS base1",
        "FROM base1 AS base2",
        "FROM base2 AS base3.1",
        "FROM base2 AS base3.2",
        "",
        "FROM base3.1 AS end1",
        "HEALTHCHECK NONE",
        "",
        "FROM base3.2 AS end2",
      ]),
      yes("warn when not inheriting with no HEALTHCHECK instruction", [
        "FROM scratch AS base",
        "HEALTHCHECK CMD /bin/bla",
        "FROM scratch",
      ]),
    ],
  },
  {
    code: "DL3058",
    source: at("DL3058", "7c54238e20ab404201b8968a6d439be3f3e5c681"),
    cases: withConfig(schema({ maintainer: "email" }), [
      yes("not ok with label not containing valid email", 'LABEL maintainer="not-email"', "catches"),
      no("ok with label containing valid email", 'LABEL maintainer="abcd@google.com"', "catchesNot"),
      no("ok with other label not containing valid email", 'LABEL other="doo"'),
      no("ok with other label not containing valid email (onbuild text)", 'LABEL other="bar"', "catchesNot"),
    ]),
  },
  {
    code: "DL3059",
    source: at("DL3059", C414),
    cases: [
      no("ok with no `RUN` at all", "FROM debian:10"),
      no("ok with one `RUN`", "RUN /foo.sh"),
      no("ok with two not consecutive `RUN`", "RUN /foo.sh\nWORKDIR /\nRUN /bar.sh"),
      yes("not ok with two consecutive `RUN`s", "RUN /foo.sh\nRUN /bar.sh"),
      yes("not ok with two `RUN`s separated by a comment", "RUN /foo.sh\n# a comment\nRUN /bar.sh"),
      yes(
        "not ok with two `RUN`s separated by two comment",
        "RUN /foo.sh\n# a comment\n# another comment\nRUN /bar.sh",
      ),
      no("ok with one `RUN` after a comment", "# a comment\nRUN /foo.sh"),
      no(
        "ok with two consecutive `RUN`s when flags are different 1",
        "RUN --mount=type=secret,id=foo /foo.sh\nRUN /bar.sh",
      ),
      no("ok with two consecutive `RUN`s when flags are different 2", [
        "RUN --mount=type=secret,id=foo /foo.sh",
        "RUN --mount=type=secret,id=bar /bar.sh",
      ]),
      yes("not ok with two consecutive `RUN`s when flags are equal", [
        "RUN --mount=type=secret,id=foo /foo.sh",
        "RUN --mount=type=secret,id=foo /bar.sh",
      ]),
      no("ok with two consecutive `RUN`s when commands are chained 1", ["RUN foo && bar", "RUN foobar"]),
      no("ok with two consecutive `RUN`s when commands are chained 2", ["RUN foo; bar", "RUN foobar"]),
      no("ok with two consecutive `RUN`s when commands are chained 3", ["RUN foobar", "RUN foo && bar"]),
      no("ok with two consecutive `RUN`s when commands are chained 4", ["RUN foobar", "RUN foo; bar"]),
      no("ok with two consecutive `RUN`s when commands are chained 5", ["RUN foo && bar", "RUN foo; bar"]),
      yes("not ok when more than one `RUN` has just one command in a row", [
        "RUN foo && bar",
        "RUN foo",
        "RUN bar",
      ]),
    ],
  },
  {
    code: "DL3060",
    source: stored("DL3060", "25122486803"),
    cases: [
      no("ok with non-yarn commands", "RUN foo", "catchesNot"),
      yes("not ok with no cache clean", "RUN yarn install foo", "catches"),
      no("ok with cache clean", "RUN yarn install bar && yarn cache clean", "catchesNot"),
      yes("not ok with clean before install", "RUN yarn cache clean && yarn install foo"),
      no(
        "ok when cache mount is used",
        "RUN --mount=type=cache,target=/root/.cache/yarn yarn install foobar",
        "catchesNot",
      ),
      no(
        "ok when tmpfs mount is used",
        "RUN --mount=type=tmpfs,target=/root/.cache/yarn yarn install foobar",
        "catchesNot",
      ),
      yes(
        "not ok when cache mount is in wrong location",
        "RUN --mount=type=cache,target=/var/lib/foobar yarn install foobar",
        "catches",
      ),
      yes(
        "not ok when tmpfs mount is in wrong location",
        "RUN --mount=type=tmpfs,target=/var/lib/foobar yarn install foobar",
        "catches",
      ),
      yes(
        "not ok when yarn install is in last stage w/o yarn clean",
        ["FROM node:lts-alpine as foo", "RUN hey!", "FROM scratch", "RUN yarn install"],
        "catches",
      ),
      yes(
        "not ok when inheriting from stage with yarn install w/o yarn clean",
        ["FROM node:lts-alpine as foo", "RUN yarn install", "FROM foo", "RUN hey!"],
        "catches",
      ),
      no(
        "ok when inheriting from stage with yarn cache clear",
        ["FROM node:lts-alpine as foo", "RUN yarn install && yarn cache clean", "FROM foo", "RUN hey!"],
        "catchesNot",
      ),
      no(
        "ok when omitting yarn cache clean in stage that is not reused later",
        ["FROM node:lts-alpine as foo", "RUN yarn install foo", "FROM scratch", "RUN hey!"],
        "catches",
      ),
    ],
  },
  {
    code: "DL3061",
    source: at("DL3061", "2f1ab2c56146685d28094836d1b0156976fcf19a"),
    cases: [
      yes("warn: label before from", "LABEL foo=bar\nFROM foo", "catches"),
      no("don't warn: from before label", "FROM foo\nLABEL foo=bar", "catchesNot"),
      no("don't warn: ARG then FROM then LABEL", "ARG A=B\nFROM foo\nLABEL foo=bar", "catchesNot"),
      no(
        "don't warn: pragma before FROM",
        "# syntax = docker/dockerfile:1.0-experimental\nFROM node:16-alpine3.13",
        "catchesNot",
      ),
      no("don't warn: FROM then ARG then RUN", "FROM foo\nARG A=B\nRUN echo bla"),
    ],
  },
  {
    code: "DL3062",
    source: at("DL3062", "7e15ecce98d111b19a32f9659088b356c92f723a"),
    cases: [
      yes("go install: go version not pinned", "RUN go install example.com/pkg", "catches"),
      yes("go install: go version pinned as latest", "RUN go install example.com/pkg@latest", "catches"),
      no("go install: go version pinned", "RUN go install example.com/pkg@v1.2.3", "catchesNot"),
      no("go install with local absolute path", "RUN go install /go/app/foobar", "catchesNot"),
      no("go install with local relative path", "RUN go install ./app/foobar", "catchesNot"),
      no("go install local dir", "RUN go install .", "catchesNot"),
      yes("go install tool: version not pinned", "RUN go install tool foobar", "catches"),
      yes("go install tool: version pinned as latest", "RUN go install tool foobar@latest", "catches"),
      no("go install tool: version pinned", "RUN go install tool foobar@v1.2.3", "catchesNot"),
      yes("go get: go version not pinned", "RUN go get example.com/pkg", "catches"),
      yes("go get: go version pinned as latest", "RUN go get example.com/pkg@latest", "catches"),
      no("go get: go version pinned", "RUN go get example.com/pkg@v1.2.3", "catchesNot"),
      yes("go get tool: version not pinned", "RUN go get -tool foobar", "catches"),
      yes("go get tool: version pinned as latest", "RUN go get -tool foobar@latest", "catches"),
      no("go get tool: version pinned", "RUN go get -tool foobar@v1.2.3", "catchesNot"),
      yes("go run: go version not pinned", "RUN go run example.com/pkg", "catches"),
      yes("go run: go version pinned as latest", "RUN go run example.com/pkg@latest", "catches"),
      no("go run: go version pinned", "RUN go run example.com/pkg@v1.2.3", "catchesNot"),
      no("go version pinned with flags -f", "RUN go run example.com/pkg@v1.2.3 -f", "catchesNot"),
      no("go version pinned with flags -foobar", "RUN go run example.com/pkg@v1.2.3 -foobar", "catchesNot"),
      no("go version pinned with flags --foobar", "RUN go run example.com/pkg@v1.2.3 --foobar", "catchesNot"),
      no("go version pinned with arguments", "RUN go run example.com/pkg@v1.2.3 foobar", "catchesNot"),
      no(
        "go version pinned with arguments --foo bar",
        "RUN go run example.com/pkg@v1.2.3 --foo bar",
        "catchesNot",
      ),
      no("go run with local absolute path", "RUN go run /go/app/foobar", "catchesNot"),
      no("go run with local relative path", "RUN go run ./app/foobar", "catchesNot"),
      no("go run local dir", "RUN go run .", "catchesNot"),
    ],
  },
  {
    code: "DL3063",
    source: stored("DL3063", "52238921524"),
    cases: [
      yes("not ok: stage name `scratch`", "FROM foo:bar AS scratch"),
      yes("not ok: stage name `context`", "FROM foo:bar AS context"),
      no("ok: stage name `foobar`", "FROM foo:bar AS foobar"),
    ],
  },
  {
    code: "DL3064",
    source: at("DL3064", "adabbc5615247f631dccd66855df4369ee4a8e91"),
    cases: [
      no("ok: no ARG, no ENV", ["FROM debian:bullseye", "RUN foobar"], "catchesNot"),
      no(
        "ok: ARG no sensitive data, no ENV",
        ["ARG foobar", "FROM debian:bullseye", "RUN foobar"],
        "catchesNot",
      ),
      no(
        "ok: no ARG, ENV no sensitive data",
        ["FROM debian:bullseye", "ENV foobar=barfoo", "RUN foobar"],
        "catchesNot",
      ),
      yes(
        "not ok: ARG with sensitive data",
        ["ARG AWS_ACCESS_KEY_ID", "FROM debian:bullseye", "RUN foobar"],
        "catches",
      ),
      yes(
        "not ok: ARG with sensitive data, different casing",
        ["ARG openai_api_key", "FROM debian:bullseye", "RUN foobar"],
        "catches",
      ),
      yes(
        "not ok: ENV with sensitive data",
        ["FROM debian:bullseye", "ENV AWS_ACCESS_KEY_ID=abcdefghijklmnopqrstuvwxyz", "RUN foobar"],
        "catches",
      ),
      yes(
        "not ok: ENV with sensitive data, different casing",
        ["FROM debian:bullseye", "ENV my_password=abcdefghijklmnopqrstuvwxyz", "RUN foobar"],
        "catches",
      ),
    ],
  },
  {
    code: "DL3065",
    source: at("DL3065", "0df262fdd13e0571641dd60535c159ea05b8267f"),
    cases: [
      no("ok: FROM no --platform", "FROM alpine:3.24"),
      no("ok: FROM --platform not $TARGETPLATFORM 1", "FROM --platform=$FOOBAR alpine:3.24"),
      no("ok: FROM --platform not $TARGETPLATFORM 2", "FROM --platform=foobar alpine:3.24"),
      no("ok: FROM --platform not $TARGETPLATFORM 3", "FROM --platform=foobar/arm64 alpine:3.24"),
      yes("not ok: FROM --platform=$TARGETPLATFORM", "FROM --platform=$TARGETPLATFORM alpine:3.24"),
      yes("not ok: FROM --platform=${TARGETPLATFORM}", "FROM --platform=${TARGETPLATFORM} alpine:3.24"),
    ],
  },
  {
    code: "DL3066",
    source: at("DL3066", "04329aeed6c938073def916e53ab9775a2668ec4"),
    cases: [
      no("ok: numeric UID", "USER 12345"),
      no("ok: numeric UID and GID", "USER 1234:5678"),
      yes("not ok: non-numeric UID", "USER foobar"),
      yes("not ok: non-numeric UID and GID", "USER foobar:barfoo"),
    ],
  },
  {
    code: "DL3066",
    source: stored("DL3066", "60666807590"),
    cases: [
      // The newer spec's case for a UID from an ARG (its other new cases judge only the last stage's
      // last USER, a later hadolint than HADOLINT-RULES.md's: not transcribed).
      no("ok: UID is non-numeric, but is a defined ARG", [
        "ARG APP_UID",
        "FROM foobar:barfoo",
        "USER ${APP_UID}",
      ]),
      yes("(ours, not in the spec) not ok: UID from an undeclared variable", [
        "FROM foobar:barfoo",
        "USER ${APP_UID}",
      ]),
    ],
  },
  {
    code: "DL3067",
    source: at("DL3067", "a99892edfaa8120bcc31037a0b6e0b55d50e3f0a"),
    cases: [
      yes("warns when copying the root filesystem from another stage to root", "COPY --from=build / /"),
      yes("warns when copying quoted root paths from another stage to root", 'COPY --from=build "/" "/"'),
      no("does not warn when copying root without --from", "COPY / /"),
      no("does not warn when copying a directory from another stage", "COPY --from=build /app /"),
      no(
        "does not warn when copying root from another stage into a subdirectory",
        "COPY --from=build / /app",
      ),
    ],
  },
  {
    code: "DL4000",
    source: at("DL4000", C414),
    cases: [
      yes("has deprecated maintainer", "FROM busybox\nMAINTAINER hudu@mail.com"),
      yes("has maintainer", "FROM debian\nMAINTAINER Lukas"),
      yes("has maintainer first", "MAINTAINER Lukas\nFROM DEBIAN"),
      no("has no maintainer", "FROM debian"),
    ],
  },
  {
    code: "DL4001",
    source: at("DL4001", C414),
    cases: [
      yes("warns when using both wget and curl", [
        "FROM node as foo",
        "RUN wget my.xyz",
        "RUN curl localhost",
      ]),
      yes("warns when using both wget and curl in same instruction", [
        "FROM node as foo",
        "RUN wget my.xyz && curl localhost",
      ]),
      no("does not warn when using only wget", ["FROM node as foo", "RUN wget my.xyz"]),
      no("does not warn when using both curl and wget in different stages", [
        "FROM node as foo",
        "RUN wget my.xyz",
        "FROM scratch",
        "RUN curl localhost",
      ]),
      yes("does not warns when using both, on a single stage", [
        "FROM node as foo",
        "RUN wget my.xyz",
        "RUN curl localhost",
        "FROM scratch",
        "RUN curl localhost",
      ]),
    ],
  },
  {
    code: "DL4003",
    source: at("DL4003", C414),
    cases: [
      yes("many cmds", ["FROM debian", "CMD bash", "RUN foo", "CMD another"]),
      no("single cmds, different stages", [
        "FROM debian as distro1",
        "CMD bash",
        "RUN foo",
        "FROM debian as distro2",
        "CMD another",
      ]),
      yes("many cmds, different stages", [
        "FROM debian as distro1",
        "CMD bash",
        "RUN foo",
        "CMD another",
        "FROM debian as distro2",
        "CMD another",
      ]),
      no("single cmd", "CMD /bin/true"),
    ],
  },
  {
    code: "DL4004",
    source: at("DL4004", C414),
    cases: [
      no("no cmd", "FROM busybox"),
      yes("many entrypoints", ["FROM debian", "ENTRYPOINT bash", "RUN foo", "ENTRYPOINT another"]),
      no("single entrypoint, different stages", [
        "FROM debian as distro1",
        "ENTRYPOINT bash",
        "RUN foo",
        "FROM debian as distro2",
        "ENTRYPOINT another",
      ]),
      yes("many entrypoints, different stages", [
        "FROM debian as distro1",
        "ENTRYPOINT bash",
        "RUN foo",
        "ENTRYPOINT another",
        "FROM debian as distro2",
        "ENTRYPOINT another",
      ]),
      no("single entry", "ENTRYPOINT /bin/true"),
      no("no entry", "FROM busybox"),
    ],
  },
  {
    code: "DL4005",
    source: at("DL4005", C414),
    cases: [
      yes("RUN ln", "RUN ln -sfv /bin/bash /bin/sh", "catches"),
      no("RUN ln with unrelated symlinks", "RUN ln -sf /bin/true /sbin/initctl", "catchesNot"),
      no(
        "RUN ln with multiple acceptable commands",
        "RUN ln -s foo bar && unrelated && something_with /bin/sh",
        "catchesNot",
      ),
    ],
  },
  {
    code: "DL4006",
    source: at("DL4006", "5268d28b1f828b39ffb9052beb03e633f81da398"),
    cases: [
      yes("warn on missing pipefail", ["FROM scratch", "RUN wget -O - https://some.site | wc -l > /number"]),
      no("don't warn on commands with no pipes", [
        "FROM scratch as build",
        "RUN wget -O - https://some.site && wc -l file > /number",
      ]),
      no("don't warn on commands with pipes and the pipefail option", [
        "FROM scratch as build",
        'SHELL ["/bin/bash", "-eo", "pipefail", "-c"]',
        "RUN wget -O - https://some.site | wc -l file > /number",
      ]),
      no("don't warn on commands with pipes and the pipefail option 2", [
        "FROM scratch as build",
        'SHELL ["/bin/bash", "-e", "-o", "pipefail", "-c"]',
        "RUN wget -O - https://some.site | wc -l file > /number",
      ]),
      no("don't warn on commands with pipes and the pipefail option 3", [
        "FROM scratch as build",
        'SHELL ["/bin/bash", "-o", "errexit", "-o", "pipefail", "-c"]',
        "RUN wget -O - https://some.site | wc -l file > /number",
      ]),
      no("don't warn on commands with pipes and the pipefail zsh", [
        "FROM scratch as build",
        'SHELL ["/bin/zsh", "-o", "pipefail", "-c"]',
        "RUN wget -O - https://some.site | wc -l file > /number",
      ]),
      no("don't warn on powershell", [
        "FROM scratch as build",
        'SHELL ["pwsh", "-c"]',
        "RUN Get-Variable PSVersionTable | Select-Object -ExpandProperty Value",
      ]),
      yes("warns when using plain sh", [
        "FROM scratch as build",
        'SHELL ["/bin/sh", "-o", "pipefail", "-c"]',
        "RUN wget -O - https://some.site | wc -l file > /number",
      ]),
      yes("warn on missing pipefail in the next image", [
        "FROM scratch as build",
        'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
        "RUN wget -O - https://some.site | wc -l file > /number",
        "FROM scratch as build2",
        "RUN wget -O - https://some.site | wc -l file > /number",
      ]),
      yes("warn on missing pipefail if next SHELL is not using it", [
        "FROM scratch as build",
        'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
        "RUN wget -O - https://some.site | wc -l file > /number",
        'SHELL ["/bin/sh", "-c"]',
        "RUN wget -O - https://some.site | wc -l file > /number",
      ]),
      no("ignore non posix shells: pwsh", [
        "FROM mcr.microsoft.com/powershell:ubuntu-16.04",
        'SHELL [ "pwsh", "-c" ]',
        "RUN Get-Variable PSVersionTable | Select-Object -ExpandProperty Value",
      ]),
      no("ignore non posix shells: powershell", [
        "FROM mcr.microsoft.com/powershell:ubuntu-16.04",
        'SHELL [ "powershell.exe" ]',
        "RUN Get-Variable PSVersionTable | Select-Object -ExpandProperty Value",
      ]),
      no("ignore non posix shells: cmd.exe", [
        "FROM mcr.microsoft.com/powershell:ubuntu-16.04",
        'SHELL [ "cmd.exe", "/c" ]',
        "RUN Get-Variable PSVersionTable | Select-Object -ExpandProperty Value",
      ]),
    ],
  },
];

/** hadolint's `assertChecks … (failsWith n code)`: exactly `count` findings. */
export interface ExactCountCase {
  readonly name: string;
  readonly dockerfile: Text;
  readonly count: number;
  readonly config?: LintConfig;
}

export interface ExactCountSpec {
  readonly code: string;
  readonly source: string;
  readonly cases: readonly ExactCountCase[];
}

const fooSchema = schema({ foo: "text" });

export const HADOLINT_EXACT_COUNTS: readonly ExactCountSpec[] = [
  {
    code: "DL3049",
    source: at("DL3049", "70e5f1fdf1046fb61b7c6f2740931e33e3055513"),
    cases: [
      { name: "warn twice: two stages, no labels", dockerfile: ["FROM stage1", "FROM stage2"], count: 2 },
      {
        name: "warn twice: two stages, wrong labels only",
        dockerfile: ["FROM stage1", 'LABEL bar="baz"', "FROM stage2", 'LABEL buzz="fuzz"'],
        count: 2,
      },
      {
        name: "warn once: two stages, label present in first only",
        dockerfile: ["FROM baseimage", 'LABEL foo="bar"', "FROM newimage"],
        count: 1,
      },
      {
        name: "warn once: two stages, label present in second only",
        dockerfile: ["FROM baseimage", "FROM newimage", 'LABEL foo="bar"'],
        count: 1,
      },
      {
        name: "warn once: two stages, no inheritance, wrong label in one",
        dockerfile: ["FROM baseimage", 'LABEL baz="bar"', "FROM newimage", 'LABEL foo="bar"'],
        count: 1,
      },
      {
        name: "warn twice: two stages, inheritance, no labels",
        dockerfile: ["FROM baseimage as base", "FROM base"],
        count: 2,
      },
      {
        name: "don't warn: two stages, inheritance, label defined in second stage",
        dockerfile: ["FROM baseimage as base", "FROM base", 'LABEL foo="bar"'],
        count: 0,
      },
      {
        name: "don't warn: two stages, no inheritance, label in last stage, with copy",
        dockerfile: [
          "FROM baseimage as base",
          "FROM anotherimage",
          'LABEL foo="bar"',
          "COPY --from=base /bar /baz",
        ],
        count: 0,
      },
      {
        name: "warn once: two stages, no inheritance, label in last stage, no connection",
        dockerfile: ["FROM baseimage as base", "FROM anotherimage", 'LABEL foo="bar"'],
        count: 1,
      },
      {
        name: "don't warn: two stages, inheritance",
        dockerfile: ["FROM baseimage as base", 'LABEL foo="bar"', "FROM base"],
        count: 0,
      },
      {
        name: "warn once: multiple results, no inheritance, label in one result",
        dockerfile: [
          "FROM baseimage as base",
          "FROM newimage",
          'LABEL foo="bar"',
          "COPY --from=base /bar /baz",
          "",
          "FROM newimage",
          "COPY --from=base /bar /baz",
        ],
        count: 1,
      },
      {
        name: "warn once: multiple results, inheritance, label in one result",
        dockerfile: ["FROM baseimage as base", "FROM base", 'LABEL foo="bar"', "", "FROM base"],
        count: 1,
      },
      {
        name: "warn once: multiple results, inheritance, label in one result (label last)",
        dockerfile: ["FROM baseimage as base", "FROM base", "", "FROM base", 'LABEL foo="bar"'],
        count: 1,
      },
    ].map((c) => ({ ...c, config: fooSchema })),
  },
  {
    code: "DL4001",
    source: at("DL4001", C414),
    cases: [
      {
        name: "only warns on the relevant RUN instruction",
        dockerfile: ["FROM node as foo", "RUN wget my.xyz", "RUN curl my.xyz", "RUN echo hello"],
        count: 1,
      },
      {
        name: "only warns on many relevant RUN instructions",
        dockerfile: [
          "FROM node as foo",
          "RUN wget my.xyz",
          "RUN curl my.xyz",
          "RUN echo hello",
          "RUN wget foo.com",
        ],
        count: 2,
      },
    ],
  },
];

/**
 * Ours, not hadolint's spec files: the cases behind hadolint's current DL3032/DL3036 sources (the
 * first install must come before the first clean; a cache or tmpfs mount at the cache directory is
 * fine — as its DL3040/DL3060 specs state for dnf and yarn), DL3041's ENV/ARG variables, DL3046's
 * `--no-log-init`, DL3034's other sub-commands and DL4006 over ONBUILD-free stages.
 */
export const SHIPSHAPE_EXTRA_CASES: readonly RuleSpec[] = [
  {
    code: "DL3032",
    source: "shipshape: hadolint src/Hadolint/Rule/DL3032.hs semantics (order, cache mounts)",
    cases: [
      yes("clean before install", "RUN yum clean all && yum install -y mariadb-10.4", "catches"),
      no(
        "cache mount at /var/cache/yum",
        "RUN --mount=type=cache,target=/var/cache/yum yum install -y mariadb-10.4",
        "catchesNot",
      ),
      no(
        "tmpfs mount at /var/cache/yum",
        "RUN --mount=type=tmpfs,target=/var/cache/yum yum install -y mariadb-10.4",
        "catchesNot",
      ),
      yes(
        "bind mount is no cache",
        "RUN --mount=type=bind,target=/var/cache/yum yum install -y mariadb-10.4",
      ),
    ],
  },
  {
    code: "DL3036",
    source: "shipshape: hadolint src/Hadolint/Rule/DL3036.hs semantics (order, cache mounts)",
    cases: [
      yes("clean before install", "RUN zypper clean && zypper install -y mariadb=10.4", "catches"),
      no(
        "cache mount at /var/cache/zypp",
        "RUN --mount=type=cache,target=/var/cache/zypp zypper in -y mariadb=10.4",
        "catchesNot",
      ),
      yes("cache mount elsewhere", "RUN --mount=type=cache,target=/tmp zypper in -y mariadb=10.4"),
    ],
  },
  {
    code: "DL3034",
    source: "shipshape: hadolint src/Hadolint/Rule/DL3034.hs sub-commands",
    cases: [
      yes("remove asks too", "RUN zypper rm httpd"),
      yes("patch asks too", "RUN zypper patch"),
      no("refresh does not ask", "RUN zypper refresh"),
    ],
  },
  {
    code: "DL3041",
    source: "shipshape: hadolint src/Hadolint/Rule/DL3041.hs variables (ENV of the stage or its base, ARG)",
    cases: [
      no("version from an ARG", ["ARG V=1.2", "FROM fedora:40", 'RUN dnf install -y "tomcat-${V}"']),
      no("version from an ENV of the base stage", [
        "FROM fedora:40 AS base",
        "ENV V=1.2",
        "FROM base",
        "RUN dnf install -y tomcat-$V",
      ]),
      yes("version from an ENV of an unrelated stage", [
        "FROM fedora:40 AS one",
        "ENV V=1.2",
        "FROM fedora:40",
        "RUN dnf install -y tomcat-$V",
      ]),
      no("an .rpm file", "RUN dnf install -y ./tomcat-latest.rpm"),
      no("groups are not judged", "RUN dnf group install -y development"),
    ],
  },
  {
    code: "DL3046",
    source: "shipshape: hadolint src/Hadolint/Rule/DL3046.hs flags",
    cases: [
      no("--no-log-init counts as -l", "RUN useradd --no-log-init -u 123456 luser"),
      yes("inside a chain", "RUN groupadd -g 123456 g && useradd -u 123456 -g g luser", "catches"),
    ],
  },
  {
    code: "DL4006",
    source: "shipshape: hadolint src/Hadolint/Rule/DL4006.hs (ash, exec form)",
    cases: [
      no("ash with pipefail", [
        "FROM alpine:3.20",
        'SHELL ["/bin/ash", "-o", "pipefail", "-c"]',
        "RUN a | b",
      ]),
      yes("a pipe inside a subshell", ["FROM debian:12", "RUN (curl -s x | sh)"]),
      no("no pipe in a quoted string", ["FROM debian:12", "RUN echo 'a | b'"]),
    ],
  },
];
