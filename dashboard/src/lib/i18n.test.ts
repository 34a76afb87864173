import { describe, expect, it } from "vitest";
import { DEFAULT_LANG, DICTIONARIES, LANGS, translator } from "./i18n.ts";

describe("i18n", () => {
  it("defines every key in every language, none empty", () => {
    const reference = Object.keys(DICTIONARIES[DEFAULT_LANG]).sort();
    expect(reference.length).toBeGreaterThan(50);
    for (const lang of LANGS) {
      const dict = DICTIONARIES[lang];
      expect(Object.keys(dict).sort()).toEqual(reference);
      for (const k of reference) expect(dict[k as keyof typeof dict].trim(), `${lang} ${k}`).not.toBe("");
    }
  });

  it("keeps placeholders identical across languages", () => {
    const ph = (s: string) => (s.match(/\{[a-z_]+\}/g) ?? []).sort();
    for (const [k, zh] of Object.entries(DICTIONARIES["zh-CN"])) {
      expect(ph(DICTIONARIES.en[k as keyof typeof DICTIONARIES.en]), k).toEqual(ph(zh));
    }
  });

  it("defaults to Chinese and fills placeholders", () => {
    expect(DEFAULT_LANG).toBe("zh-CN");
    expect(translator("zh-CN")("login.locked", { s: 42 })).toContain("42 秒");
    expect(translator("en")("login.locked", { s: 42 })).toBe("Too many failed attempts, try again in 42 s");
  });
});
