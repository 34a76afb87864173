import { redirect } from "@sveltejs/kit";
import { isLang, LANG_COOKIE } from "#lib/i18n.ts";
import { safeLocalPath } from "#lib/safe-path.ts";
import type { RequestHandler } from "./$types";

/** Language switch (form POST, so SvelteKit's CSRF origin check covers it); back to a same-site page only. */
export const POST: RequestHandler = async ({ request, cookies, url }) => {
  const form = await request.formData();
  const lang = form.get("lang");
  if (isLang(lang)) {
    cookies.set(LANG_COOKIE, lang, {
      path: "/",
      httpOnly: false,
      sameSite: "lax",
      secure: url.protocol === "https:",
      maxAge: 365 * 86_400,
    });
  }
  redirect(303, safeLocalPath(form.get("next")) ?? "/");
};
