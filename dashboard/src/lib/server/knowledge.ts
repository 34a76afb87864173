import type { Lang } from "../i18n.ts";

/** Scripts and knowledge snippets per campaign (a small store; "*" applies to every campaign). */
export interface Snippet {
  title: string;
  body: string;
}

const STORE: Record<string, Record<Lang, Snippet[]>> = {
  "*": {
    "zh-CN": [
      {
        title: "开场白",
        body: "您好，我是{公司}的客户顾问，耽误您一分钟时间，想跟您介绍一下我们最新的优惠活动。",
      },
      {
        title: "异议处理：没时间",
        body: "理解您很忙，我可以先给您发一条短信/微信，您方便的时候再看，请问什么时间再联系您合适？",
      },
      { title: "邀约", body: "我们本周六在门店有体验活动，您方便的话我帮您预约一个时间？" },
      { title: "结束语", body: "感谢您的时间，祝您生活愉快，再见！" },
    ],
    en: [
      {
        title: "Opening",
        body: "Hello, this is the customer advisor from {company}. May I take one minute to tell you about our latest offer?",
      },
      {
        title: "Objection: no time",
        body: "I understand you are busy. May I send you an SMS/WeChat message, and when would suit you for a call back?",
      },
      {
        title: "Invitation",
        body: "We have a hands-on event at our store this Saturday. Shall I book a time for you?",
      },
      { title: "Closing", body: "Thank you for your time, have a nice day. Goodbye!" },
    ],
  },
};

export function snippetsFor(campaign: string, lang: Lang): Snippet[] {
  const own = campaign === "*" ? [] : (STORE[campaign]?.[lang] ?? []);
  return [...own, ...(STORE["*"]?.[lang] ?? [])];
}
