// One-key quick dispositions for the console: each writes its default note and sets the next
// contact N days out (per-org lists replace these in OrgSettings.dispositions).
import type { QuickDisposition } from "../records/types.ts";

export const DEFAULT_DISPOSITIONS: QuickDisposition[] = [
  {
    key: "not_interested",
    hotkey: "1",
    label: { zh: "无意向", en: "Not interested" },
    note: { zh: "客户表示暂无意向", en: "Customer is not interested for now" },
    nextContactDays: 30,
    grade: "D",
  },
  {
    key: "no_answer",
    hotkey: "2",
    label: { zh: "未接通", en: "No answer" },
    note: { zh: "电话未接通，明天再联系", en: "No answer, try again tomorrow" },
    nextContactDays: 1,
  },
  {
    key: "call_back",
    hotkey: "3",
    label: { zh: "约定回电", en: "Call back" },
    note: { zh: "客户约定稍后回电", en: "Customer asked for a call back" },
    nextContactDays: 2,
  },
  {
    key: "interested",
    hotkey: "4",
    label: { zh: "有意向", en: "Interested" },
    note: { zh: "客户有意向，尽快跟进", en: "Customer is interested, follow up soon" },
    nextContactDays: 1,
    grade: "A",
  },
  {
    key: "sent_info",
    hotkey: "5",
    label: { zh: "已发资料", en: "Info sent" },
    note: { zh: "已发送产品资料", en: "Product information sent" },
    nextContactDays: 7,
  },
];
