// Generated lead lists as vendors send them, with every row labelled: the demo's sample list
// (npm start), the tests' messy files and the import benchmark's 1M rows and labelled dedupe
// sample. Duplicates are written the way people retype a contact (other phone format, full-width
// digits, 有限公司 dropped, a space in the name, a second number); bad rows break the rules the
// cleaner enforces; DNC rows carry numbers the caller puts on the org's DNC list.

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import Papa from "papaparse";
import { Rng } from "../sim/telephony/rng.ts";

export const SAMPLE_HEADERS = ["姓名", "手机", "公司", "地址", "备注"];

export type RowTruth = "unique" | "duplicate" | "bad" | "dnc";

export interface SampleRow {
  cells: string[];
  truth: RowTruth;
  /** The contact the row describes (duplicates share it with an earlier row). */
  entity: number;
}

export interface SampleOptions {
  rows: number;
  seed: string;
  /** Shares of the rows (the rest are unique contacts). */
  duplicateShare?: number;
  badShare?: number;
  dncShare?: number;
  /** Share of unique contacts with a foreign number. */
  foreignShare?: number;
  /** Mainland mobile of contact n (11 digits, no +86); default: a unique generated one. */
  mobileFor?: (n: number) => string;
  /** Blank lines and notes with commas, quotes and line breaks. */
  messy?: boolean;
}

const SURNAMES =
  "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢".split(
    "",
  );
const GIVEN =
  "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍建国红梅鹏飞志宏海波辉斌宇浩凯俊晨阳欣怡子涵梓轩雨".split(
    "",
  );
const CITIES = [
  "北京",
  "上海",
  "广州",
  "深圳",
  "杭州",
  "成都",
  "武汉",
  "南京",
  "苏州",
  "西安",
  "重庆",
  "天津",
];
const WORDS =
  "华信达通恒泰安康瑞祥鑫源宏盛嘉禾永德博远金星中天海润新創晨光明辉锦程东方联合创美佳顺兴隆万家福".split("");
const TRADES = [
  "科技",
  "贸易",
  "电子",
  "网络",
  "教育",
  "医疗器械",
  "建材",
  "物流",
  "食品",
  "文化传媒",
  "信息技术",
  "机械",
];
const ROADS = [
  "人民路",
  "中山路",
  "解放路",
  "建设路",
  "和平路",
  "长江路",
  "科技园路",
  "滨江大道",
  "南京路",
  "天府大道",
];
const FOREIGN = [
  (r: Rng) => `+1 212 555 ${String(100 + r.int(0, 899)).padStart(4, "0")}`,
  (r: Rng) => `+44 20 7946 ${String(r.int(0, 999)).padStart(4, "0")}`,
  (r: Rng) => `+65 9${String(r.int(0, 9_999_999)).padStart(7, "0")}`,
  (r: Rng) => `+852 9${String(r.int(0, 9_999_999)).padStart(7, "0")}`,
  (r: Rng) => `+81 3 ${String(r.int(1000, 9999))} ${String(r.int(1000, 9999))}`,
];

interface Contact {
  name: string;
  company: string;
  address: string;
  phone: string;
  foreign: boolean;
}

/** Unique mainland mobile for contact n: a 1[3-9]x prefix and an 8-digit scramble of n. */
export function generatedMobile(n: number): string {
  const prefixes = ["135", "136", "137", "138", "139", "150", "151", "158", "177", "186", "188", "199"];
  const p = prefixes[n % prefixes.length]!;
  const k = Math.floor(n / prefixes.length);
  const scrambled = (k * 48_271 + 12_345) % 100_000_000; // a bijection on 0..1e8-1 (48271 ⟂ 1e8)
  return `${p}${String(scrambled).padStart(8, "0")}`;
}

function contact(n: number, r: Rng, o: SampleOptions): Contact {
  const pick = <T>(xs: readonly T[]) => xs[r.int(0, xs.length)]!;
  const given = r.next() < 0.6 ? pick(GIVEN) + pick(GIVEN) : pick(GIVEN);
  const city = pick(CITIES);
  const company = `${city}${pick(WORDS)}${pick(WORDS)}${pick(WORDS)}${pick(TRADES)}有限公司`;
  const foreign = r.next() < (o.foreignShare ?? 0);
  return {
    name: pick(SURNAMES) + given,
    company,
    address: `${city}市${pick(ROADS)}${r.int(1, 999)}号${r.int(1, 30)}楼`,
    phone: foreign ? pick(FOREIGN)(r) : (o.mobileFor ?? generatedMobile)(n),
    foreign,
  };
}

/** The same mobile as a person might retype it. */
function reformat(phone: string, r: Rng): string {
  if (phone.startsWith("+")) return phone.replace(/ /g, r.next() < 0.5 ? "-" : "");
  const styles = [
    (p: string) => `${p.slice(0, 3)} ${p.slice(3, 7)} ${p.slice(7)}`,
    (p: string) => `+86 ${p}`,
    (p: string) => `0086-${p}`,
    (p: string) => `86${p}`,
    (p: string) => p.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0)),
    (p: string) => `${p.slice(0, 3)}-${p.slice(3, 7)}-${p.slice(7)}`,
  ];
  return styles[r.int(0, styles.length)]!(phone);
}

const BAD = [
  (p: string) => p.slice(0, 10), // a digit short
  (p: string) => `${p}8`, // a digit too many
  (p: string) => `${p.slice(0, 4)}O${p.slice(5)}`, // letter O for zero
  () => "", // no number
  (p: string) => `6${p.slice(4)}`, // 8 digits: a landline without its area code
  (p: string) => `12${p.slice(2)}`, // 12x is no mobile prefix
];

function duplicateOf(c: Contact, r: Rng): string[] {
  const roll = r.next();
  let { name, company, phone } = c;
  if (roll < 0.6) phone = reformat(phone, r);
  else if (roll < 0.8) {
    // Same person, name and company retyped.
    phone = reformat(phone, r);
    name = `${name.slice(0, 1)} ${name.slice(1)}`;
    company = company.replace(/有限公司$/, "");
  } else {
    // Same person and company, a second number (fuzzy name + company match).
    phone = generatedMobile(90_000_000 + r.int(0, 9_000_000));
    company = r.next() < 0.5 ? company.replace(/有限公司$/, "") : company;
  }
  return [name, phone, company, c.address, "再次提供"];
}

/** Rows of a sample list, header excluded, with their labels. DNC numbers go to `dnc`. */
export function* sampleRows(o: SampleOptions, dnc: string[] = []): Generator<SampleRow> {
  const r = new Rng(`import-sample|${o.seed}`);
  const dupShare = o.duplicateShare ?? 0.08;
  const badShare = o.badShare ?? 0.03;
  const dncShare = o.dncShare ?? 0.02;
  const recent: Contact[] = [];
  const recentIds: number[] = [];
  let n = 0;
  for (let i = 0; i < o.rows; i++) {
    const roll = r.next();
    if (roll < dupShare && recent.length > 0) {
      const k = r.int(0, recent.length);
      yield { cells: duplicateOf(recent[k]!, r), truth: "duplicate", entity: recentIds[k]! };
      continue;
    }
    const id = n++;
    const c = contact(id, r, o);
    if (roll < dupShare + badShare && !c.foreign) {
      yield {
        cells: [c.name, BAD[r.int(0, BAD.length)]!(c.phone), c.company, c.address, ""],
        truth: "bad",
        entity: id,
      };
      continue;
    }
    const isDnc = roll < dupShare + badShare + dncShare;
    if (isDnc) dnc.push(c.phone);
    // Keep a window of recent contacts to duplicate (vendors' duplicates cluster; memory stays flat).
    if (!isDnc) {
      if (recent.length >= 5_000) {
        const j = r.int(0, recent.length);
        recent[j] = c;
        recentIds[j] = id;
      } else {
        recent.push(c);
        recentIds.push(id);
      }
    }
    const note = o.messy && r.next() < 0.05 ? `回访, "重点"\n客户` : "";
    // Messy lists lack a company now and then (an important field: the batch reminder lists them).
    const company = o.messy && r.next() < 0.04 ? "" : c.company;
    yield {
      cells: [c.name, c.phone, company, c.address, note],
      truth: isDnc ? "dnc" : "unique",
      entity: id,
    };
  }
}

export interface WrittenSample {
  path: string;
  rows: number;
  truth: Record<RowTruth, number>;
  /** Numbers (as written) the caller should put on the DNC list. */
  dnc: string[];
}

/** Writes a sample CSV (UTF-8 with BOM as Excel saves it, or GB18030 as Chinese Excel does). */
export async function writeSampleCsv(
  path: string,
  o: SampleOptions & { encoding?: "utf-8" | "utf-8-bom" | "gb18030" },
): Promise<WrittenSample> {
  const out = createWriteStream(path);
  const enc = o.encoding ?? "utf-8";
  const truth: Record<RowTruth, number> = { unique: 0, duplicate: 0, bad: 0, dnc: 0 };
  const dnc: string[] = [];
  const encode = (s: string) => (enc === "gb18030" ? iconv.encode(s, "gb18030") : Buffer.from(s, "utf8"));
  if (enc === "utf-8-bom") out.write(Buffer.from([0xef, 0xbb, 0xbf]));
  let chunk = `${Papa.unparse([SAMPLE_HEADERS])}\r\n`;
  let i = 0;
  for (const row of sampleRows(o, dnc)) {
    truth[row.truth]++;
    chunk += `${Papa.unparse([row.cells])}\r\n`;
    if (o.messy && ++i % 500 === 0) chunk += "\r\n";
    if (chunk.length > 64 * 1024) {
      if (!out.write(encode(chunk))) await once(out, "drain");
      chunk = "";
    }
  }
  out.end(encode(chunk));
  await once(out, "finish");
  return { path, rows: o.rows, truth, dnc };
}

/** Writes a sample XLSX with exceljs's streaming writer (phones as text cells). */
export async function writeSampleXlsx(path: string, o: SampleOptions): Promise<WrittenSample> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: path,
    useSharedStrings: false,
    useStyles: false,
  });
  const ws = wb.addWorksheet("客户名单");
  ws.addRow(SAMPLE_HEADERS).commit();
  const truth: Record<RowTruth, number> = { unique: 0, duplicate: 0, bad: 0, dnc: 0 };
  const dnc: string[] = [];
  for (const row of sampleRows(o, dnc)) {
    truth[row.truth]++;
    // Some vendors store mobiles as numbers: the reader must give them back as digits.
    const cells: (string | number)[] = [...row.cells];
    if (/^1\d{10}$/.test(row.cells[1]!) && row.entity % 3 === 0) cells[1] = Number(row.cells[1]);
    ws.addRow(cells).commit();
  }
  ws.commit();
  await wb.commit();
  return { path, rows: o.rows, truth, dnc };
}
