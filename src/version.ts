/** Kept in step with package.json by the release process; used by --version and User-Agent. */
export const VERSION = "0.1.0";
