import type { Lang } from "#lib/i18n.ts";
import type { SessionUser } from "#lib/server/auth/types.ts";

declare global {
  namespace App {
    interface Locals {
      user: SessionUser | null;
      sessionId: string | null;
      lang: Lang;
    }
    interface Error {
      message: string;
      code?: string;
    }
  }
}
