/**
 * Two seeded pools of bytes that file contents are sliced from: text (words, config lines, numbers)
 * and binary (random runs, skewed "machine code" runs, zero padding and string tables). Slices start
 * at random offsets of pools far larger than gzip's 32 KiB window, so the archive compresses as the
 * pools do locally — about like a real distribution image — and not trivially.
 */
import { Prng } from "./prng.mjs";

const LETTERS =
  "eeeeeeeeeeeetttttttttaaaaaaaaoooooooiiiiiiinnnnnnnssssssrrrrrrhhhhhlllldddcccuuummmwwffggyyppbbvkjxqz";

function makeVocabulary(prng, count) {
  const words = [];
  for (let i = 0; i < count; i++) {
    const length = 2 + prng.below(10);
    let word = "";
    for (let j = 0; j < length; j++) word += LETTERS[prng.below(LETTERS.length)];
    words.push(word);
  }
  return words;
}

/** Roughly Zipf-like: a few words are very common, most are rare. */
function pickWord(prng, words) {
  const u = prng.float();
  return words[Math.floor(words.length * u * u * u * u)];
}

export function makeTextPool(seed, bytes) {
  const prng = new Prng(seed);
  const words = makeVocabulary(prng, 2048);
  const pool = Buffer.alloc(bytes);
  let at = 0;
  while (at < bytes) {
    let line;
    const kind = prng.float();
    if (kind < 0.15) {
      line = `${pickWord(prng, words)}_${pickWord(prng, words)} = ${prng.u32().toString(prng.float() < 0.5 ? 10 : 16)}\n`;
    } else if (kind < 0.2) {
      line = `${prng.u32().toString(16).padStart(8, "0")}${prng.u32().toString(16).padStart(8, "0")}  /usr/${pickWord(prng, words)}/${pickWord(prng, words)}\n`;
    } else {
      const count = 3 + prng.below(14);
      const parts = [];
      for (let i = 0; i < count; i++) parts.push(pickWord(prng, words));
      line = `${prng.float() < 0.3 ? "  " : ""}${parts.join(" ")}${prng.float() < 0.4 ? "." : ","}\n`;
    }
    at += pool.write(line, at, "latin1");
  }
  return pool;
}

export function makeBinaryPool(seed, bytes, textPool) {
  const prng = new Prng(seed);
  const pool = Buffer.alloc(bytes);
  // Machine code repeats short instruction sequences; model it as skewed picks from a motif table.
  const motifs = [];
  for (let i = 0; i < 4096; i++) {
    const motif = Buffer.alloc(3 + prng.below(10));
    for (let j = 0; j < motif.length; j++) motif[j] = prng.u32() & 0xff;
    motifs.push(motif);
  }
  let at = 0;
  while (at < bytes) {
    const length = Math.min(bytes - at, prng.logUniform(256, 16384));
    const kind = prng.float();
    if (kind < 0.12) {
      for (let i = 0; i < length; i++) pool[at + i] = prng.u32() & 0xff;
    } else if (kind < 0.78) {
      let i = 0;
      while (i < length) {
        const u = prng.float();
        const motif = motifs[Math.floor(motifs.length * u * u * u)];
        i += motif.copy(pool, at + i, 0, Math.min(motif.length, length - i));
      }
    } else if (kind < 0.85) {
      pool.fill(0, at, at + length);
    } else {
      const from = prng.below(textPool.length - length);
      textPool.copy(pool, at, from, from + length);
    }
    at += length;
  }
  return pool;
}
