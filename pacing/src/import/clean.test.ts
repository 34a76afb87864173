import { createHash } from "node:crypto";
import { parseEvent } from "@cc/ingest";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanPhone, cleanPhoneInFull, cleanText, companyCore, halfWidth } from "./clean.ts";
import { eventIdBasis, importedLeadId, leadEvent, leadJsonBuilder } from "./engine.ts";
import { suggestMapping } from "./mapping.ts";
import type { ImportReport } from "./types.ts";

const ok = (raw: string) => {
  const r = cleanPhone(raw);
  if (!r.ok) throw new Error(`${raw}: ${r.reason}`);
  return r;
};

describe("cleanPhone", () => {
  it("reads mainland mobiles however vendors write them", () => {
    for (const raw of [
      "13800138000",
      "138 0013 8000",
      "138-0013-8000",
      "+86 138 0013 8000",
      "+86-13800138000",
      "0086 13800138000",
      "8613800138000",
      "１３８００１３８０００",
      "＋８６　１３８００１３８０００",
      "tel:+8613800138000",
      "13800138000转123",
      " (138) 0013.8000 ",
    ]) {
      expect(ok(raw)).toEqual({ ok: true, e164: "+8613800138000", kind: "mobile" });
    }
  });

  it("reads landlines with their area code, and 400 numbers", () => {
    expect(ok("010-6552 9988")).toMatchObject({ e164: "+861065529988", kind: "landline" });
    expect(ok("+86 10 6552 9988")).toMatchObject({ e164: "+861065529988", kind: "landline" });
    expect(ok("0755-8888 1234")).toMatchObject({ e164: "+8675588881234", kind: "landline" });
    expect(ok("(021) 6123-4567")).toMatchObject({ e164: "+862161234567", kind: "landline" });
    expect(ok("400-800-1234")).toMatchObject({ e164: "+864008001234", kind: "landline" });
  });

  it("reads foreign numbers in international form", () => {
    expect(ok("+1 650 253 0000")).toMatchObject({ e164: "+16502530000", kind: "international" });
    expect(ok("0044 20 7946 0123")).toMatchObject({ e164: "+442079460123", kind: "international" });
  });

  it("rejects with a reason a person can act on", () => {
    const reason = (raw: string) => {
      const r = cleanPhone(raw);
      return r.ok ? "accepted" : r.code;
    };
    expect(reason("1380013800")).toBe("mobile_length");
    expect(reason("138001380001")).toBe("mobile_length");
    expect(reason("+86 1380013800")).toBe("mobile_length");
    expect(reason("12345678901")).toBe("mobile_prefix");
    expect(reason("65529988")).toBe("landline_no_area_code");
    expect(reason("138OO138000")).toBe("phone_bad_characters");
    expect(reason("")).toBe("phone_missing");
    expect(reason("  -  ")).toBe("phone_missing");
    expect(reason("+1 000 000 0000")).toBe("phone_invalid");
    const r = cleanPhone("1380013800");
    expect(r.ok ? "" : r.reason).toBe("mainland mobile must have 11 digits, has 10");
  });

  const decorated = (digits: fc.Arbitrary<string>) =>
    fc
      .tuple(
        fc.constantFrom("", "+86", "+86 ", "0086", "0086-", "86"),
        digits,
        fc.constantFrom("plain", "spaced", "dashed", "fullwidth"),
      )
      .map(([prefix, d, style]) => {
        let s = d;
        if (style === "spaced") s = d.replace(/(\d{3})(\d{4})/, "$1 $2 ");
        if (style === "dashed") s = d.replace(/(\d{3})(\d{4})/, "$1-$2-");
        const raw = prefix + s;
        return style === "fullwidth"
          ? raw.replace(/[0-9+]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
          : raw;
      });

  it("property: cleaning is idempotent (cleaning an E.164 result gives it back)", () => {
    const anyPhone = fc.oneof(
      decorated(fc.stringMatching(/^1[3-9]\d{6,12}$/)),
      decorated(fc.stringMatching(/^0\d{9,11}$/)),
      fc.stringMatching(/^\+[1-9]\d{6,14}$/),
      fc.string(),
    );
    fc.assert(
      fc.property(anyPhone, (raw) => {
        const a = cleanPhone(raw);
        if (!a.ok) return;
        expect(cleanPhone(a.e164)).toEqual(a);
      }),
      { numRuns: 3000 },
    );
  });

  it("property: a mainland mobile is accepted only with exactly 11 digits", () => {
    fc.assert(
      fc.property(decorated(fc.stringMatching(/^1[3-9]\d{0,14}$/)), (raw) => {
        const r = cleanPhone(raw);
        const digits = halfWidth(raw)
          .replace(/\D/g, "")
          .replace(/^(0086|86)(?=1[3-9])/, "");
        if (digits.length === 11) expect(r).toMatchObject({ ok: true, kind: "mobile", e164: `+86${digits}` });
        else expect(r.ok).toBe(false);
        // Whatever the input, an accepted +861[3-9] number has 11 national digits.
        if (r.ok && /^\+861[3-9]/.test(r.e164)) expect(r.e164).toMatch(/^\+861[3-9]\d{9}$/);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("text and names", () => {
  it("cleans full-width, control characters and runs of spaces", () => {
    expect(cleanText("  王　伟\u200b\t ")).toBe("王 伟");
    expect(cleanText("ＡＢＣ科技")).toBe("ABC科技");
  });
  it("drops a company's legal form so both spellings meet", () => {
    expect(companyCore("深圳华信科技有限公司")).toBe(companyCore("深圳华信科技"));
    expect(companyCore("Acme Co., Ltd.")).toBe(companyCore("ACME"));
  });
});

describe("suggestMapping", () => {
  it("maps Chinese vendors' headers", () => {
    expect(suggestMapping(["序号", "姓名", "手机号码", "公司名称", "详细地址", "备注", "座机"])).toEqual({
      phone: "手机号码",
      phone2: "座机",
      name: "姓名",
      company: "公司名称",
      address: "详细地址",
      note: "备注",
    });
    expect(suggestMapping(["Name", "Mobile Phone", "Company", "E-mail"])).toMatchObject({
      phone: "Mobile Phone",
      name: "Name",
      company: "Company",
      email: "E-mail",
    });
    expect(suggestMapping(["客户手机(必填)", "姓名"]).phone).toBe("客户手机(必填)");
  });
});

describe("cleanPhone's fast path", () => {
  it("property: answers exactly as the full path for bare digit strings and near misses", () => {
    const digits = fc.stringMatching(/^1[0-9]{8,12}$/);
    const nearMiss = fc.stringMatching(/^[ +０-９1]?1[3-9][0-9 -]{8,10}[0-9x]?$/);
    fc.assert(
      fc.property(fc.oneof(digits, nearMiss, fc.string({ maxLength: 14 })), (raw) => {
        expect(cleanPhone(raw)).toEqual(cleanPhoneInFull(raw));
      }),
      { numRuns: 5_000 },
    );
  });
});

describe("lead.created from an import", () => {
  it("passes the event contract with every optional field set", () => {
    const report = { importId: "imp-1", listId: "list-1" } as ImportReport;
    const at = {
      iso: "2026-11-30T00:00:00.000Z",
      ids: eventIdBasis(Date.parse("2026-11-30T00:00:00.000Z"), Buffer.alloc(32, 7)),
    };
    const e = leadEvent(
      {
        line: 7,
        e164: "+8613800138000",
        kind: "mobile",
        fields: {
          name: "王伟",
          company: "华信",
          address: "x".repeat(200),
          region: "深圳",
          email: "a@b.cn",
          title: "经理",
          note: "n",
        },
        extra: { 序号: "7" },
      },
      report,
      { orgId: "demo", campaignId: "spring", consent: { given: true, method: "written" } },
      at,
    );
    const r = parseEvent(e);
    expect(r.ok ? "valid" : JSON.stringify(r.issues)).toBe("valid");
    expect(e).toMatchObject({ lead_id: importedLeadId("demo", "spring", "+8613800138000"), import_line: 7 });
    // The same import and lead give the same event id (a retried publish is a JetStream duplicate).
    const again = leadEvent(
      { line: 7, e164: "+8613800138000", kind: "mobile", fields: {}, extra: {} },
      report,
      { orgId: "demo", campaignId: "spring" },
      at,
    );
    expect(again.id).toBe(e.id);
  });

  it("property: the JSON written directly is leadEvent's, whatever the text (quotes, controls, any script)", () => {
    const text = fc.option(fc.string({ unit: "binary", maxLength: 40 }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          name: text,
          company: text,
          region: text,
          address: text,
          email: text,
          title: text,
          note: text,
        }),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ unit: "binary", maxLength: 12 }), {
          maxKeys: 3,
        }),
        fc.string({ unit: "binary", maxLength: 12 }),
        fc.constantFrom(undefined, { given: true, method: "written" as const }),
        (fields, extra, campaign, consent) => {
          const c = { line: 9, e164: "+8613800138000", kind: "mobile" as const, fields, extra };
          const report = { importId: 'imp-"1"', listId: "list\\1" } as ImportReport;
          const o = { orgId: "demo", campaignId: campaign, ...(consent ? { consent } : {}) };
          const at = {
            iso: "2026-11-30T00:00:00.000Z",
            ids: eventIdBasis(1_700_000_000_000, Buffer.alloc(32, 3)),
          };
          const built = leadJsonBuilder(report, o, at)(c);
          const e = leadEvent(c, report, o, at);
          expect(JSON.parse(built.json)).toEqual(JSON.parse(JSON.stringify(e)));
          expect(built.id).toBe(e.id);
        },
      ),
      { numRuns: 300 },
    );
    // ~1 s idle; it passed vitest's 5 s default under the fresh-clone CI's load.
  }, 30_000);

  it("property: lead and event ids are the ones earlier releases made (digit-wise XOR = byte-wise XOR)", () => {
    // As ids were made before (Buffers): a lead imported then and again now is the same lead, the same event.
    const leadIdThen = (org: string, campaign: string, e164: string) =>
      `imp-${createHash("sha256").update(`${org}|${campaign}|${e164}`).digest().toString("hex", 0, 16)}`;
    const eventIdThen = (ms: number, lead: Buffer, salt: Buffer) => {
      const b = Buffer.allocUnsafe(16);
      b.writeUIntBE(ms, 0, 6);
      for (let i = 6; i < 16; i++) b[i] = lead[i + 10]! ^ salt[i]!;
      b[6] = 0x70 | (b[6]! & 0x0f);
      b[8] = 0x80 | (b[8]! & 0x3f);
      const x = b.toString("hex");
      return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
    };
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.stringMatching(/^\+[1-9]\d{6,14}$/),
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (org, campaign, e164, ms, salt) => {
          expect(importedLeadId(org, campaign, e164)).toBe(leadIdThen(org, campaign, e164));
          const lead = createHash("sha256").update(`${org}|${campaign}|${e164}`).digest();
          const at = { iso: new Date(0).toISOString(), ids: eventIdBasis(ms, Buffer.from(salt)) };
          const e = leadEvent(
            { line: 2, e164, kind: "mobile", fields: {}, extra: {} },
            {
              importId: "i",
              listId: "l",
            } as ImportReport,
            { orgId: org, campaignId: campaign },
            at,
          );
          expect(e.id).toBe(eventIdThen(ms, lead, Buffer.from(salt)));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("lead.import_completed contract", () => {
  const done = {
    kind: "lead.import_completed",
    id: "01900000-0000-7000-8000-000000000000",
    occurred_at: "2026-11-30T00:00:00.000Z",
    org_id: "demo",
    schema_version: 1,
    import_id: "imp-1",
    campaign_id: "spring",
    format: "xlsx",
    encoding: "xlsx",
    rows_read: 10,
    imported: 7,
    rejected: 1,
    duplicates: 1,
    dnc: 1,
    rows_lost: 0,
    missing_important: 2,
    duration_ms: 40,
    reject_reasons: { mobile_length: 1 },
    merge_matches: { phone: 1 },
  };
  it("accepts an import summary and refuses a malformed one", () => {
    expect(parseEvent(done).ok).toBe(true);
    expect(parseEvent({ ...done, imported: -1 }).ok).toBe(false);
    expect(parseEvent({ ...done, format: "xls" }).ok).toBe(false);
    expect(parseEvent({ ...done, campaign_id: "a.b" }).ok).toBe(false);
  });
});
