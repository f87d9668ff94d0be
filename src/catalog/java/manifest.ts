/**
 * `META-INF/MANIFEST.MF` as the JAR specification writes it: `Name: value` headers, continuation
 * lines starting with one space, a main section, then per-entry sections after blank lines. Header
 * names are case-insensitive, so they are kept lower-cased.
 */

export interface JarManifest {
  main: Map<string, string>;
  /** Per-entry sections (`Name: org/apache/log4j` …), in file order. */
  sections: Map<string, string>[];
}

export function parseManifest(text: string): JarManifest {
  const main = new Map<string, string>();
  const sections: Map<string, string>[] = [];
  let current = main;
  let lastKey: string | undefined;
  let blankSeen = false;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      blankSeen = true;
      lastKey = undefined;
      continue;
    }
    if (line.startsWith(" ")) {
      if (lastKey !== undefined) current.set(lastKey, current.get(lastKey)! + line.slice(1));
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    if (blankSeen) {
      // A new section starts at the first header after a blank line.
      current = new Map();
      sections.push(current);
      blankSeen = false;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    // A repeated header replaces the earlier value, as java.util.jar.Attributes reads it.
    current.set(key, value);
    lastKey = key;
  }
  return { main, sections };
}

/** A header from the main section, else from the first per-entry section that has it. */
export function manifestValue(manifest: JarManifest, key: string): string | undefined {
  const k = key.toLowerCase();
  const fromMain = manifest.main.get(k);
  if (fromMain) return fromMain;
  for (const section of manifest.sections) {
    const v = section.get(k);
    if (v) return v;
  }
  return undefined;
}

/** `Bundle-SymbolicName: org.foo.bar;singleton:=true` → `org.foo.bar`. */
export function bundleSymbolicName(manifest: JarManifest): string | undefined {
  const raw = manifest.main.get("bundle-symbolicname");
  const name = raw?.split(";")[0]?.trim();
  return name || undefined;
}

/**
 * Licences from `Bundle-License`: a comma-separated list whose items may carry `;attribute=…`
 * parts and quoted strings (OSGi header syntax); each item is an SPDX id or a URL.
 */
export function bundleLicenses(manifest: JarManifest): string[] {
  const raw = manifest.main.get("bundle-license");
  if (!raw) return [];
  const items: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of raw) {
    if (ch === '"') quoted = !quoted;
    if (ch === "," && !quoted) {
      items.push(current);
      current = "";
    } else current += ch;
  }
  items.push(current);
  return items
    .map((item) => (item.split(";")[0] ?? "").trim().replace(/^"|"$/g, ""))
    .filter((item) => item.length > 0);
}
