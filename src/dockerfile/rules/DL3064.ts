/**
 * DL3064 (hadolint): an ARG or ENV whose name suggests a secret (a known credential variable such
 * as AWS_SECRET_ACCESS_KEY, or a name containing api_key, client_key, password, private, secret,
 * token, username — any case): ARG and ENV values stay in the image's history and config.
 */
import { instructionRule } from "../rule.js";
import { argDeclarations, nameValuePairs } from "../words.js";

// hadolint's knownSensitiveNames.
const KNOWN = new Set([
  "ACCESS_TOKEN",
  "APPLICATION_KEY",
  "APP_SECRET",
  "AUTH_TOKEN",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "BITTREX_API_KEY",
  "BITTREX_API_SECRET",
  "CF_PASSWORD",
  "CF_USERNAME",
  "CIRCLE_TOKEN",
  "CI_DEPLOY_PASSWORD",
  "CI_DEPLOY_USER",
  "DOCKERHUB_PASSWORD",
  "DOCKER_EMAIL",
  "DOCKER_PASSWORD",
  "DOCKER_USERNAME",
  "FACEBOOK_ACCESS_TOKEN",
  "FACEBOOK_APP_ID",
  "FACEBOOK_APP_SECRET",
  "FIREBASE_API_TOKEN",
  "FIREBASE_TOKEN",
  "FOSSA_API_KEY",
  "GH_ENTERPRISE_TOKEN",
  "GH_TOKEN",
  "GITHUB_ENTERPRISE_TOKEN",
  "GITHUB_TOKEN",
  "HEROKU_API_KEY",
  "HEROKU_API_USER",
  "NPM_AUTH_TOKEN",
  "NPM_TOKEN",
  "OKTA_AUTHN_GROUPID",
  "OKTA_CLIENT_ORGURL",
  "OKTA_CLIENT_TOKEN",
  "OKTA_OAUTH2_CLIENTID",
  "OKTA_OAUTH2_CLIENTSECRET",
  "OPENAI_API_KEY",
  "OS_PASSWORD",
  "OS_USERNAME",
  "POSTGRES_PASSWORD",
  "SLACK_TOKEN",
  "STRIPE_API_KEY",
  "STRIPE_DEVICE_NAME",
  "TRAVIS_OS_NAME",
  "TRAVIS_SECURE_ENV_VARS",
  "TRAVIS_SUDO",
  "VAULT_CLIENT_KEY",
  "VAULT_TOKEN",
]);

const SUSPICIOUS = ["api_key", "client_key", "password", "private", "secret", "token", "username"];

export function sensitiveName(name: string): boolean {
  const lower = name.toLowerCase();
  return KNOWN.has(name.toUpperCase()) || SUSPICIOUS.some((s) => lower.includes(s));
}

export const DL3064 = instructionRule({
  code: "DL3064",
  severity: "warning",
  message: "Potentially sensitive data should not be used in the `ARG` or `ENV` commands",
  onbuild: true,
  test: (i, ctx) => {
    if (i.keyword === "ARG")
      return argDeclarations(i.args, ctx.file.escape).some((a) => sensitiveName(a.name));
    if (i.keyword === "ENV")
      return nameValuePairs(i.args, ctx.file.escape).some((p) => sensitiveName(p.name));
    return false;
  },
});
