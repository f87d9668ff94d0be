/**
 * The secrets one registry session knows (passwords, identity tokens, bearer tokens), so that any
 * text built for a message can be scrubbed of them as a last line of defence. Messages are built
 * without secrets in the first place; this guards against a server that echoes them back.
 */
export class SecretRedactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short strings would blank out ordinary words; real secrets are longer.
    if (secret && secret.length >= 4) {
      this.secrets.add(secret);
      const basic = Buffer.from(secret, "utf8").toString("base64");
      if (basic.length >= 8) this.secrets.add(basic);
    }
  }

  /** Also remember `user:password` in the base64 form a Basic header carries. */
  addBasic(username: string, password: string): void {
    this.add(password);
    this.secrets.add(Buffer.from(`${username}:${password}`, "utf8").toString("base64"));
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join("***");
    }
    return out;
  }
}
