/**
 * Every image hygiene rule, in id order. docs/checks.md documents each one, its Dockle
 * counterpart and the Dockle checkpoints shipshape does not implement, with the reason.
 */
import { duplicateIdRule, emptyPasswordRule } from "./account-rules.js";
import { imageAgeRule, unknownAgeRule } from "./age-rules.js";
import { healthcheckRule, rootUserRule, sensitiveVolumeRule, sshPortRule } from "./config-rules.js";
import { envSecretRule, historySecretRule } from "./config-secret-rules.js";
import { endOfLifeRule } from "./eol-rule.js";
import { setgidRule, setuidRule, worldWritableRule } from "./file-mode-rules.js";
import {
  addInsteadOfCopyRule,
  apkNoCacheRule,
  aptListsLeftRule,
  aptUpdateAloneRule,
  distUpgradeRule,
  sudoRule,
} from "./history-rules.js";
import type { CheckRule } from "./rule.js";
import { credentialFileRule, secretFileRule } from "./secret-rules.js";
import { latestTagRule } from "./tag-rule.js";
import {
  debugToolRule,
  interpreterRule,
  networkClientRule,
  packageManagerRule,
  shellRule,
} from "./tool-rules.js";
import { unnecessaryFilesRule } from "./unnecessary-files.js";

export const ALL_RULES: readonly CheckRule[] = [
  packageManagerRule,
  shellRule,
  networkClientRule,
  debugToolRule,
  interpreterRule,
  setuidRule,
  setgidRule,
  worldWritableRule,
  secretFileRule,
  credentialFileRule,
  emptyPasswordRule,
  duplicateIdRule,
  unnecessaryFilesRule,
  rootUserRule,
  latestTagRule,
  imageAgeRule,
  unknownAgeRule,
  endOfLifeRule,
  sshPortRule,
  healthcheckRule,
  sensitiveVolumeRule,
  envSecretRule,
  historySecretRule,
  aptUpdateAloneRule,
  addInsteadOfCopyRule,
  sudoRule,
  distUpgradeRule,
  apkNoCacheRule,
  aptListsLeftRule,
];
