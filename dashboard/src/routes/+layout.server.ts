import type { LayoutServerLoad } from "./$types";

export const load = (({ locals }) => ({
  lang: locals.lang,
  user: locals.user
    ? {
        username: locals.user.username,
        displayName: locals.user.displayName,
        role: locals.user.role,
      }
    : null,
})) satisfies LayoutServerLoad;
