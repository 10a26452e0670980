import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { hexSignature, newWebhookSecret, standardKey, standardSignature } from "../../functions/lib/signing.ts";
import { randomJson, rng } from "../setup/random-json.ts";

// Ringback's signing (WebCrypto) against independent verifiers run in Node: the standardwebhooks
// package and seed 002's own verifyWebhook.
const { verifyWebhook } = createRequire(import.meta.url)("../setup/seed-002-verify.cjs") as {
  verifyWebhook(payload: unknown, signature: string, secret: string): boolean;
};
const bytes = (s: string) => new TextEncoder().encode(s);

describe("Standard Webhooks signature", () => {
  it("matches the known-answer vector", async () => {
    const key = standardKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!;
    const signature = await standardSignature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, bytes('{"test": 2432232314}'));
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("is verified by the standardwebhooks package over many random bodies, Unicode included", async () => {
    const random = rng(20261121);
    for (let i = 0; i < 300; i++) {
      const secret = newWebhookSecret();
      const body = JSON.stringify(randomJson(random));
      const id = `whd_${i}`;
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = await standardSignature(standardKey(secret)!, id, timestamp, bytes(body));
      expect(() => new Webhook(secret).verify(body, { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature })).not.toThrow();
      // and a changed byte is caught
      expect(() => new Webhook(secret).verify(`${body} `, { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature })).toThrow();
    }
  });

  it("makes secrets of whsec_ and 32 random bytes that standardwebhooks accepts", () => {
    const secrets = new Set(Array.from({ length: 50 }, () => newWebhookSecret()));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
      expect(() => new Webhook(secret)).not.toThrow();
    }
  });

  it("refuses a secret that is not whsec_ base64", () => {
    expect(standardKey("your-webhook-secret")).toBeNull();
    expect(standardKey("whsec_")).toBeNull();
    expect(standardKey("whsec_not base64!")).toBeNull();
  });
});

describe("seed-style signatures", () => {
  it("X-Ringback-Signature is the hex HMAC-SHA256 of the raw body under the secret string", async () => {
    const random = rng(7);
    for (let i = 0; i < 100; i++) {
      const body = JSON.stringify(randomJson(random));
      const secret = `s-${i}-ü`;
      expect(await hexSignature(secret, bytes(body))).toBe(createHmac("sha256", secret).update(body, "utf8").digest("hex"));
    }
  });

  it("seed 002's verifyWebhook, as written in the seed, accepts compact JSON bodies, Unicode included", async () => {
    const random = rng(2);
    for (let i = 0; i < 200; i++) {
      const body = JSON.stringify(randomJson(random));
      expect(verifyWebhook(JSON.parse(body), await hexSignature("your-webhook-secret", bytes(body)), "your-webhook-secret")).toBe(true);
    }
    // It hashes JSON.stringify(payload), so a pretty-printed body would not pass: compact JSON is required.
    const pretty = JSON.stringify({ a: 1, b: "é" }, null, 2);
    expect(verifyWebhook(JSON.parse(pretty), await hexSignature("k", bytes(pretty)), "k")).toBe(false);
  });
});
