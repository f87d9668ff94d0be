/**
 * Licence strings from package databases as SPDX: valid expressions kept (canonical text), known
 * names mapped (cases checked against the SPDX list, DEP-5 and Fedora naming written out here), the
 * rest left for LicenseRefs; and on any input the result is null or an expression SPDX's parser accepts.
 */
import fc from "fast-check";
import parseExpression from "spdx-expression-parse";
import { describe, expect, it } from "vitest";
import { licenseExpressionOf, licenseRefId, spdxLicenseFor } from "../../src/report/spdx-license.js";

describe("spdxLicenseFor", () => {
  it.each([
    ["MIT", "MIT"],
    ["mit", "MIT"],
    ["BSD-3-clause", "BSD-3-Clause"],
    ["MIT OR Apache-2.0", "MIT OR Apache-2.0"],
    ["mit or apache-2.0", "MIT OR Apache-2.0"],
    ["(MIT OR Apache-2.0) AND BSD-2-Clause", "(MIT OR Apache-2.0) AND BSD-2-Clause"],
    ["Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception"],
    ["LicenseRef-custom", "LicenseRef-custom"],
    ["Expat", "MIT"],
    ["GPL-2", "GPL-2.0-only"],
    ["GPL-2+", "GPL-2.0-or-later"],
    ["LGPL-2.1+", "LGPL-2.1+"],
    ["LGPL-2", "LGPL-2.0-only"],
    ["GFDL-1.3+", "GFDL-1.3+"], // a valid (deprecated-style) expression is kept
    ["AGPL-3+", "AGPL-3.0-or-later"],
    ["AGPL-3", "AGPL-3.0-only"],
    ["GPLv2+", "GPL-2.0-or-later"],
    ["LGPLv2", "LGPL-2.0-only"],
    ["ASL 2.0", "Apache-2.0"],
    ["GPLv2+ and LGPLv2+", "GPL-2.0-or-later AND LGPL-2.0-or-later"],
    ["GPLv3+ or BSD", null],
    ["GPL-9+", null],
    ["BSD", null],
    ["public-domain", null],
    ["constructor", null],
    ["", null],
  ])("%j → %j", (input, expected) => {
    expect(spdxLicenseFor(input)).toBe(expected);
  });

  it("returns null or an expression SPDX's parser accepts, for any string", () => {
    const words = fc.constantFrom(
      "MIT",
      "GPL-2+",
      "GPLv3",
      "and",
      "or",
      "AND",
      "(",
      ")",
      "WITH",
      "BSD",
      "Expat",
      " ",
    );
    const input = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.array(words, { maxLength: 12 }).map((w) => w.join(" ")),
    );
    fc.assert(
      fc.property(input, (text) => {
        const out = spdxLicenseFor(text);
        if (out !== null) expect(() => parseExpression(out)).not.toThrow();
      }),
      { numRuns: 400 },
    );
  });
});

describe("licenseExpressionOf", () => {
  it("ANDs the licences, parenthesises an OR among several, and refs the unknown ones once", () => {
    const refs: string[] = [];
    const ref = (name: string) => {
      refs.push(name);
      return licenseRefId(name);
    };
    expect(
      licenseExpressionOf(["MIT OR Apache-2.0", "GPL-2+", "Custom (c) 2020", "mit", "Custom (c) 2020"], ref),
    ).toBe("(MIT OR Apache-2.0) AND GPL-2.0-or-later AND LicenseRef-Custom-c-2020 AND MIT");
    expect(refs).toEqual(["Custom (c) 2020", "Custom (c) 2020"]);
    expect(licenseExpressionOf(["MIT OR Apache-2.0"], ref)).toBe("MIT OR Apache-2.0");
    expect(licenseExpressionOf([" ", ""], ref)).toBeNull();
  });

  it("makes LicenseRef ids of SPDX's idstring characters only", () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        expect(licenseRefId(name)).toMatch(/^LicenseRef-[A-Za-z0-9.-]+$/);
      }),
      { numRuns: 300 },
    );
  });
});
