import { json } from "@sveltejs/kit";
import { customersContext } from "#lib/server/customers-actor.ts";
import type { RequestHandler } from "./$types";

/** The console's follow-up side: my due today / overdue, reminders (holds ending within a day), quick keys. */
export const GET: RequestHandler = async ({ locals }) => {
  const { user, actor, store } = await customersContext(locals);
  const [due, reminders, settings] = await Promise.all([
    store.dueList(actor, { scope: "mine" }),
    store.reminders(actor),
    store.settings(user.org),
  ]);
  return json(
    {
      due: due.ok ? { today: due.today, dueToday: due.dueToday, overdue: due.overdue } : null,
      reminders,
      dispositions: settings.dispositions.map((d) => ({ key: d.key, hotkey: d.hotkey, label: d.label })),
    },
    { headers: { "cache-control": "no-store" } },
  );
};
