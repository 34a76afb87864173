// npm run import: pacing's import CLI (pacing/src/import/cli.ts, same arguments) with the org's
// existing customers from @cc/customers, so rows whose phone is a customer's merge into that
// record. Wired here because the dashboard already depends on both workspaces; pacing stays
// independent of customers.
import { knownCustomersByPhone } from "@cc/customers";
import { runImportCli } from "@cc/pacing/import-cli";

runImportCli({ knownCustomers: (redis) => knownCustomersByPhone(redis) });
