/** Every feed importer `db update` and `db import` use, in import order. Owned by the lead. */
import { alpineSecdbImporter } from "./alpine-secdb.js";
import { debianTrackerImporter } from "./debian-tracker.js";
import { epssImporter } from "./epss.js";
import type { FeedImporter } from "./feed.js";
import { GHSA } from "./ghsa.js";
import { GO_VULNDB } from "./go-vulndb.js";
import { kevImporter } from "./kev.js";
import { NODEJS_SECURITY_WG } from "./nodejs-security-wg.js";
import { nvdImporter } from "./nvd.js";
import {
  OSV_ALMALINUX,
  OSV_CRATES,
  OSV_GO,
  OSV_MAVEN,
  OSV_NPM,
  OSV_NUGET,
  OSV_PACKAGIST,
  OSV_PYPI,
  OSV_ROCKY,
  OSV_RUBYGEMS,
} from "./osv.js";
import { PYPA } from "./pypa.js";
import { redhatCsafImporter } from "./redhat-csaf.js";
import { RUSTSEC } from "./rustsec.js";
import { ubuntuImporter } from "./ubuntu.js";

export const FEEDS: readonly FeedImporter[] = [
  alpineSecdbImporter,
  debianTrackerImporter,
  ubuntuImporter,
  redhatCsafImporter,
  OSV_ALMALINUX,
  OSV_ROCKY,
  OSV_GO,
  OSV_PYPI,
  OSV_NPM,
  OSV_MAVEN,
  OSV_CRATES,
  OSV_RUBYGEMS,
  OSV_PACKAGIST,
  OSV_NUGET,
  GO_VULNDB,
  PYPA,
  GHSA,
  RUSTSEC,
  NODEJS_SECURITY_WG,
  nvdImporter,
  kevImporter,
  epssImporter,
];
