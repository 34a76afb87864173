// Column mapping: which header feeds which lead field. Headers are matched after cleaning
// (half-width, lowercase, no spaces or punctuation), Chinese vendors' headers included.
import { comparable } from "./clean.ts";
import { type ColumnMapping, LEAD_FIELDS, type LeadField } from "./types.ts";

/** Header spellings per field, most specific first (comparable form). */
const SYNONYMS: Record<LeadField, string[]> = {
  phone: [
    "手机",
    "手机号",
    "手机号码",
    "移动电话",
    "电话",
    "电话号码",
    "联系电话",
    "联系方式",
    "号码",
    "mobile",
    "mobilephone",
    "cell",
    "cellphone",
    "phone",
    "phonenumber",
    "tel",
    "telephone",
    "msisdn",
  ],
  phone2: [
    "座机",
    "固话",
    "固定电话",
    "办公电话",
    "备用电话",
    "电话2",
    "phone2",
    "landline",
    "otherphone",
    "workphone",
  ],
  name: [
    "姓名",
    "名字",
    "客户姓名",
    "联系人",
    "联系人姓名",
    "name",
    "fullname",
    "contact",
    "contactname",
    "customer",
  ],
  company: [
    "公司",
    "公司名称",
    "单位",
    "单位名称",
    "企业",
    "企业名称",
    "客户名称",
    "company",
    "companyname",
    "organization",
    "organisation",
    "employer",
  ],
  address: ["地址", "详细地址", "联系地址", "通讯地址", "公司地址", "address", "addr", "street"],
  region: [
    "地区",
    "区域",
    "省份",
    "省市",
    "城市",
    "所在地",
    "所在地区",
    "region",
    "province",
    "city",
    "area",
    "state",
  ],
  email: ["邮箱", "电子邮箱", "电子邮件", "email", "emailaddress", "mail"],
  title: ["职位", "职务", "title", "jobtitle", "position"],
  note: ["备注", "说明", "描述", "note", "notes", "remark", "remarks", "comment", "comments"],
};

/** Best guess of field → header for a file's headers; each header feeds one field at most. */
export function suggestMapping(headers: string[]): ColumnMapping {
  const taken = new Set<string>();
  const mapping: ColumnMapping = {};
  const norm = headers.map(comparable);
  for (const field of LEAD_FIELDS) {
    for (const syn of SYNONYMS[field]) {
      const i = norm.findIndex((h, j) => h === syn && !taken.has(headers[j]!));
      if (i >= 0) {
        mapping[field] = headers[i]!;
        taken.add(headers[i]!);
        break;
      }
    }
  }
  // A header that merely contains a phone word (e.g. "客户手机(必填)") when nothing matched exactly.
  if (!mapping.phone) {
    const i = norm.findIndex((h, j) => !taken.has(headers[j]!) && /手机|电话|phone|mobile|tel/.test(h));
    if (i >= 0) mapping.phone = headers[i]!;
  }
  return mapping;
}

/** Column positions of a mapping, and the unmapped columns that travel as `extra`. */
export interface ResolvedMapping {
  index: Partial<Record<LeadField, number>>;
  extra: { header: string; index: number }[];
  /** Mapped headers the file does not have. */
  unknown: string[];
}

export function resolveMapping(headers: string[], mapping: ColumnMapping): ResolvedMapping {
  const index: Partial<Record<LeadField, number>> = {};
  const unknown: string[] = [];
  const used = new Set<number>();
  for (const [field, header] of Object.entries(mapping) as [LeadField, string][]) {
    let i = headers.indexOf(header);
    if (i < 0) i = headers.map(comparable).indexOf(comparable(header));
    if (i < 0) unknown.push(header);
    else {
      index[field] = i;
      used.add(i);
    }
  }
  const extra = headers
    .map((header, i) => ({ header, index: i }))
    .filter((h) => !used.has(h.index) && h.header.trim() !== "")
    .slice(0, 20);
  return { index, extra, unknown };
}

/** `phone=手机,name=姓名` (the CLI's --mapping) → a mapping. */
export function parseMappingArg(arg: string): ColumnMapping {
  const mapping: Record<string, string> = {};
  for (const pair of arg.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`mapping "${pair}": expected field=header`);
    const field = pair.slice(0, eq).trim();
    if (!(LEAD_FIELDS as readonly string[]).includes(field))
      throw new Error(`mapping "${pair}": unknown field ${field} (fields: ${LEAD_FIELDS.join(", ")})`);
    mapping[field] = pair.slice(eq + 1).trim();
  }
  return mapping as ColumnMapping;
}
