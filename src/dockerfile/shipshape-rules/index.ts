/**
 * shipshape's own Dockerfile rules, run after hadolint's (lint.ts); docs/lint.md documents each.
 * SS2xxx: the image hygiene checks are SS1xxx.
 */

import { SS2001 } from "./SS2001.js";
import { SS2002 } from "./SS2002.js";
import { SS2003 } from "./SS2003.js";
import { SS2004 } from "./SS2004.js";
import { SS2005 } from "./SS2005.js";
import { SS2006 } from "./SS2006.js";
import { SS2007 } from "./SS2007.js";
import { SS2008 } from "./SS2008.js";
import { SS2009 } from "./SS2009.js";
import { SS2010 } from "./SS2010.js";
import { SS2011 } from "./SS2011.js";
import { SS2012 } from "./SS2012.js";
import { SS2013 } from "./SS2013.js";
import { SS2014 } from "./SS2014.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

export const SHIPSHAPE_RULES: readonly ShipshapeRule[] = [
  SS2001,
  SS2002,
  SS2003,
  SS2004,
  SS2005,
  SS2006,
  SS2007,
  SS2008,
  SS2009,
  SS2010,
  SS2011,
  SS2012,
  SS2013,
  SS2014,
];

export type { ShipshapeRule };
