/**
 * The catalogers shipshape runs, in order (OS package databases first: their file lists decide
 * which language packages are OS-owned), and the OS detector.
 */
import { apkCataloger } from "./apk/cataloger.js";
import type { Cataloger } from "./cataloger.js";
import { composerCataloger } from "./composer.js";
import { dotnetCataloger } from "./dotnet.js";
import { dpkgCataloger } from "./dpkg/cataloger.js";
import { gemCataloger } from "./gem.js";
import { goBinaryCataloger } from "./go/cataloger.js";
import { javaArchiveCataloger } from "./java/cataloger.js";
import { npmCataloger } from "./npm.js";
import type { OsDetector } from "./os.js";
import { osReleaseDetector } from "./os-release.js";
import { pythonCataloger } from "./python/cataloger.js";
import { rpmCataloger } from "./rpm/cataloger.js";
import { rustAuditableCataloger } from "./rust/cataloger.js";

export const CATALOGERS: readonly Cataloger[] = [
  dpkgCataloger,
  apkCataloger,
  rpmCataloger,
  npmCataloger,
  pythonCataloger,
  gemCataloger,
  composerCataloger,
  dotnetCataloger,
  javaArchiveCataloger,
  goBinaryCataloger,
  rustAuditableCataloger,
];

export const OS_DETECTOR: OsDetector = osReleaseDetector;
