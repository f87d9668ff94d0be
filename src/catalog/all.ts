/**
 * The catalogers shipshape runs, in order (OS package databases first: their file lists decide
 * which language packages are OS-owned), and the OS detector.
 */
import type { Cataloger } from "./cataloger.js";
import type { OsDetector } from "./os.js";
import { osReleaseDetector } from "./os-release.js";

export const CATALOGERS: readonly Cataloger[] = [];

export const OS_DETECTOR: OsDetector = osReleaseDetector;
